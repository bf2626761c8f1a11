import shipped from '../../../data/advisories/ai-frameworks.json';
import { type AdvisorySet, AdvisorySetSchema } from './schema.js';

let cached: AdvisorySet | undefined;

/**
 * The OSV advisory set Vigil ships (`packages/rules/data/advisories/`),
 * validated against {@link AdvisorySetSchema} on first use. Its `sources`
 * say where each entry was transcribed from and when;
 * `scripts/advisories/refresh.ts` rebuilds it from OSV files on disk.
 *
 * @example
 * ```ts
 * import { shippedAdvisories } from '@vigil/rules';
 *
 * console.log(shippedAdvisories().advisories.map((a) => a.id));
 * ```
 */
export function shippedAdvisories(): AdvisorySet {
  // The package's bundle holds the set as its JSON text (parsed here, on first use, so that
  // importing the package costs no parse); run from source, the import is the parsed document.
  const raw: unknown = shipped;
  cached ??= AdvisorySetSchema.parse(typeof raw === 'string' ? JSON.parse(raw) : raw);
  return cached;
}
