#!/usr/bin/env node
// The `vigil` command. Runs the built CLI; `bash scripts/setup.sh` builds it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  process.stderr.write('vigil: the CLI is not built; run `bash scripts/setup.sh` from the repository root\n');
  process.exit(2);
}
const { runVigilProcess } = await import(dist);
await runVigilProcess(process.argv.slice(2));
