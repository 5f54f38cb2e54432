// The gRPC transport: envoy.service.auth.v3.Authorization/Check and grpc.health.v1.Health on one
// port. A decision is always an OK RPC carrying a CheckResponse (§5); gRPC errors are only for
// malformed RPCs, because Envoy treats an error as a failure, not as a denial.
import { EventEmitter } from 'node:events';
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { DecisionPipeline } from '../authz/decision-pipeline.js';
import { isRecord } from '../shared/is-record.js';
import { encodeCheckResponse, type CheckReply } from './encode-check-response.js';
import { loadExtAuthzProtos } from './load-protos.js';
import { readCheckRequest } from './read-check-request.js';

const SERVING = 1;
const NOT_SERVING = 2;
const HEALTH_SERVICES = new Set(['', 'envoy.service.auth.v3.Authorization']);

/** proto-loader still decodes requests; responses are written by the hand encoder (see its file). */
function withCheckResponseEncoder(service: ServiceDefinition): ServiceDefinition {
  const check = service['Check'];
  if (check === undefined) throw new Error('the Authorization service has no Check method');
  return { ...service, Check: { ...check, responseSerialize: encodeCheckResponse } };
}

export interface ExtAuthzServerOptions {
  readonly pipeline: DecisionPipeline;
  readonly isReady: () => boolean;
  readonly logger: Logger;
  readonly maxReceiveBytes: number;
}

export class ExtAuthzServer {
  private readonly server: Server;
  private readonly healthEvents = new EventEmitter();
  private lastServing: boolean | null = null;

  constructor(private readonly opts: ExtAuthzServerOptions) {
    this.server = new Server({
      'grpc.max_receive_message_length': opts.maxReceiveBytes,
    });
    this.healthEvents.setMaxListeners(0);
    const protos = loadExtAuthzProtos();
    this.server.addService(withCheckResponseEncoder(protos.authorization), { Check: this.check });
    this.server.addService(protos.health, { Check: this.healthCheck, Watch: this.healthWatch });
  }

  /** Binds and starts; returns the bound port (useful with port 0). */
  async listen(host: string, port: number): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (err, boundPort) => {
        if (err !== null) reject(err);
        else resolve(boundPort);
      });
    });
  }

  /** Call when readiness may have changed; Watch streams only hear about real transitions. */
  notifyReadiness(): void {
    const serving = this.opts.isReady();
    if (serving === this.lastServing) return;
    this.lastServing = serving;
    this.healthEvents.emit('change', serving);
  }

  /** Stops accepting, lets in-flight checks finish, and forces the rest after the grace period. */
  async shutdown(graceMs: number): Promise<void> {
    this.healthEvents.emit('change', false);
    this.healthEvents.emit('close');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private readonly check = (call: ServerUnaryCall<unknown, CheckReply>, callback: sendUnaryData<CheckReply>): void => {
    const attributes = readCheckRequest(call.request);
    if (attributes === null) {
      callback({ code: GrpcStatus.INVALID_ARGUMENT, details: 'CheckRequest without attributes.request.http' });
      return;
    }
    this.opts.pipeline.decide(attributes.request).then(
      (decision) => { callback(null, { kind: 'decision', decision }); },
      (err: unknown) => {
        // A bug, not a decision: still answer with a fail-closed 503 rather than a transport error.
        this.opts.logger.error({ err }, 'check failed');
        callback(null, { kind: 'internal_error' });
      },
    );
  };

  private serviceName(request: unknown): string | null {
    const service = isRecord(request) && typeof request['service'] === 'string' ? request['service'] : '';
    return HEALTH_SERVICES.has(service) ? service : null;
  }

  private readonly healthCheck = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
    if (this.serviceName(call.request) === null) {
      callback({ code: GrpcStatus.NOT_FOUND, details: 'unknown service' });
      return;
    }
    callback(null, { status: this.opts.isReady() ? SERVING : NOT_SERVING });
  };

  private readonly healthWatch = (call: ServerWritableStream<unknown, unknown>): void => {
    if (this.serviceName(call.request) === null) {
      call.write({ status: 3 });
      return;
    }
    const onChange = (serving: boolean): void => { call.write({ status: serving ? SERVING : NOT_SERVING }); };
    const onClose = (): void => { call.end(); };
    call.write({ status: this.opts.isReady() ? SERVING : NOT_SERVING });
    this.healthEvents.on('change', onChange);
    this.healthEvents.once('close', onClose);
    call.on('cancelled', () => {
      this.healthEvents.off('change', onChange);
      this.healthEvents.off('close', onClose);
    });
  };
}
