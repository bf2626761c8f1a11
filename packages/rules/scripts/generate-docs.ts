/**
 * Writes the rule documentation generated from the built-in packs' metadata
 * into docs/rules (one page per rule plus an index).
 *
 *   npx tsx packages/rules/scripts/generate-docs.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

if (!process.execArgv.some((a) => a.includes('@vigil/source'))) {
  const r = spawnSync(
    process.execPath,
    ['--conditions=@vigil/source', '--import', 'tsx', ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(r.status ?? 1);
}
const { builtinPacks, renderRuleDocs } = await import('../src/index.js');

const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/rules');
mkdirSync(out, { recursive: true });
const files = renderRuleDocs(builtinPacks());
for (const f of readdirSync(out)) if (f.endsWith('.md') && !files.has(f)) rmSync(join(out, f));
for (const [name, text] of files) writeFileSync(join(out, name), text);
console.log(`wrote ${files.size} files to ${out}`);
