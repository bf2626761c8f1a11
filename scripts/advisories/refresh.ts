// Refreshes the advisory set Vigil ships from OSV files on disk.
//
//   scripts/ts scripts/advisories/refresh.ts [--set FILE] [--all] [--keep-versions]
//       [--source NAME=URL] [--retrieved YYYY-MM-DD] OSV_FILE_OR_DIR…
//
// OSV files: the JSON of an OSV export (https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip,
// …/npm/all.zip, unzipped), github/advisory-database's advisories/github-reviewed/**, or
// pypa/advisory-database's vulns/**/*.yaml. Only advisories affecting the AI framework packages
// (AI_FRAMEWORK_PACKAGES; --all for every npm and PyPI package) are kept; an id already in the set
// is replaced when the file's `modified` is newer. --source records where the files came from.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AdvisorySetSchema, buildAdvisorySet } from '../../packages/rules/src/index.js';

const root = resolve(import.meta.dirname, '../..');
// yaml is a dependency of @vigil/rules, not of the repository root.
const { parse: parseYaml } = createRequire(join(root, 'packages/rules/package.json'))('yaml') as {
  parse(text: string): unknown;
};
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    set: { type: 'string', default: join(root, 'packages/rules/data/advisories/ai-frameworks.json') },
    all: { type: 'boolean', default: false },
    'keep-versions': { type: 'boolean', default: false },
    source: { type: 'string', multiple: true },
    retrieved: { type: 'string', default: new Date().toISOString().slice(0, 10) },
  },
});
if (positionals.length === 0) {
  console.error('usage: refresh.ts [--set FILE] [--all] [--source NAME=URL] OSV_FILE_OR_DIR…');
  process.exit(2);
}

function* files(p: string): Generator<string> {
  if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) yield* files(join(p, e));
  else if (/\.(json|ya?ml)$/.test(p)) yield p;
}

const docs = [...positionals.flatMap((p) => [...files(p)])].map((name) => {
  const text = readFileSync(name, 'utf8');
  return { name, doc: name.endsWith('.json') ? JSON.parse(text) : parseYaml(text) };
});
const base = AdvisorySetSchema.parse(JSON.parse(readFileSync(values.set, 'utf8')));
const sources = [...base.sources];
for (const s of values.source ?? []) {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new Error(`--source takes NAME=URL, got ${s}`);
  sources.push({ name: s.slice(0, eq), url: s.slice(eq + 1), retrieved: values.retrieved });
}
const { set, added, updated, skipped } = buildAdvisorySet({ ...base, sources }, docs, {
  ...(values.all ? { packages: ['*'] } : {}),
  keepVersions: values['keep-versions'],
});
writeFileSync(values.set, `${JSON.stringify(set, null, 2)}\n`);
console.log(
  `${values.set}: ${set.advisories.length} advisories (${added.length} added, ${updated.length} updated, ${skipped} files for other packages)`,
);
