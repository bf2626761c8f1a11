import { readJsonFile, readYamlFile } from '@vigil/core';
import { parseRuleOverridesDocument, type RuleOverridesDocument } from '../api/rule-overrides.js';

/**
 * Reads a rule-overrides document from a JSON (`.json`) or YAML file and
 * validates it. Syntax errors name the file and the line; schema errors name
 * the file and the path of each problem. Size, nesting and the number of
 * values are bounded by `INPUT_LIMITS['rule-overrides']` before parsing.
 * Pass the document to `parseRuleSettings` to check its rule ids against
 * the packs that run and merge it with `ID=severity` settings.
 *
 * @example
 * ```ts
 * import { builtinPacks, loadRuleOverrides, parseRuleSettings, RuleEngine } from '@vigil/rules';
 *
 * const packs = builtinPacks();
 * const file = 'vigil-overrides.yaml';
 * const settings = parseRuleSettings([], packs, { document: await loadRuleOverrides(file), file });
 * const engine = new RuleEngine({ packs, overrides: settings.overrides, disable: settings.disable });
 * ```
 */
export async function loadRuleOverrides(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<RuleOverridesDocument> {
  const read = /\.json$/i.test(path) ? readJsonFile : readYamlFile;
  const raw = await read(path, 'rule-overrides', {
    what: 'rule overrides file',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return parseRuleOverridesDocument(raw, path);
}
