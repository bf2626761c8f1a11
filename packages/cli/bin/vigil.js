#!/usr/bin/env node
// The `vigil` command. Runs the built CLI; `bash scripts/setup.sh` builds it.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
  const { runVigilProcess } = await import(dist);
  await runVigilProcess(argv);
}
