// Runs a compiled policy with the real @open-policy-agent/opa-wasm SDK. Policy and data are
// swapped atomically: a broken new version is refused and the last good one keeps serving.
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { HOST_BUILTINS } from '../rego/host-builtins.js';
import { INPUT_USE_SECTION, parseInputUse, type InputUse } from '../rego/input-use.js';
import type { PolicyEngine, PolicyInput, PolicyOutcome } from './policy-engine.js';
import { parsePolicyResult } from './parse-policy-result.js';
import { isPreparedData, preparedBuffer, type PreparedData } from './prepared-data.js';
import { compileWasmModule, customSection, isWasmModule, type WasmModule } from './wasm-module.js';

export class OpaWasmEngine implements PolicyEngine {
  private policy: LoadedPolicy | null = null;
  /** A JS document, or one serialised off the main thread (large member data). */
  private data: object | PreparedData | null = null;
  /** Bumped on every successful policy or data swap; reported in logs and metrics. */
  revision = 0;
  /**
   * What the loaded module reads of input, as its compiler recorded it; null for a module without
   * that record (built by another compiler), whose decisions are therefore never cached.
   */
  inputUse: InputUse | null = null;

  constructor(private readonly entrypoint: string) {}

  get isReady(): boolean {
    return this.policy !== null && this.data !== null;
  }

  get hasPolicy(): boolean {
    return this.policy !== null;
  }

  get hasData(): boolean {
    return this.data !== null;
  }

  /**
   * Instantiates a new module and gives it data before swapping both in one synchronous step: no
   * evaluation ever sees a new policy with old data. `data` is asked for only after instantiation,
   * so a member update that lands while the module is being instantiated is not rolled back;
   * without it (or when it returns null) the data already loaded is kept.
   */
  async loadWasm(wasm: Uint8Array | WasmModule, data?: () => object | PreparedData | null): Promise<void> {
    const module = isWasmModule(wasm) ? wasm : await compileWasmModule(wasm);
    const next = await loadPolicy(module, undefined, HOST_BUILTINS);
    const section = customSection(module, INPUT_USE_SECTION);
    const inputUse = section === null ? null : parseInputUse(section);
    if (!(this.entrypoint in (next.entrypoints as Record<string, unknown>))) {
      throw new PolicyLoadError('entrypoint_missing', `the policy has no entrypoint ${this.entrypoint}`);
    }
    const nextData = data?.() ?? this.data;
    if (nextData !== null) next.setData(isPreparedData(nextData) ? preparedBuffer(nextData) : nextData);
    this.policy = next;
    this.data = nextData;
    this.inputUse = inputUse;
    this.revision += 1;
  }

  /**
   * Synchronous, so no evaluation sees half of it. With prepared data the main thread only copies
   * the bytes into wasm memory and the module parses them: serialising already happened elsewhere.
   */
  setData(data: object | PreparedData): void {
    // The SDK reuses the old data's memory for the new copy, so a parse failure here would leave no
    // valid data behind; only documents this process assembled and serialised (valid JSON) get here.
    this.policy?.setData(isPreparedData(data) ? preparedBuffer(data) : data);
    this.data = data;
    this.revision += 1;
  }

  evaluate(input: PolicyInput): PolicyOutcome {
    const policy = this.policy;
    if (policy === null || this.data === null) return { kind: 'unavailable', code: 'policy_unavailable' };
    let resultSet: unknown;
    try {
      resultSet = policy.evaluate(input, this.entrypoint);
    } catch {
      // The SDK throws strings from opa_abort; any throw is an evaluation failure: fail closed.
      return { kind: 'unavailable', code: 'policy_error' };
    }
    const result = parsePolicyResult(resultSet);
    return result === null ? { kind: 'unavailable', code: 'policy_error' } : { kind: 'decided', result };
  }
}

export type PolicyLoadErrorCode = 'entrypoint_missing' | 'compile_failed' | 'bundle_invalid' | 'source_unreadable';

export class PolicyLoadError extends Error {
  constructor(readonly code: PolicyLoadErrorCode, message: string) {
    super(message);
    this.name = 'PolicyLoadError';
  }
}
