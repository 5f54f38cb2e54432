// Runs one job in a short-lived worker thread and resolves with its single reply. Reloads are rare,
// and a fresh worker holds no state from the previous one.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The worker file sits next to this one: `.js` in a build. Running from source (tests, benches under
 * tsx) there is only the `.ts`, and loader hooks are not inherited by workers, so a bootstrap
 * registers tsx in the worker before importing it.
 */
function startWorker(name: string, job: unknown): Worker {
  const js = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: job });
  const ts = new URL(`./${name}.ts`, import.meta.url).href;
  // Resolved here: an eval'd worker would resolve a bare specifier from the current directory.
  const api = tsxApiUrl();
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: job });
}

/**
 * Under tsx's CommonJS transform (mocha) `import.meta.resolve` is missing; the bare specifier then
 * resolves from the current directory, which for the test runner is the package root.
 */
function tsxApiUrl(): string {
  const meta: { resolve?: (specifier: string) => string } = import.meta;
  return typeof meta.resolve === 'function' ? meta.resolve('tsx/esm/api') : 'tsx/esm/api';
}

/** Rejects with an Error when the worker fails or exits without replying. */
export function runWorker(name: string, job: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(name, job);
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (reply: unknown) => { settle(() => { resolve(reply); }); });
    worker.once('error', (err: Error) => { settle(() => { reject(err); }); });
    worker.once('exit', (code) => { settle(() => { reject(new Error(`worker ${name} exited with code ${code} before replying`)); }); });
  });
}
