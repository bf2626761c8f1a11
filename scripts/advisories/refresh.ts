// Refreshes the advisory set Vigil ships from OSV files: on disk, or straight out of a git
// repository (a clone or a bare mirror of github/advisory-database or pypa/advisory-database).
//
//   scripts/ts scripts/advisories/refresh.ts [--set FILE] [--all] [--keep-versions]
//       [--source NAME=URL [--note TEXT]] [--retrieved YYYY-MM-DD]
//       [--git GIT_DIR [--rev REV]] [--repository OWNER/NAME [--commit SHA | --commits TSV] [--root DIR]]
//       OSV_FILE_OR_DIR…
//
// OSV files: the JSON of an OSV export (https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip,
// …/npm/all.zip, unzipped), github/advisory-database's advisories/github-reviewed/**, or
// pypa/advisory-database's vulns/**/*.yaml. Only advisories affecting the AI framework packages
// (AI_FRAMEWORK_PACKAGES; --all for every npm and PyPI package) are kept; an id already in the set
// is replaced when the file's `modified` is newer; a PYSEC/GHSA pair of one CVE is kept once.
//
// Every entry records where it was read (`transcribed_from`: repository, path, commit):
// - with --git, the positionals are paths inside that repository at --rev (default HEAD), read
//   with git itself; each file's commit is the last one that changed it;
// - without it, --repository names the repository the files came from, --root the directory
//   that stands for its top (default: the positional itself) and --commit the commit they were
//   read at; or --commits, a file of `PATH<TAB>COMMIT` lines (PATH relative to --root; further
//   columns ignored), when each file was read at its own commit (files copied one by one out of
//   a repository too large to clone, each at the commit it was read at). A file the list does
//   not name is an error: every entry says where it came from.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AdvisoryDocument,
  AdvisorySetSchema,
  type AdvisorySourceFile,
  buildAdvisorySet,
} from '../../packages/rules/src/index.js';

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
    // The n-th --note goes with the n-th --source: how the files were read.
    note: { type: 'string', multiple: true },
    retrieved: { type: 'string', default: new Date().toISOString().slice(0, 10) },
    git: { type: 'string' },
    rev: { type: 'string', default: 'HEAD' },
    repository: { type: 'string' },
    commit: { type: 'string' },
    commits: { type: 'string' },
    root: { type: 'string' },
  },
});
if (positionals.length === 0) {
  console.error(
    'usage: refresh.ts [--set FILE] [--all] [--source NAME=URL] [--git GIT_DIR [--rev REV]] [--repository OWNER/NAME [--commit SHA | --commits TSV] [--root DIR]] OSV_FILE_OR_DIR…',
  );
  process.exit(2);
}
if (values.git && !values.repository) {
  console.error('--git needs --repository OWNER/NAME (the repository the git directory is a copy of)');
  process.exit(2);
}

if (values.commits && (values.commit || values.git || !values.repository)) {
  console.error('--commits goes with --repository, without --commit or --git');
  process.exit(2);
}
// Path inside the repository → the commit that file was read at.
const commitOf = new Map<string, string>();
if (values.commits)
  for (const [i, line] of readFileSync(values.commits, 'utf8').split('\n').entries()) {
    if (line.trim() === '') continue;
    const [path, commit] = line.split('\t');
    if (!path || !commit || !/^[0-9a-f]{40}$/.test(commit)) {
      console.error(`${values.commits}:${i + 1}: expected PATH<TAB>40-hex COMMIT`);
      process.exit(2);
    }
    commitOf.set(path, commit);
  }

const isOsvFile = (p: string) => /\.(json|ya?ml)$/.test(p);
const parse = (name: string, text: string): unknown =>
  name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);

function* files(p: string): Generator<string> {
  if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) yield* files(join(p, e));
  else if (isOsvFile(p)) yield p;
}

function fromGit(gitDir: string, repository: string): AdvisoryDocument[] {
  const git = (...args: string[]) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const paths = git('ls-tree', '-r', '--name-only', values.rev, '--', ...positionals)
    .split('\n')
    .filter((p) => p !== '' && isOsvFile(p))
    .sort();
  return paths.map((path) => {
    const commit = git('log', '-1', '--format=%H', values.rev, '--', path).trim();
    const source: AdvisorySourceFile = { repository, path, ...(commit ? { commit } : {}) };
    return {
      name: `${repository}:${path}`,
      doc: parse(path, git('cat-file', 'blob', `${values.rev}:${path}`)),
      source,
    };
  });
}

function fromDisk(): AdvisoryDocument[] {
  return positionals.flatMap((p) =>
    [...files(p)].map((name) => {
      const top = values.root ?? (statSync(p).isDirectory() ? p : resolve(p, '..'));
      const path = relative(top, name).split('\\').join('/');
      const commit = values.commits ? commitOf.get(path) : values.commit;
      if (values.commits && !commit) {
        console.error(`${values.commits} names no commit for ${path}`);
        process.exit(2);
      }
      const source: AdvisorySourceFile | undefined = values.repository
        ? { repository: values.repository, path, ...(commit ? { commit } : {}) }
        : undefined;
      return { name, doc: parse(name, readFileSync(name, 'utf8')), ...(source ? { source } : {}) };
    }),
  );
}

const docs = values.git ? fromGit(values.git, values.repository!) : fromDisk();
const base = AdvisorySetSchema.parse(JSON.parse(readFileSync(values.set, 'utf8')));
const sources = [...base.sources];
for (const [i, s] of (values.source ?? []).entries()) {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new Error(`--source takes NAME=URL, got ${s}`);
  const note = values.note?.[i];
  sources.push({
    name: s.slice(0, eq),
    url: s.slice(eq + 1),
    retrieved: values.retrieved,
    ...(note ? { note } : {}),
  });
}
const { set, added, updated, skipped, duplicates, open, unreadable } = buildAdvisorySet(
  { ...base, sources },
  docs,
  {
    ...(values.all ? { packages: ['*'] } : {}),
    keepVersions: values['keep-versions'],
  },
);
writeFileSync(values.set, `${JSON.stringify(set, null, 2)}\n`);
// The repository's formatter has the last word on the layout of its own files, so a refresh diff
// shows data only.
if (!relative(root, resolve(values.set)).startsWith('..'))
  // The set is larger than Biome's default file size limit (1 MiB), which would skip it.
  execFileSync(
    join(root, 'node_modules/.bin/biome'),
    ['format', '--write', '--files-max-size=16777216', values.set],
    {
      stdio: 'ignore',
    },
  );
console.log(
  `${values.set}: ${set.advisories.length} advisories (${added.length} added, ${updated.length} updated, ` +
    `${duplicates.length} already there under another id, ${open.length} with no closed range, ` +
    `${unreadable.length} with a bound that is no version, ${skipped} files for other packages)`,
);
