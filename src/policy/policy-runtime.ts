// Owns the loaded policy and its data document: static data + members → data (§8.1), applied to
// the engine atomically; a broken update is refused and the last good version keeps serving.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { MembersDocument } from '../members/members-document.js';
import { assembleData, loadStaticData, type StaticData } from './data-document.js';
import { loadPolicySource } from './load-policy-source.js';
import { OpaWasmEngine } from './opa-wasm-engine.js';

export class PolicyRuntime {
  dataReloads = { ok: 0, failed: 0 };
  policyReloads = { ok: 0, failed: 0 };
  private members: MembersDocument | null = null;
  /** Reloads run one after another, so a slow compile can never land after a newer one. */
  private reloading: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly engine: OpaWasmEngine,
    private staticData: StaticData,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  /** Loads (or compiles) the policy and the static data files; members arrive through applyMembers. */
  static async create(config: Config, logger: Logger): Promise<PolicyRuntime> {
    const source = await loadPolicySource(config.policy.source, config.policy.entrypoint);
    const engine = new OpaWasmEngine(config.policy.entrypoint);
    await engine.loadWasm(source.wasm);
    const staticData = await loadStaticData(config.policy.data);
    logger.info({ source: config.policy.source, kind: source.kind, data_files: config.policy.data.length }, 'policy loaded');
    return new PolicyRuntime(engine, staticData, config, logger);
  }

  /** Role names the static data defines: member bindings naming any other role are refused. */
  get knownRoles(): ReadonlySet<string> {
    return new Set(this.staticData.roles.keys());
  }

  private assemble(staticData: StaticData, members: MembersDocument): object {
    return assembleData(staticData, members, {
      adminEmail: this.config.auth.adminEmail,
      defaultWorkspace: this.config.auth.defaultWorkspace,
      publicPaths: this.config.auth.publicPaths,
    });
  }

  /**
   * Re-reads policy.source and the static data files (SIGHUP) and swaps them in with the current
   * members; on any failure the running policy and data stay, and false is returned.
   */
  reloadPolicy(): Promise<boolean> {
    const next = this.reloading.then(() => this.reloadPolicyNow());
    this.reloading = next;
    return next;
  }

  private async reloadPolicyNow(): Promise<boolean> {
    try {
      const source = await loadPolicySource(this.config.policy.source, this.config.policy.entrypoint, { inWorker: true });
      const staticData = await loadStaticData(this.config.policy.data);
      // Assembled from the members current when the module is ready, not when the reload began.
      await this.engine.loadWasm(source.module ?? source.wasm, () => (this.members === null ? null : this.assemble(staticData, this.members)));
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

  /** Returns false (and keeps the previous data) when the new members cannot be assembled. */
  applyMembers(members: MembersDocument): boolean {
    try {
      const data = this.assemble(this.staticData, members);
      this.engine.setData(data);
      this.members = members;
      this.dataReloads.ok += 1;
      this.logger.info({ revision: this.engine.revision }, 'policy data applied');
      return true;
    } catch (err: unknown) {
      this.dataReloads.failed += 1;
      this.logger.error({ err }, 'policy data refused; the previous data keeps serving');
      return false;
    }
  }
}
