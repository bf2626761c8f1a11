import { VigilError } from '@vigil/core';
import { advisoryKey } from './match.js';
import {
  ADVISORY_SET_SCHEMA_VERSION,
  type AdvisorySet,
  AdvisorySetSchema,
  type OsvAdvisory,
  OsvAdvisorySchema,
} from './schema.js';

/** The packages Vigil's shipped set covers: AI frameworks and SDKs first. */
export const AI_FRAMEWORK_PACKAGES: readonly string[] = [
  'pypi:langchain',
  'pypi:langchain-core',
  'pypi:langchain-community',
  'pypi:langchain-experimental',
  'pypi:langgraph',
  'pypi:llama-index',
  'pypi:llama-index-core',
  'pypi:transformers',
  'pypi:torch',
  'pypi:vllm',
  'pypi:gradio',
  'pypi:mcp',
  'pypi:openai',
  'pypi:anthropic',
  'pypi:huggingface-hub',
  'pypi:mlflow',
  'pypi:ollama',
  'npm:langchain',
  'npm:@langchain/core',
  'npm:@langchain/community',
  'npm:@langchain/langgraph',
  'npm:@modelcontextprotocol/sdk',
  'npm:openai',
  'npm:@anthropic-ai/sdk',
  'npm:llamaindex',
];

/** Options for {@link buildAdvisorySet}. */
export interface BuildAdvisorySetOptions {
  /** `ecosystem:name` keys to keep (default {@link AI_FRAMEWORK_PACKAGES}); `*` keeps every npm and PyPI package. */
  readonly packages?: readonly string[];
  /** Keep each entry's explicit `versions` lists (default: dropped when every affected entry has a closed range). */
  readonly keepVersions?: boolean;
}

/**
 * Builds an advisory set from OSV documents (the JSON files of an OSV
 * export, github/advisory-database or pypa/advisory-database): keeps the
 * advisories that affect the chosen npm and PyPI packages, only the fields
 * Vigil matches on, merges them into `base` (the newer `modified` wins for
 * the same id) and validates the result. A document that is not an OSV
 * advisory is a `VigilError` naming it and the field.
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
  docs: readonly { readonly name: string; readonly doc: unknown }[],
  options: BuildAdvisorySetOptions = {},
): { set: AdvisorySet; added: string[]; updated: string[]; skipped: number } {
  const wanted = new Set(options.packages ?? AI_FRAMEWORK_PACKAGES);
  const all = wanted.has('*');
  const byId = new Map(base.advisories.map((a) => [a.id, a]));
  const added: string[] = [];
  const updated: string[] = [];
  let skipped = 0;
  for (const { name, doc } of docs) {
    const parsed = OsvAdvisorySchema.safeParse(doc);
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
      return eco !== undefined && (all || wanted.has(advisoryKey(eco, a.package.name)));
    });
    if (affected.length === 0) {
      skipped++;
      continue;
    }
    const closed = affected.every((a) =>
      (a.ranges ?? []).some(
        (r) => r.type !== 'GIT' && r.events.some((e) => 'fixed' in e || 'last_affected' in e),
      ),
    );
    const kept: OsvAdvisory = {
      ...adv,
      affected: affected.map(({ versions, ...rest }) =>
        options.keepVersions || !closed ? { ...rest, ...(versions ? { versions } : {}) } : rest,
      ),
    };
    const old = byId.get(adv.id);
    if (old && old.modified >= adv.modified) continue;
    (old ? updated : added).push(adv.id);
    byId.set(adv.id, kept);
  }
  const set = AdvisorySetSchema.parse({
    ...base,
    schemaVersion: ADVISORY_SET_SCHEMA_VERSION,
    advisories: [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)),
  });
  return { set, added, updated, skipped };
}
