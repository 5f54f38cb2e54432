#!/usr/bin/env node
// The package's executable: runs the compiled CLI that `npm install`/`npm ci` builds in `prepare`.
import { main } from '../dist/src/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`nmp-authz: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
