// Worker-thread entry: a policy directory → compiled WebAssembly.Module (+ its bytes), so that
// recompiling on a reload never runs on the thread that answers checks.
import { parentPort, workerData } from 'node:worker_threads';
import { compilePolicyDirectory } from './load-policy-source.js';
import { PolicyLoadError } from './opa-wasm-engine.js';
import { compileWasmModule } from './wasm-module.js';
import { isCompileJob, type CompileReply } from './compile-protocol.js';

async function run(): Promise<CompileReply> {
  if (!isCompileJob(workerData)) return { ok: false, code: 'source_unreadable', message: 'malformed compile job' };
  try {
    const wasm = await compilePolicyDirectory(workerData.dir, workerData.entrypoint);
    // Compiling the module here too leaves the main thread only instantiation.
    const module = await compileWasmModule(wasm);
    return { ok: true, wasm, module };
  } catch (err: unknown) {
    if (err instanceof PolicyLoadError) return { ok: false, code: err.code, message: err.message };
    return { ok: false, code: 'compile_failed', message: err instanceof Error ? err.message : String(err) };
  }
}

parentPort?.postMessage(await run());
