// Transpiles src/ to dist/src/ for the `nmp-authz` executable; `npm ci` runs it as `prepare`.
// Type checking is separate (`npm run typecheck`, tsc is a development dependency), so a
// production install (`npm ci --omit=dev`) carries only esbuild, not the TypeScript compiler.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The module runtime is AssemblyScript, compiled separately to runtime.wasm (npm run build:runtime).
const skipped = new Set([join(root, 'src', 'rego', 'runtime', 'assembly')]);

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skipped.has(path) ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

await build({
  entryPoints: sources(join(root, 'src')).map((file) => relative(root, file)),
  absWorkingDir: root,
  outbase: 'src',
  outdir: 'dist/src',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
