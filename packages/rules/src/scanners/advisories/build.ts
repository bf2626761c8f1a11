import { safeParseDocument, VigilError } from '@vigil/core';
import { advisoryKey, inOsvRange } from './match.js';
import {
  ADVISORY_SET_SCHEMA_VERSION,
  type AdvisorySet,
  AdvisorySetSchema,
  type AdvisorySourceFile,
  type OsvAdvisory,
  OsvAdvisorySchema,
} from './schema.js';

/**
 * The packages Vigil's shipped set covers: AI frameworks, SDKs, model
 * loaders, serving and MCP packages. A trailing `*` matches a name prefix
 * (`pypi:llama-index-*` is every LlamaIndex integration).
 */
export const AI_FRAMEWORK_PACKAGES: readonly string[] = [
  'pypi:langchain',
  'pypi:langchain-*',
  'pypi:langgraph',
  'pypi:langgraph-*',
  'pypi:langsmith',
  'pypi:llama-index',
  'pypi:llama-index-*',
  'pypi:transformers',
  'pypi:torch',
  'pypi:pytorch-lightning',
  'pypi:keras',
  'pypi:onnx',
  'pypi:joblib',
  'pypi:safetensors',
  'pypi:vllm',
  'pypi:gradio',
  'pypi:mcp',
  'pypi:fastmcp',
  'pypi:openai',
  'pypi:anthropic',
  'pypi:huggingface-hub',
  'pypi:mlflow',
  'pypi:bentoml',
  'pypi:ray',
  'pypi:ollama',
  'npm:langchain',
  'npm:@langchain/*',
  'npm:@modelcontextprotocol/*',
  'npm:mcp-remote',
  'npm:openai',
  'npm:@anthropic-ai/*',
  'npm:llamaindex',
  'npm:@llamaindex/*',
];

/** Whether `key` (an {@link advisoryKey}) is one of `patterns` (exact, or a `prefix*`). */
function wantedPackage(patterns: readonly string[], key: string): boolean {
  return patterns.some((p) => {
    if (p === '*') return true;
    if (!p.endsWith('*')) return p === key;
    const colon = p.indexOf(':');
    const eco = p.slice(0, colon);
    const prefix = p.slice(colon + 1, -1);
    // Normalise the prefix as a name would be, keeping a trailing separator.
    const norm = eco === 'pypi' ? prefix.toLowerCase().replace(/[-_.]+/g, '-') : prefix;
    return key.startsWith(`${eco}:${norm}`);
  });
}

/** Options for {@link buildAdvisorySet}. */
export interface BuildAdvisorySetOptions {
  /** `ecosystem:name` keys to keep, a trailing `*` for a prefix (default {@link AI_FRAMEWORK_PACKAGES}); `*` keeps every npm and PyPI package. */
  readonly packages?: readonly string[];
  /** Keep each entry's explicit `versions` lists (default: dropped; every kept range is closed). */
  readonly keepVersions?: boolean;
}

/**
 * One OSV document to build a set from: a name for errors, the parsed
 * document, and the file it came from.
 *
 * @example
 * ```ts
 * const d: AdvisoryDocument = {
 *   name: 'PYSEC-2022-43015.yaml',
 *   doc: parseYaml(text),
 *   source: { repository: 'pypa/advisory-database', path: 'vulns/torch/PYSEC-2022-43015.yaml' },
 * };
 * ```
 */
export interface AdvisoryDocument {
  /** The file name, for error messages. */
  readonly name: string;
  readonly doc: unknown;
  /** Recorded as the entry's `transcribed_from`. */
  readonly source?: AdvisorySourceFile;
}

/**
 * What {@link buildAdvisorySet} did with its documents.
 *
 * @example
 * ```ts
 * const { set, added, duplicates } = buildAdvisorySet(base, docs);
 * console.log(`${set.advisories.length} advisories, ${added.length} new, ${duplicates.length} twins left out`);
 * ```
 */
export interface AdvisorySetBuild {
  readonly set: AdvisorySet;
  /** Ids added to the base set. */
  readonly added: string[];
  /** Ids replaced by a newer `modified`. */
  readonly updated: string[];
  /** Documents that affect none of the chosen packages. */
  readonly skipped: number;
  /** Ids left out because another entry already covers the same advisory (an alias: PYSEC and GHSA of one CVE). */
  readonly duplicates: string[];
  /** Ids left out because no affected range of a chosen package ever closes (they would flag every version). */
  readonly open: string[];
  /**
   * Ids left out because every affected package they name has a range bound
   * its ecosystem cannot order (`2.6.0-NA` is no PEP 440 version): such a
   * range would match nothing and only look like coverage.
   */
  readonly unreadable: string[];
}

/**
 * Builds an advisory set from OSV documents (the JSON files of an OSV
 * export, github/advisory-database or pypa/advisory-database): keeps the
 * advisories that affect the chosen npm and PyPI packages, only the fields
 * Vigil matches on, merges them into `base` (the newer `modified` wins for
 * the same id; a document whose id or aliases name an entry already in the
 * set under another id is a duplicate and left out; an affected package
 * whose ranges never close is left out) and validates the result. A
 * document that is not an OSV advisory is a `VigilError` naming it and the
 * field.
 *
 * @example
 * ```ts
 * import { buildAdvisorySet, shippedAdvisories } from '@vigil/rules';
 *
 * const set = buildAdvisorySet(shippedAdvisories(), [{ name: 'GHSA-xxxx.json', doc: JSON.parse(text) }]);
 * ```
 */
export function buildAdvisorySet(
  base: AdvisorySet,
  docs: readonly AdvisoryDocument[],
  options: BuildAdvisorySetOptions = {},
): AdvisorySetBuild {
  const wanted = options.packages ?? AI_FRAMEWORK_PACKAGES;
  const byId = new Map(base.advisories.map((a) => [a.id, a]));
  // Every id and alias of an entry, with each package it affects, to the entry's id: one CVE
  // can be two advisories (langchain and langchain-core), but not twice for one package.
  const names = new Map<string, string>();
  const aliasKeys = (a: OsvAdvisory) =>
    [a.id, ...(a.aliases ?? [])].flatMap((n) =>
      a.affected.map((f) => `${n} ${f.package.ecosystem}:${f.package.name}`),
    );
  const remember = (a: OsvAdvisory) => {
    for (const k of aliasKeys(a)) if (!names.has(k)) names.set(k, a.id);
  };
  for (const a of base.advisories) remember(a);
  const added: string[] = [];
  const updated: string[] = [];
  const duplicates: string[] = [];
  const open: string[] = [];
  const unreadable: string[] = [];
  let skipped = 0;
  for (const { name, doc, source } of docs) {
    const parsed = safeParseDocument(OsvAdvisorySchema, doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new VigilError('INPUT_INVALID', `not an OSV advisory: ${issue.message}`, {
        location: {
          file: name,
          path: issue.path.filter((p) => typeof p !== 'symbol') as (string | number)[],
        },
      });
    }
    const adv = parsed.data;
    const affected = adv.affected.filter((a) => {
      const eco = a.package.ecosystem === 'PyPI' ? 'pypi' : a.package.ecosystem === 'npm' ? 'npm' : undefined;
      return eco !== undefined && wantedPackage(wanted, advisoryKey(eco, a.package.name));
    });
    if (affected.length === 0) {
      skipped++;
      continue;
    }
    const other = aliasKeys({ ...adv, affected })
      .map((k) => names.get(k))
      .find((id) => id && id !== adv.id);
    if (other !== undefined && !byId.has(adv.id)) {
      duplicates.push(adv.id);
      continue;
    }
    const rangesOf = (a: (typeof affected)[number]) => (a.ranges ?? []).filter((r) => r.type !== 'GIT');
    const bounded = affected.filter((a) => {
      const ranges = rangesOf(a);
      return (
        ranges.length > 0 && ranges.every((r) => r.events.some((e) => 'fixed' in e || 'last_affected' in e))
      );
    });
    if (bounded.length === 0) {
      open.push(adv.id);
      continue;
    }
    // inOsvRange answers undefined when a bound does not parse; any valid version will do to ask.
    const readable = bounded.filter((a) => {
      const eco = a.package.ecosystem === 'npm' ? 'npm' : 'pypi';
      return rangesOf(a).every((r) => inOsvRange(eco, '1.0.0', r.events) !== undefined);
    });
    if (readable.length === 0) {
      unreadable.push(adv.id);
      continue;
    }
    const kept: OsvAdvisory = {
      ...adv,
      affected: readable.map(({ versions, ...rest }) =>
        options.keepVersions ? { ...rest, ...(versions ? { versions } : {}) } : rest,
      ),
      ...(source ? { transcribed_from: source } : {}),
    };
    const old = byId.get(adv.id);
    // Same date: only fills in where an entry came from.
    if (
      old &&
      (old.modified > adv.modified || (old.modified === adv.modified && (old.transcribed_from || !source)))
    )
      continue;
    (old ? updated : added).push(adv.id);
    byId.set(adv.id, kept);
    remember(kept);
  }
  const set = AdvisorySetSchema.parse({
    ...base,
    schemaVersion: ADVISORY_SET_SCHEMA_VERSION,
    advisories: [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)),
  });
  return { set, added, updated, skipped, duplicates, open, unreadable };
}
