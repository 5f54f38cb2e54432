// Loads the Envoy ext_authz and gRPC health protos shipped under proto/.
import { join } from 'node:path';
import { loadPackageDefinition, type GrpcObject, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { packageRoot } from '../shared/package-root.js';

/**
 * keepCase keeps Envoy's snake_case field names; note that google.protobuf.Struct/Value still use
 * protobufjs' camelCase names (`stringValue`), and a snake_case key there would encode as empty.
 */
export const PROTO_OPTIONS: Options = { keepCase: true, longs: String, enums: Number, defaults: false, oneofs: true };

export interface ExtAuthzProtos {
  readonly authorization: ServiceDefinition;
  readonly health: ServiceDefinition;
  readonly grpcObject: GrpcObject;
}

let cached: ExtAuthzProtos | undefined;

function lookup(root: GrpcObject, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' && typeof node !== 'function') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function serviceOf(root: GrpcObject, path: string): ServiceDefinition {
  const ctor = lookup(root, path);
  if (typeof ctor !== 'function' || !('service' in ctor)) throw new Error(`proto service ${path} not found`);
  return (ctor as unknown as { service: ServiceDefinition }).service;
}

export function loadExtAuthzProtos(): ExtAuthzProtos {
  if (cached !== undefined) return cached;
  const definition = loadSync(
    ['envoy/service/auth/v3/external_auth.proto', 'grpc/health/v1/health.proto'],
    { ...PROTO_OPTIONS, includeDirs: [join(packageRoot(), 'proto')] },
  );
  const grpcObject = loadPackageDefinition(definition);
  cached = {
    authorization: serviceOf(grpcObject, 'envoy.service.auth.v3.Authorization'),
    health: serviceOf(grpcObject, 'grpc.health.v1.Health'),
    grpcObject,
  };
  return cached;
}
