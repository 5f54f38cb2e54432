// The decision log's destination (logging.decision_log): the service logger, or a stream of its own
// that is written whatever logging.level says, because an audit trail must not vanish with a
// quieter service log.
import { once } from 'node:events';
import { pino, type Logger } from 'pino';
import type { DecisionLogTarget } from '../config/config.js';
import { assertNever } from '../shared/assert-never.js';
import { createLogger } from '../shared/create-logger.js';

export interface DecisionLogHandle {
  /** null when the decision log is off. */
  readonly logger: Logger | null;
  /** Flushes buffered lines and closes a stream this handle opened; the service logger is left alone. */
  close(): Promise<void>;
  /**
   * Reopens a file destination by its path (after logrotate moved it away); resolves once new
   * lines go to the new file. Lines written meanwhile are kept, in order.
   */
  reopen(): Promise<void>;
}

const NOTHING_TO_CLOSE = async (): Promise<void> => {};
const NOTHING_TO_REOPEN = async (): Promise<void> => {};

export async function openDecisionLog(target: DecisionLogTarget, serviceLogger: Logger): Promise<DecisionLogHandle> {
  switch (target.kind) {
    case 'stdout':
      return { logger: serviceLogger, close: NOTHING_TO_CLOSE, reopen: NOTHING_TO_REOPEN };
    case 'off':
      return { logger: null, close: NOTHING_TO_CLOSE, reopen: NOTHING_TO_REOPEN };
    case 'stderr':
    case 'file': {
      // Asynchronous writes: a decision must not wait for the disk. Lines are flushed on close.
      const stream = pino.destination(target.kind === 'stderr'
        ? { dest: 2, sync: false }
        : { dest: target.path, sync: false, append: true, mkdir: false });
      if (target.kind === 'file') {
        // Opening is asynchronous; waiting here turns an unwritable path into a start failure.
        const [outcome] = await Promise.race([once(stream, 'ready').then(() => ['ready'] as const), once(stream, 'error')]);
        if (outcome !== 'ready') {
          const detail = outcome instanceof Error ? outcome.message : String(outcome);
          throw new Error(`cannot open the decision log ${target.path}: ${detail}`);
        }
      }
      // A failed write (disk full, file removed from under us) must not crash the authorizer, which
      // every request depends on: say so on the service log, at most once a minute, and keep deciding.
      let lastReported = Number.NEGATIVE_INFINITY;
      let failed = false;
      let ended = false;
      stream.on('error', (err: unknown) => {
        failed = true;
        const now = Date.now();
        if (now - lastReported < 60_000) return;
        lastReported = now;
        serviceLogger.error({ destination: target.kind === 'file' ? target.path : 'stderr', detail: err instanceof Error ? err.message : String(err) }, 'decision log write failed');
      });
      return {
        logger: createLogger('info', stream),
        async close() {
          ended = true;
          // Asynchronous flushes only: a synchronous one would overtake a write still in flight
          // and put lines out of order.
          if (target.kind === 'stderr') {
            if (!failed) await new Promise<void>((resolve) => { stream.flush(() => { resolve(); }); });
            return;
          }
          // A stream that failed never finishes its pending write: release it rather than wait.
          if (failed) {
            stream.destroy();
            return;
          }
          const closed = Promise.race([once(stream, 'close'), once(stream, 'error')]);
          stream.end();
          await closed.catch(() => {});
          if (failed) stream.destroy();
        },
        async reopen() {
          if (target.kind === 'stderr' || ended) return;
          // A path that cannot be opened now is reported by the error handler; lines keep going to
          // the old file descriptor.
          const ready = Promise.race([once(stream, 'ready'), once(stream, 'error')]);
          try {
            stream.reopen();
          } catch {
            return;
          }
          await ready.catch(() => {});
        },
      };
    }
    default:
      return assertNever(target);
  }
}
