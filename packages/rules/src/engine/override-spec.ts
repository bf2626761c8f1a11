import { SEVERITIES, type Severity, VigilError } from '@vigil/core';
import type { RulePack } from '../api/pack.js';
import type { RuleOverridesDocument } from '../api/rule-overrides.js';
import { globListMatcher } from '../internal/glob.js';
import type { RuleOverride } from './engine.js';

/**
 * What a list of `ID=severity|off` settings asks of the engine: severity
 * overrides and the rules to turn off, in {@link RuleEngineOptions} terms.
 *
 * @example
 * ```ts
 * const { overrides, disable }: RuleSettings = parseRuleSettings(['vigil.runtime.unexpected-process=low'], builtinPacks());
 * ```
 */
export interface RuleSettings {
  readonly overrides: readonly RuleOverride[];
  readonly disable: readonly string[];
}

/**
 * Where the settings of {@link parseRuleSettings} come from besides the
 * `ID=severity` specs: a rule-overrides document and the file it was read
 * from (for messages).
 *
 * @example
 * ```ts
 * const from: RuleSettingsSources = { document: await loadRuleOverrides('overrides.yaml'), file: 'overrides.yaml' };
 * ```
 */
export interface RuleSettingsSources {
  /** A rule-overrides document (`vigil check --overrides FILE`); its entries come before the specs. */
  readonly document?: RuleOverridesDocument;
  /** The file the document was read from, named in errors. */
  readonly file?: string;
}

/** One setting in the order it applies: a document entry or a spec. */
interface Setting {
  readonly rule: string;
  readonly value: Severity | 'off';
  readonly matches: (id: string) => boolean;
}

/**
 * Parses `ID=severity` and `ID=off` settings (ID a rule id or a glob of ids,
 * as in `vigil check --rule-override`) against the packs that will run, after
 * the entries of a rule-overrides document when one is given. Settings apply
 * in order and a later one that names the same rule wins, so the specs win
 * over the document (`--rule-override` over `--overrides FILE`), even where an
 * earlier `off` glob covers the rule. A setting whose id or glob names no rule
 * of those packs, a missing `=` or an unknown severity is an error that names
 * it (`USAGE` for a spec; `INPUT_INVALID` naming the file and the entry's path
 * for a document entry).
 *
 * @example
 * ```ts
 * import { builtinPacks, parseRuleSettings, RuleEngine } from '@vigil/rules';
 *
 * const packs = builtinPacks();
 * const settings = parseRuleSettings(['vigil.drift.file.new-read=info', 'vigil.runtime.unexpected-egress=off'], packs);
 * const engine = new RuleEngine({ packs, overrides: settings.overrides, disable: settings.disable });
 * ```
 */
export function parseRuleSettings(
  specs: readonly string[],
  packs: readonly RulePack[],
  from: RuleSettingsSources = {},
): RuleSettings {
  const ids = packs.flatMap((p) => p.rules.map((r) => r.meta.id));
  const noRule = (rule: string) => {
    const near = ids.filter((id) => id.includes(rule.split('.').at(-1) ?? rule)).slice(0, 3);
    return `no rule "${rule}" in the packs that run${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}; \`vigil check --help\` and docs/rules/ list the rule ids`;
  };
  const settings: Setting[] = [];
  (from.document?.overrides ?? []).forEach((entry, i) => {
    const matches = globListMatcher([entry.rule]);
    if (!ids.some((id) => matches(id)))
      throw new VigilError('INPUT_INVALID', `rule override: ${noRule(entry.rule)}`, {
        location: { ...(from.file === undefined ? {} : { file: from.file }), path: ['overrides', i, 'rule'] },
      });
    settings.push({ rule: entry.rule, value: entry.severity, matches });
  });
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    const rule = eq > 0 ? spec.slice(0, eq).trim() : '';
    const value =
      eq > 0
        ? spec
            .slice(eq + 1)
            .trim()
            .toLowerCase()
        : '';
    if (rule === '' || value === '')
      throw new VigilError(
        'USAGE',
        `rule override "${spec}": expected ID=SEVERITY or ID=off (SEVERITY one of ${SEVERITIES.join(', ')})`,
      );
    const matches = globListMatcher([rule]);
    if (!ids.some((id) => matches(id)))
      throw new VigilError('USAGE', `rule override "${spec}": ${noRule(rule)}`);
    if (value !== 'off' && !(SEVERITIES as readonly string[]).includes(value))
      throw new VigilError(
        'USAGE',
        `rule override "${spec}": "${value}" is not a severity (${SEVERITIES.join(', ')}) nor off`,
      );
    settings.push({ rule, value: value as Severity | 'off', matches });
  }
  const overrides: RuleOverride[] = [];
  const disable: string[] = [];
  settings.forEach((s, i) => {
    if (s.value !== 'off') {
      // The engine applies overrides in order, a later one winning: the order of the settings.
      overrides.push({ rule: s.rule, severity: s.value });
      return;
    }
    // The engine turns off every rule any `disable` glob names: an `off` keeps only the rules no later
    // severity names again, and stays a glob when that is all of them.
    const named = ids.filter((id) => s.matches(id));
    const kept = named.filter((id) => !settings.slice(i + 1).some((t) => t.value !== 'off' && t.matches(id)));
    if (kept.length === named.length) disable.push(s.rule);
    else disable.push(...kept);
  });
  return { overrides, disable };
}
