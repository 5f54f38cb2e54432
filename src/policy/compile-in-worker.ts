// Compiles a policy directory in a worker thread: a reload's compilation (tens to hundreds of ms of
// CPU) never stalls the checks the main thread is answering.
import { isCompileReply, type CompileJob } from './compile-protocol.js';
import { PolicyLoadError } from './opa-wasm-engine.js';
import { runWorker } from './run-worker.js';
import type { WasmModule } from './wasm-module.js';

export interface CompiledPolicy {
  readonly wasm: Uint8Array;
  readonly module: WasmModule;
}

export async function compileInWorker(dir: string, entrypoint: string): Promise<CompiledPolicy> {
  const job: CompileJob = { dir, entrypoint };
  let reply: unknown;
  try {
    reply = await runWorker('compile-worker', job);
  } catch (err: unknown) {
    throw new PolicyLoadError('compile_failed', `compile worker failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isCompileReply(reply)) throw new PolicyLoadError('compile_failed', 'the compile worker sent a malformed reply');
  if (!reply.ok) throw new PolicyLoadError(reply.code, reply.message);
  return { wasm: reply.wasm, module: reply.module };
}
