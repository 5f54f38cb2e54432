// Owns the loaded policy and its data document: static data + members → data (§8.1), applied to
// the engine atomically; a broken update is refused and the last good version keeps serving.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { countBindings, type MembersDocument } from '../members/members-document.js';
import { assembleData, DataDocumentError, loadStaticData, type AssembleOptions, type StaticData } from './data-document.js';
import { isDataReply, type DataJob } from './data-protocol.js';
import { loadPolicySource } from './load-policy-source.js';
import { OpaWasmEngine } from './opa-wasm-engine.js';
import { runWorker } from './run-worker.js';
import type { PreparedData } from './prepared-data.js';

export interface PolicyRuntimeOptions {
  /**
   * Member documents with at least this many bindings are assembled and serialised in a worker
   * thread; smaller ones are assembled in place (a few ms, less than a worker's start-up).
   */
  readonly offThreadBindings?: number;
  /**
   * Every member update's outcome once it is known: at once for a small one, after the worker and
   * the swap for a large one. A queued update replaced by a newer one before it started has none.
   */
  readonly onDataOutcome?: (ok: boolean) => void;
}

const DEFAULT_OFF_THREAD_BINDINGS = 20_000;

export class PolicyRuntime {
  dataReloads = { ok: 0, failed: 0 };
  policyReloads = { ok: 0, failed: 0 };
  private members: MembersDocument | null = null;
  /**
   * Policy reloads and off-thread data loads run one after another, so a slow compile or a large
   * document can never land after a newer version.
   */
  private queue: Promise<unknown> = Promise.resolve();
  private queuedData = 0;
  /** The newest member update handed over; queued older ones are skipped. */
  private dataTicket = 0;

  private constructor(
    readonly engine: OpaWasmEngine,
    private staticData: StaticData,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly options: PolicyRuntimeOptions,
  ) {}

  private get offThreadBindings(): number {
    return this.options.offThreadBindings ?? DEFAULT_OFF_THREAD_BINDINGS;
  }

  /** Loads (or compiles) the policy and the static data files; members arrive through applyMembers. */
  static async create(config: Config, logger: Logger, options: PolicyRuntimeOptions = {}): Promise<PolicyRuntime> {
    const source = await loadPolicySource(config.policy.source, config.policy.entrypoint);
    const engine = new OpaWasmEngine(config.policy.entrypoint);
    await engine.loadWasm(source.wasm);
    const staticData = await loadStaticData(config.policy.data);
    logger.info({ source: config.policy.source, kind: source.kind, data_files: config.policy.data.length }, 'policy loaded');
    return new PolicyRuntime(engine, staticData, config, logger, options);
  }

  /** Resolves once every reload and member update handed over so far has been applied or refused. */
  async settled(): Promise<void> {
    for (let seen = this.queue; ; seen = this.queue) {
      await seen;
      if (seen === this.queue) return;
    }
  }

  /** Role names the static data defines: member bindings naming any other role are refused. */
  get knownRoles(): ReadonlySet<string> {
    return new Set(this.staticData.roles.keys());
  }

  private get assembleOptions(): AssembleOptions {
    return {
      adminEmail: this.config.auth.adminEmail,
      defaultWorkspace: this.config.auth.defaultWorkspace,
      publicPaths: this.config.auth.publicPaths,
    };
  }

  private assemble(staticData: StaticData, members: MembersDocument): object {
    return assembleData(staticData, members, this.assembleOptions);
  }

  private isLarge(members: MembersDocument): boolean {
    return countBindings(members) >= this.offThreadBindings;
  }

  /** Assembly and serialisation in a worker; bad data throws with the code `data_invalid`. */
  private async prepareOffThread(staticData: StaticData, members: MembersDocument): Promise<PreparedData> {
    const job: DataJob = { staticData, members, options: this.assembleOptions };
    const reply = await runWorker('data-worker', job);
    if (!isDataReply(reply)) throw new Error('the data worker sent a malformed reply');
    if (!reply.ok) throw Object.assign(new Error(reply.message), { code: reply.invalid === true ? 'data_invalid' : 'data_load_failed' });
    return reply.prepared;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Re-reads policy.source and the static data files (SIGHUP) and swaps them in with the current
   * members; on any failure the running policy and data stay, and false is returned.
   */
  reloadPolicy(): Promise<boolean> {
    return this.enqueue(() => this.reloadPolicyNow());
  }

  private async reloadPolicyNow(): Promise<boolean> {
    try {
      const source = await loadPolicySource(this.config.policy.source, this.config.policy.entrypoint, { inWorker: true });
      const staticData = await loadStaticData(this.config.policy.data);
      // The engine's data always matches this.staticData and this.members (they change together),
      // so when the static data is the same the new module simply takes the data loaded now:
      // no assembly, and no stall for it however many bindings there are.
      const sameStatic = staticDataKey(staticData) === staticDataKey(this.staticData);
      const snapshot = this.members;
      const prepared = !sameStatic && snapshot !== null && this.isLarge(snapshot) ? await this.prepareOffThread(staticData, snapshot) : null;
      // Otherwise the data is taken from the members current when the module is ready, not when
      // the reload began: an update applied meanwhile is not rolled back.
      await this.engine.loadWasm(source.module ?? source.wasm, () => {
        if (this.members === null || sameStatic) return null;
        if (prepared !== null && this.members === snapshot) return prepared;
        return this.assemble(staticData, this.members);
      });
      this.staticData = staticData;
      this.policyReloads.ok += 1;
      this.logger.info({ source: this.config.policy.source, revision: this.engine.revision }, 'policy reloaded');
      return true;
    } catch (err: unknown) {
      this.policyReloads.failed += 1;
      const code = err instanceof Error && 'code' in err ? String(err.code) : 'policy_reload_failed';
      this.logger.error({ code, detail: err instanceof Error ? err.message : String(err) }, 'policy reload refused; the previous policy keeps serving');
      return false;
    }
  }

  /**
   * Returns false (and keeps the previous data) when the new members cannot be assembled. A large
   * document, or any document while a large one is loading, is accepted here and swapped in later
   * (see settled()); if that later load fails it is logged and counted in dataReloads.failed.
   */
  applyMembers(members: MembersDocument): boolean {
    if (this.queuedData > 0 || this.isLarge(members)) {
      const ticket = ++this.dataTicket;
      this.queuedData += 1;
      void this.enqueue(() => this.applyMembersOffThread(members, ticket)).finally(() => { this.queuedData -= 1; });
      return true;
    }
    return this.applyMembersNow(members);
  }

  private async applyMembersOffThread(members: MembersDocument, ticket: number): Promise<void> {
    if (ticket !== this.dataTicket) return;
    if (!this.isLarge(members)) {
      this.applyMembersNow(members);
      return;
    }
    const started = Date.now();
    try {
      const prepared = await this.prepareOffThread(this.staticData, members);
      // The one step left on the main thread: copying the bytes into wasm memory and parsing them.
      this.engine.setData(prepared);
      this.members = members;
      this.dataReloads.ok += 1;
      this.options.onDataOutcome?.(true);
      this.logger.info({ revision: this.engine.revision, bindings: countBindings(members), ms: Date.now() - started }, 'policy data applied');
    } catch (err: unknown) {
      this.dataReloads.failed += 1;
      this.options.onDataOutcome?.(false);
      const code = err instanceof DataDocumentError ? err.code : err instanceof Error && 'code' in err ? String(err.code) : 'data_load_failed';
      this.logger.error({ code, detail: err instanceof Error ? err.message : String(err) }, 'policy data refused; the previous data keeps serving');
    }
  }

  private applyMembersNow(members: MembersDocument): boolean {
    try {
      const data = this.assemble(this.staticData, members);
      this.engine.setData(data);
      this.members = members;
      this.dataReloads.ok += 1;
      this.options.onDataOutcome?.(true);
      this.logger.info({ revision: this.engine.revision }, 'policy data applied');
      return true;
    } catch (err: unknown) {
      this.dataReloads.failed += 1;
      this.options.onDataOutcome?.(false);
      this.logger.error({ err }, 'policy data refused; the previous data keeps serving');
      return false;
    }
  }
}

/** Content identity of static data: two loads of unchanged files give the same key. */
function staticDataKey(staticData: StaticData): string {
  return JSON.stringify([[...staticData.roles], [...staticData.endpoints].map(([pattern, methods]) => [pattern, [...methods]])]);
}
