#!/usr/bin/env node
// The `vigil` command. Runs the built CLI; `bash scripts/setup.sh` builds it.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const argv = process.argv.slice(2);
// `vigil --version` answers without loading the SDK (a script asking for the
// version should not pay the whole start-up).
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  const dist = fileURLToPath(new URL('../dist/process.js', import.meta.url));
  if (!existsSync(dist)) {
    process.stderr.write(
      'vigil: the CLI is not built; run `bash scripts/setup.sh` from the repository root\n',
    );
    process.exit(2);
  }
  tuneTierUp();
  const { runVigilProcess } = await import(dist);
  await runVigilProcess(argv);
}

/**
 * Lets V8 watch our functions six times longer (an interrupt budget of 400,000 bytecode bytes,
 * against 67,584 by default) before optimising them. A check meets its event kinds one after
 * another; optimised too early, the hot functions are deoptimised by each new kind and compiled
 * again. Measured on `vigil check`: about half the optimising compilations and deoptimisations,
 * 15 % less CPU on a 1 M-event capture and 20 % on a 5,000-event one (docs/performance/check.md).
 * Set only on the V8 releases known to have the flag (Node.js 20 to 24), before the SDK loads, and
 * never over an `--interrupt-budget` given on node's command line (`node --interrupt-budget=N
 * vigil.js …`; Node.js does not take V8 flags of this kind in NODE_OPTIONS).
 */
function tuneTierUp() {
  const v8Major = Number(process.versions.v8.split('.')[0]);
  if (!(v8Major >= 11 && v8Major <= 13)) return;
  if (process.execArgv.some((a) => a.startsWith('--interrupt-budget') || a.startsWith('--interrupt_budget')))
    return;
  setFlagsFromString('--interrupt-budget=400000');
}
