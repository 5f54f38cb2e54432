// A grpc-js client speaking Envoy's ext_authz and gRPC health protos, as Envoy would.
import { join } from 'node:path';
import { credentials, loadPackageDefinition, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_OPTIONS } from '../../../src/extauthz/load-protos.js';
import { packageRoot } from '../../../src/shared/package-root.js';

type Callback = (err: ServiceError | null, value?: unknown) => void;
type UnaryMethod = (request: unknown, callback: Callback) => void;
interface Serializers {
  readonly requestSerialize: (value: unknown) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => unknown;
}
type ClientCtor = (new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client) & {
  service: Record<string, Serializers>;
};

const definition = loadSync(['envoy/service/auth/v3/external_auth.proto', 'grpc/health/v1/health.proto'], {
  ...PROTO_OPTIONS,
  includeDirs: [join(packageRoot(), 'proto')],
});
const root = loadPackageDefinition(definition) as unknown as {
  envoy: { service: { auth: { v3: { Authorization: ClientCtor } } } };
  grpc: { health: { v1: { Health: ClientCtor } } };
};

export interface CheckInput {
  readonly method?: string;
  readonly path?: string;
  readonly host?: string;
  readonly headers?: Record<string, string>;
}

export function checkRequest(input: CheckInput): Record<string, unknown> {
  return {
    attributes: {
      source: { address: { socket_address: { address: '10.0.0.7', port_value: 51234 } } },
      request: {
        http: {
          id: 'req-1',
          method: input.method ?? 'GET',
          path: input.path ?? '/apis/resource',
          host: input.host ?? 'api.example.com',
          scheme: 'https',
          protocol: 'HTTP/1.1',
          headers: input.headers ?? {},
        },
      },
      context_extensions: { route: 'default' },
    },
  };
}

export class ExtAuthzClient {
  private readonly authz: Client;
  private readonly health: Client;

  constructor(port: number) {
    const address = `127.0.0.1:${port}`;
    this.authz = new root.envoy.service.auth.v3.Authorization(address, credentials.createInsecure());
    this.health = new root.grpc.health.v1.Health(address, credentials.createInsecure());
  }

  close(): void {
    this.authz.close();
    this.health.close();
  }

  private call(client: Client, method: string, request: unknown): Promise<unknown> {
    const fn = (client as unknown as Record<string, UnaryMethod>)[method];
    if (fn === undefined) throw new Error(`no method ${method}`);
    return new Promise((resolve, reject) => {
      fn.call(client, request, (err, value) => { if (err !== null) reject(err); else resolve(value); });
    });
  }

  check(input: CheckInput | Record<string, unknown>, raw = false): Promise<unknown> {
    return this.call(this.authz, 'Check', raw ? input : checkRequest(input as CheckInput));
  }

  healthCheck(service = ''): Promise<unknown> {
    return this.call(this.health, 'Check', { service });
  }

  /** Opens a Health/Watch stream and collects the statuses it sends. */
  watchHealth(onStatus: (status: unknown) => void): { cancel(): void } {
    const method = (this.health as unknown as Record<string, (req: unknown) => NodeJS.EventEmitter & { cancel(): void }>)['Watch'];
    if (method === undefined) throw new Error('no Watch');
    const call = method.call(this.health, { service: '' });
    call.on('data', (msg: unknown) => { onStatus(at(msg, 'status')); });
    call.on('error', () => { /* cancellation ends the stream with CANCELLED */ });
    return call;
  }

  /** Sends `bytes` as the whole serialized CheckRequest. */
  checkRaw(bytes: Buffer): Promise<unknown> {
    const serializers = root.envoy.service.auth.v3.Authorization.service['Check'];
    if (serializers === undefined) throw new Error('no Check method');
    return new Promise((resolve, reject) => {
      this.authz.makeUnaryRequest(
        '/envoy.service.auth.v3.Authorization/Check',
        () => bytes,
        serializers.responseDeserialize,
        {},
        new Metadata(),
        (err, value) => { if (err !== null) reject(err); else resolve(value); },
      );
    });
  }

  /** Sends `request` after replacing `placeholder`'s bytes on the wire with `bytes` of the same length. */
  checkWithRawBytes(request: unknown, placeholder: string, bytes: Buffer): Promise<unknown> {
    const serializers = root.envoy.service.auth.v3.Authorization.service['Check'];
    if (serializers === undefined) throw new Error('no Check method');
    const encoded = serializers.requestSerialize(request);
    const at = encoded.indexOf(Buffer.from(placeholder));
    if (at === -1 || bytes.length !== placeholder.length) throw new Error('placeholder not found');
    bytes.copy(encoded, at);
    return new Promise((resolve, reject) => {
      this.authz.makeUnaryRequest(
        '/envoy.service.auth.v3.Authorization/Check',
        () => encoded,
        serializers.responseDeserialize,
        request,
        new Metadata(),
        (err, value) => { if (err !== null) reject(err); else resolve(value); },
      );
    });
  }
}

/** Reads a nested field of a decoded message for assertions. */
export function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

export function headerMap(options: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(options)) return out;
  for (const o of options) {
    const key = at(o, 'header', 'key');
    const value = at(o, 'header', 'value');
    if (typeof key === 'string' && typeof value === 'string') out[key] = value;
  }
  return out;
}
