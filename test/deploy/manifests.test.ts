// The shipped deployment files must agree with each other and with the service's defaults:
// a wrong port, path or header name in a manifest is an outage or a spoofable header in production.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildConfig, parseConfigText } from '../../src/config/load-config.js';

const root = new URL('../../deploy/', import.meta.url).pathname;

// The service's own defaults, from the configuration parser: manifests must follow them.
const defaults = buildConfig({}, { baseDir: root });
if (!defaults.ok) throw new Error('the empty configuration must be valid');
const GRPC_PORT = defaults.config.server.grpc.port;
const HTTP_PORT = defaults.config.server.http.port;
const IDENTITY_HEADERS = [
  'x-nmp-principal-id',
  'x-nmp-principal-email',
  'x-nmp-principal-groups',
  'x-nmp-scopes',
  'x-nmp-authorized',
];
const UNCHECKED_PATHS = ['/healthz', '/readyz', '/apis/auth/discovery'];

type Doc = Record<string, unknown>;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function loadYaml(path: string): Doc[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    assert.equal(doc.errors.length, 0, `${relative(root, path)}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    assert.ok(value !== null && typeof value === 'object', `${relative(root, path)}: a document must be a mapping`);
    return value as Doc;
  });
}

/** Every value found anywhere below `node` under property `key`. */
function findAll(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((n) => findAll(n, key));
  if (node === null || typeof node !== 'object') return [];
  const out: unknown[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === key) out.push(v);
    out.push(...findAll(v, key));
  }
  return out;
}

function at(node: unknown, ...path: (string | number)[]): unknown {
  let cur = node;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

function byKind(docs: Doc[], kind: string): Doc {
  const doc = docs.find((d) => d['kind'] === kind);
  assert.ok(doc, `no ${kind}`);
  return doc;
}

describe('deploy/', () => {
  const yamlFiles = filesUnder(root).filter((f) => f.endsWith('.yaml'));

  it('holds only valid YAML documents', () => {
    assert.ok(yamlFiles.length >= 8);
    for (const file of yamlFiles) loadYaml(file);
  });

  for (const variant of ['envoy-grpc.yaml', 'envoy-http.yaml']) {
    describe(`envoy/${variant}`, () => {
      const [config] = loadYaml(join(root, 'envoy', variant));
      const filters = findAll(config, 'http_filters')[0] as Doc[];
      const names = filters.map((f) => f['name']);
      const clusters = at(config, 'static_resources', 'clusters') as Doc[];
      const clusterPort = (name: string): unknown =>
        findAll(clusters.find((c) => c['name'] === name), 'port_value')[0];

      it('strips every client-sent identity header before the check', () => {
        const mutation = names.indexOf('envoy.filters.http.header_mutation');
        assert.ok(mutation >= 0 && mutation < names.indexOf('envoy.filters.http.ext_authz'));
        const removed = findAll(filters[mutation], 'remove');
        assert.deepEqual([...removed].sort(), [...IDENTITY_HEADERS].sort());
      });

      it('fails closed with 503 when the authorizer errs', () => {
        const authz = filters.find((f) => f['name'] === 'envoy.filters.http.ext_authz');
        assert.equal(at(authz, 'typed_config', 'failure_mode_allow'), false);
        assert.equal(at(authz, 'typed_config', 'status_on_error', 'code'), 'ServiceUnavailable');
        assert.equal(at(authz, 'typed_config', 'transport_api_version'), 'V3');
      });

      it('leaves health and discovery unchecked and checks everything else', () => {
        const routes = findAll(config, 'routes')[0] as Doc[];
        const disabled = routes
          .filter((r) => at(r, 'typed_per_filter_config', 'envoy.filters.http.ext_authz', 'disabled') === true)
          .map((r) => at(r, 'match', 'path') ?? at(r, 'match', 'prefix'));
        assert.deepEqual([...disabled].sort(), [...UNCHECKED_PATHS].sort());
        const catchAll = routes.find((r) => at(r, 'match', 'prefix') === '/');
        assert.equal(at(catchAll, 'typed_per_filter_config'), undefined);
      });

      it('points at the service default ports', () => {
        if (variant === 'envoy-grpc.yaml') {
          const authz = filters.find((f) => f['name'] === 'envoy.filters.http.ext_authz');
          const cluster = at(authz, 'typed_config', 'grpc_service', 'envoy_grpc', 'cluster_name');
          assert.equal(clusterPort(String(cluster)), GRPC_PORT);
        } else {
          const authz = filters.find((f) => f['name'] === 'envoy.filters.http.ext_authz');
          const service = at(authz, 'typed_config', 'http_service') as Doc;
          assert.equal(service['path_prefix'], '/apis/auth/ext-authz');
          assert.equal(clusterPort(String(at(service, 'server_uri', 'cluster'))), HTTP_PORT);
          const upstream = findAll(at(service, 'authorization_response', 'allowed_upstream_headers'), 'exact');
          for (const h of IDENTITY_HEADERS) assert.ok(upstream.includes(h), h);
        }
      });
    });
  }

  describe('istio/', () => {
    const [mesh] = loadYaml(join(root, 'istio', 'mesh-config.yaml'));
    const providers = ((): Doc[] => {
      const text = at(mesh, 'data', 'mesh');
      assert.equal(typeof text, 'string');
      const [meshDoc] = parseAllDocuments(text as string).map((d) => d.toJS() as Doc);
      return at(meshDoc, 'extensionProviders') as Doc[];
    })();
    const policies = loadYaml(join(root, 'istio', 'authorization-policy.yaml'));

    it('registers gRPC and HTTP providers on the service ports, failing closed', () => {
      const grpc = providers.find((p) => p['envoyExtAuthzGrpc'] !== undefined);
      const http = providers.find((p) => p['envoyExtAuthzHttp'] !== undefined);
      assert.equal(at(grpc, 'envoyExtAuthzGrpc', 'port'), GRPC_PORT);
      assert.equal(at(grpc, 'envoyExtAuthzGrpc', 'failOpen'), false);
      assert.equal(at(http, 'envoyExtAuthzHttp', 'port'), HTTP_PORT);
      assert.equal(at(http, 'envoyExtAuthzHttp', 'pathPrefix'), '/apis/auth/ext-authz');
      assert.deepEqual(at(http, 'envoyExtAuthzHttp', 'headersToUpstreamOnAllow'), IDENTITY_HEADERS);
    });

    it('selects a registered provider with a CUSTOM policy that skips only unchecked paths', () => {
      const policy = byKind(policies, 'AuthorizationPolicy');
      assert.equal(at(policy, 'spec', 'action'), 'CUSTOM');
      const name = at(policy, 'spec', 'provider', 'name');
      assert.ok(providers.some((p) => p['name'] === name));
      assert.deepEqual(findAll(policy, 'notPaths')[0], UNCHECKED_PATHS);
    });

    it('strips client identity headers at the gateway before ext_authz', () => {
      const filter = byKind(policies, 'EnvoyFilter');
      assert.equal(at(filter, 'spec', 'configPatches', 0, 'patch', 'operation'), 'INSERT_BEFORE');
      assert.deepEqual([...findAll(filter, 'remove')].sort(), [...IDENTITY_HEADERS].sort());
    });
  });

  describe('kubernetes/', () => {
    const docs = ['deployment.yaml', 'service.yaml', 'configmap.yaml', 'autoscaling.yaml']
      .flatMap((f) => loadYaml(join(root, 'kubernetes', f)));
    const deployment = byKind(docs, 'Deployment');
    const container = at(deployment, 'spec', 'template', 'spec', 'containers', 0) as Doc;
    const containerPorts = new Map((container['ports'] as Doc[]).map((p) => [p['name'], p['containerPort']]));
    const configMap = docs.find((d) => at(d, 'metadata', 'name') === 'nmp-authz-config');
    const serviceConfig = parseAllDocuments(String(at(configMap, 'data', 'nmp-authz.yaml')))[0]?.toJS() as Doc;

    it('ships a service configuration that the service itself accepts', () => {
      const text = String(at(configMap, 'data', 'nmp-authz.yaml'));
      const parsed = parseConfigText(text, { env: {}, baseDir: '/etc/nmp-authz', fileName: 'nmp-authz.yaml' });
      assert.ok(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.problems));
    });

    it('exposes the configured ports through the container and the Service', () => {
      assert.equal(containerPorts.get('grpc'), at(serviceConfig, 'server', 'grpc', 'port'));
      assert.equal(containerPorts.get('http'), at(serviceConfig, 'server', 'http', 'port'));
      assert.equal(at(serviceConfig, 'server', 'grpc', 'host'), '0.0.0.0');
      const service = byKind(docs, 'Service');
      const ports = at(service, 'spec', 'ports') as Doc[];
      assert.deepEqual(ports.map((p) => [p['port'], p['targetPort']]), [[GRPC_PORT, 'grpc'], [HTTP_PORT, 'http']]);
      assert.deepEqual(at(service, 'spec', 'selector'), at(deployment, 'spec', 'selector', 'matchLabels'));
    });

    it('probes readiness and liveness on the HTTP port', () => {
      assert.deepEqual(at(container, 'readinessProbe', 'httpGet'), { path: '/readyz', port: 'http' });
      assert.deepEqual(at(container, 'livenessProbe', 'httpGet'), { path: '/healthz', port: 'http' });
    });

    it('runs as non-root with resources and a grace period longer than the shutdown grace', () => {
      assert.equal(at(deployment, 'spec', 'template', 'spec', 'securityContext', 'runAsNonRoot'), true);
      assert.ok(at(container, 'resources', 'requests', 'cpu'));
      assert.ok(at(container, 'resources', 'limits', 'memory'));
      const grace = Number(at(deployment, 'spec', 'template', 'spec', 'terminationGracePeriodSeconds'));
      assert.ok(grace > Number(at(serviceConfig, 'server', 'shutdown_grace_seconds')));
    });

    it('mounts the members file where the configuration reads it', () => {
      const membersFile = String(at(serviceConfig, 'members', 'file'));
      const mounts = container['volumeMounts'] as Doc[];
      assert.ok(mounts.some((m) => membersFile.startsWith(`${String(m['mountPath'])}/`)));
    });

    it('scales and protects the Deployment it names', () => {
      const hpa = byKind(docs, 'HorizontalPodAutoscaler');
      assert.equal(at(hpa, 'spec', 'scaleTargetRef', 'name'), at(deployment, 'metadata', 'name'));
      const pdb = byKind(docs, 'PodDisruptionBudget');
      assert.deepEqual(at(pdb, 'spec', 'selector', 'matchLabels'), at(deployment, 'spec', 'selector', 'matchLabels'));
    });
  });

  describe('traefik/', () => {
    const [config] = loadYaml(join(root, 'traefik', 'dynamic.yaml'));
    const forward = at(config, 'http', 'middlewares', 'nmp-authz', 'forwardAuth') as Doc;

    it('asks the authorize endpoint and replaces every identity header', () => {
      assert.equal(forward['address'], `http://127.0.0.1:${HTTP_PORT}/apis/auth/authorize`);
      const headers = (forward['authResponseHeaders'] as string[]).map((h) => h.toLowerCase());
      for (const h of IDENTITY_HEADERS) assert.ok(headers.includes(h), h);
      const strip = new RegExp(String(forward['authResponseHeadersRegex']), 'i');
      for (const h of IDENTITY_HEADERS) assert.ok(strip.test(h), h);
    });
  });

  describe('nginx/', () => {
    const conf = readFileSync(join(root, 'nginx', 'nmp-authz.conf'), 'utf8');

    it('sends the original method and URI to the authorize endpoint', () => {
      assert.match(conf, /proxy_pass http:\/\/nmp_authz\/apis\/auth\/authorize;/);
      assert.match(conf, /proxy_set_header X-Original-URI \$request_uri;/);
      assert.match(conf, /proxy_set_header X-Original-Method \$request_method;/);
      assert.match(conf, new RegExp(`server 127\\.0\\.0\\.1:${HTTP_PORT};`));
    });

    it('overwrites every identity header from the authorizer answer', () => {
      for (const h of IDENTITY_HEADERS) {
        const variable = `$upstream_http_${h.replaceAll('-', '_')}`;
        assert.ok(conf.includes(variable), variable);
        assert.match(conf, new RegExp(`proxy_set_header ${h}\\s+\\$`, 'i'));
      }
    });
  });

  describe('container/', () => {
    const file = readFileSync(join(root, 'container', 'Containerfile'), 'utf8');

    it('compiles the policies at build time and runs as a numeric non-root user', () => {
      assert.match(file, /nmp-authz\.js build -t wasm -e authz\/allow -o \/app\/policy-bundle\.tar\.gz policies/);
      const user = /^USER (\d+):(\d+)$/m.exec(file);
      assert.ok(user && Number(user[1]) > 0);
      assert.match(file, new RegExp(`EXPOSE ${GRPC_PORT} ${HTTP_PORT}`));
    });
  });
});
