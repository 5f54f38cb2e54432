import { pino, type DestinationStream, type Logger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** JSON lines on stdout; credentials are redacted should one ever reach a log call by mistake. */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream | DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'nmp-authz' },
    redact: { paths: ['authorization', 'cookie', '*.authorization', '*.cookie', 'token'], censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
