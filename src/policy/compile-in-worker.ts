// Compiles a policy directory in a worker thread: a reload's compilation (tens to hundreds of ms of
// CPU) never stalls the checks the main thread is answering.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isCompileReply, type CompileJob } from './compile-protocol.js';
import { PolicyLoadError } from './opa-wasm-engine.js';
import type { WasmModule } from './wasm-module.js';

export interface CompiledPolicy {
  readonly wasm: Uint8Array;
  readonly module: WasmModule;
}

/**
 * The worker file sits next to this one: `.js` in a build. Running from source (tests, benches under
 * tsx) there is only the `.ts`, and loader hooks are not inherited by workers, so a bootstrap
 * registers tsx in the worker before importing it.
 */
function startWorker(job: CompileJob): Worker {
  const js = new URL('./compile-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: job });
  const ts = new URL('./compile-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: job });
}

/** One short-lived worker per compile: reloads are rare, and a fresh worker holds no stale state. */
export function compileInWorker(dir: string, entrypoint: string): Promise<CompiledPolicy> {
  const job: CompileJob = { dir, entrypoint };
  return new Promise((resolve, reject) => {
    const worker = startWorker(job);
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (reply: unknown) => {
      settle(() => {
        if (!isCompileReply(reply)) reject(new PolicyLoadError('compile_failed', 'the compile worker sent a malformed reply'));
        else if (reply.ok) resolve({ wasm: reply.wasm, module: reply.module });
        else reject(new PolicyLoadError(reply.code, reply.message));
      });
    });
    worker.once('error', (err: Error) => {
      settle(() => { reject(new PolicyLoadError('compile_failed', `compile worker failed: ${err.message}`)); });
    });
    worker.once('exit', (code) => {
      settle(() => { reject(new PolicyLoadError('compile_failed', `compile worker exited with code ${code} before replying`)); });
    });
  });
}
