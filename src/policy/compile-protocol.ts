// Messages between the main thread and the policy compile worker (structured-clone safe).
import { isRecord } from '../shared/is-record.js';
import type { PolicyLoadErrorCode } from './opa-wasm-engine.js';
import { isWasmModule, type WasmModule } from './wasm-module.js';

export interface CompileJob {
  readonly dir: string;
  readonly entrypoint: string;
}

export type CompileReply =
  | { readonly ok: true; readonly wasm: Uint8Array; readonly module: WasmModule }
  | { readonly ok: false; readonly code: PolicyLoadErrorCode; readonly message: string };

const ERROR_CODES: readonly PolicyLoadErrorCode[] = ['entrypoint_missing', 'compile_failed', 'bundle_invalid', 'source_unreadable'];

export function isCompileJob(value: unknown): value is CompileJob {
  return isRecord(value) && typeof value['dir'] === 'string' && typeof value['entrypoint'] === 'string';
}

export function isCompileReply(value: unknown): value is CompileReply {
  if (!isRecord(value)) return false;
  if (value['ok'] === true) return value['wasm'] instanceof Uint8Array && isWasmModule(value['module']);
  return value['ok'] === false
    && typeof value['message'] === 'string'
    && (ERROR_CODES as readonly unknown[]).includes(value['code']);
}
