// Authorization data at scale (§8 bench): for 1k, 100k and 1M role bindings — members parse, data
// assembly, serialisation and setData on the main thread (the load-time stages), heap/RSS after
// load, decision throughput through the real pipeline (shipped policies, cached unsigned token), and
// the longest event-loop stall while a member update and a policy reload of that size are applied.
// Run: npm run bench:data   (or: node --expose-gc --import tsx bench/authz-data.ts [sizes...])
// Each size runs in its own process so that memory numbers do not carry over.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAuthzService, type AuthzService } from '../src/cli/serve.js';
import { buildConfig } from '../src/config/load-config.js';
import { createUnsignedToken } from '../src/identity/create-unsigned-token.js';
import { parseMembersText } from '../src/members/members-document.js';
import { assembleData, loadStaticData } from '../src/policy/data-document.js';
import { prepareData } from '../src/policy/prepared-data.js';
import { createLogger } from '../src/shared/create-logger.js';

const BINDINGS_PER_WORKSPACE = 100;
const DECISIONS = 50_000;
const ROUNDS = 3;
const DISTINCT_CALLERS = 256;

interface SizeResult {
  readonly bindings: number;
  readonly jsonMb: number;
  readonly parseMs: number;
  readonly assembleMs: number;
  readonly stringifyMs: number;
  readonly setDataMs: number;
  /** setData of the same document already serialised (what a worker-prepared update leaves here). */
  readonly preparedSetDataMs: number;
  /** structuredClone of the members document: an upper bound of handing it to the worker. */
  readonly cloneMs: number;
  readonly heapMb: number;
  readonly rssMb: number;
  /** Longest event-loop stall while a member update is applied (parsing the file not included). */
  readonly dataReloadStallMs: number;
  /** From handing the update over to the new data answering. */
  readonly dataReloadMs: number;
  readonly policyReloadStallMs: number;
  readonly decisionsPerSecond: number;
  readonly p99Us: number;
}

/** §8.3 JSON with `n` bindings: one principal per binding, 100 bindings per workspace. */
function membersJson(n: number, salt: string): string {
  const workspaces: Record<string, { members: { principal: string; roles: string[] }[] }> = {};
  for (let i = 0; i < n; i += 1) {
    const ws = `ws-${Math.floor(i / BINDINGS_PER_WORKSPACE)}`;
    (workspaces[ws] ??= { members: [] }).members.push({ principal: `user${i}${salt}@example.com`, roles: [i % 3 === 0 ? 'Editor' : 'Viewer'] });
  }
  return JSON.stringify({ workspaces });
}

const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** Runs `work` beside a 1 ms ticker: the longest gap between ticks is the longest no check could be answered. */
async function longestStall(work: () => Promise<void>): Promise<{ stallMs: number; totalMs: number }> {
  let last = process.hrtime.bigint();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = process.hrtime.bigint();
    stallMs = Math.max(stallMs, Number(now - last) / 1e6);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 20));
  stallMs = 0;
  const started = process.hrtime.bigint();
  await work();
  const totalMs = ms(started);
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(ticker);
  return { stallMs, totalMs };
}
const gc = (): void => { (globalThis as { gc?: () => void }).gc?.(); };

type LoadStages = Pick<SizeResult, 'jsonMb' | 'parseMs' | 'assembleMs' | 'stringifyMs' | 'setDataMs' | 'preparedSetDataMs' | 'cloneMs'>;

/** A first load, stage by stage, on the main thread; leaves the engine holding the data as bytes. */
async function loadStages(service: AuthzService, n: number): Promise<LoadStages> {
  const staticData = await loadStaticData(service.config.policy.data);
  const assembleOptions = { adminEmail: null, defaultWorkspace: 'default', publicPaths: service.config.auth.publicPaths };

  const text = membersJson(n, '');
  let t = process.hrtime.bigint();
  const parsed = parseMembersText(text, 'json', { knownRoles: service.policy.knownRoles });
  const parseMs = ms(t);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));
  t = process.hrtime.bigint();
  const data = assembleData(staticData, parsed.document, assembleOptions);
  const assembleMs = ms(t);
  t = process.hrtime.bigint();
  const jsonMb = JSON.stringify(data).length / 1e6;
  const stringifyMs = ms(t);
  t = process.hrtime.bigint();
  service.policy.engine.setData(data);
  const setDataMs = ms(t);
  const prepared = prepareData(data);
  t = process.hrtime.bigint();
  service.policy.engine.setData(prepared);
  const preparedSetDataMs = ms(t);
  t = process.hrtime.bigint();
  structuredClone(parsed.document);
  const cloneMs = ms(t);
  return { jsonMb, parseMs, assembleMs, stringifyMs, setDataMs, preparedSetDataMs, cloneMs };
}

async function measure(n: number): Promise<SizeResult> {
  const config = buildConfig({ auth: { enabled: true, allow_unsigned_jwt: true }, policy: { watch: false }, logging: { level: 'silent' } }, { baseDir: process.cwd() });
  if (!config.ok) throw new Error(JSON.stringify(config.problems));
  const service = await createAuthzService(config.config, { logger: createLogger('silent') });
  const stages = await loadStages(service, n);

  // Decisions: callers spread over the whole document, each asking about its own workspace.
  const callers = Array.from({ length: DISTINCT_CALLERS }, (_, k) => {
    const i = Math.floor((k * (n - 1)) / Math.max(1, DISTINCT_CALLERS - 1));
    const token = createUnsignedToken({ email: `user${i}@example.com`, nowMs: Date.now(), ttlSeconds: 3600 });
    return {
      method: 'GET',
      target: `/apis/models/v2/workspaces/ws-${Math.floor(i / BINDINGS_PER_WORKSPACE)}/models?limit=10`,
      host: 'api.example.com',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    };
  });
  for (const request of callers) {
    const d = await service.pipeline.decide(request);
    if (d.verdict.kind !== 'allow') throw new Error(`unexpected ${d.verdict.reason} for ${request.target}`);
  }
  // Warm-up: JIT and caches settle before anything is timed.
  for (let k = 0; k < 20_000; k += 1) await service.pipeline.decide(callers[k % DISTINCT_CALLERS] ?? callers[0]!);
  // Best of three rounds: on a shared machine the slowest rounds measure the neighbours.
  let decisionsPerSecond = 0;
  let p99Us = NaN;
  for (let round = 0; round < ROUNDS; round += 1) {
    const samples = new Float64Array(DECISIONS);
    const started = process.hrtime.bigint();
    for (let k = 0; k < DECISIONS; k += 1) {
      const s = process.hrtime.bigint();
      await service.pipeline.decide(callers[k % DISTINCT_CALLERS] ?? callers[0]!);
      samples[k] = Number(process.hrtime.bigint() - s) / 1000;
    }
    const rate = DECISIONS / (ms(started) / 1000);
    if (rate > decisionsPerSecond) {
      decisionsPerSecond = rate;
      p99Us = [...samples].sort((x, y) => x - y)[Math.floor(DECISIONS * 0.99)] ?? NaN;
    }
  }

  // A member update as a members source hands it over (already parsed), then a policy reload
  // (compiled in a worker) that carries the same data over: how long is no check answered?
  const reparsed = parseMembersText(membersJson(n, '.v2'), 'json', { knownRoles: service.policy.knownRoles });
  if (!reparsed.ok) throw new Error('reload refused');
  const next = reparsed.document;
  const stall = await longestStall(async () => {
    if (!service.policy.applyMembers(next)) throw new Error('update refused');
    await service.policy.settled();
  });
  const probe = await service.pipeline.decide({ ...callers[0]!, headers: { authorization: `Bearer ${createUnsignedToken({ email: 'user0.v2@example.com', nowMs: Date.now(), ttlSeconds: 3600 })}` } });
  if (probe.verdict.kind !== 'allow') throw new Error('the update did not take effect');
  const policyStall = await longestStall(async () => {
    if (!(await service.reloadPolicy())) throw new Error('policy reload refused');
  });
  // Serving state: the runtime holds the members document, the engine its serialised data.
  gc();
  const memory = process.memoryUsage();

  await service.stop();
  return {
    bindings: n, ...stages,
    heapMb: memory.heapUsed / 1e6, rssMb: memory.rss / 1e6, decisionsPerSecond, p99Us,
    dataReloadStallMs: stall.stallMs, dataReloadMs: stall.totalMs, policyReloadStallMs: policyStall.stallMs,
  };
}

const self = fileURLToPath(import.meta.url);
const single = process.argv[2] === '--one' ? Number(process.argv[3]) : undefined;
if (single !== undefined) {
  process.stdout.write(`${JSON.stringify(await measure(single))}\n`);
} else {
  const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1_000, 100_000, 1_000_000];
  const results: SizeResult[] = [];
  const f = (x: number, d = 0): string => x.toFixed(d).padStart(9);
  const columns = ['bindings', 'json MB', 'parse ms', 'assemble', 'stringify', 'setData', 'prep set', 'clone', 'heap MB', 'rss MB', 'dec/s', 'p99 µs', 'upd stall', 'upd ms', 'pol stall'];
  process.stdout.write(`${columns.map((c) => c.padStart(9)).join(' ')}\n`);
  for (const n of sizes) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=6144', '--import', 'tsx', self, '--one', String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as SizeResult;
    results.push(r);
    const cells = [f(r.bindings), f(r.jsonMb, 1), f(r.parseMs), f(r.assembleMs), f(r.stringifyMs), f(r.setDataMs), f(r.preparedSetDataMs), f(r.cloneMs), f(r.heapMb), f(r.rssMb), f(r.decisionsPerSecond), f(r.p99Us, 1), f(r.dataReloadStallMs), f(r.dataReloadMs), f(r.policyReloadStallMs)];
    process.stdout.write(`${cells.join(' ')}\n`);
  }
  const first = results[0];
  const last = results[results.length - 1];
  if (first !== undefined && last !== undefined && results.length > 1) {
    process.stdout.write(`decision throughput ${last.bindings}/${first.bindings} bindings: ${(last.decisionsPerSecond / first.decisionsPerSecond).toFixed(2)}× (1k/1M slowdown ${(first.decisionsPerSecond / last.decisionsPerSecond).toFixed(2)}×; target ≤ 1.5×)\n`);
  }
  process.stdout.write([
    'parse/assemble/stringify/setData: ms on the main thread for a first load done in-thread (setData includes its own stringify)',
    'prep set: setData of the already serialised document (copy + parse in wasm); clone: structuredClone of the members document',
    'heap/rss MB: serving state after the update and the reload, after a GC (members document in the JS heap; data bytes and wasm memory outside it)',
    'upd stall: longest event-loop stall (ms) while a member update of that size is applied (≥ 20k bindings: assembled in a worker);',
    '  parsing the members file, done by the members source before, is the parse column; upd ms: until the new data answers',
    'pol stall: longest stall while the policy is recompiled (worker) and swapped in with that data',
  ].join('\n') + '\n');
}
