import { SEVERITIES, type Severity, VigilError } from '@vigil/core';
import type { RulePack } from '../api/pack.js';
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
 * Parses `ID=severity` and `ID=off` settings (ID a rule id or a glob of ids,
 * as in `vigil check --rule-override`) against the packs that will run. A
 * setting whose id or glob names no rule of those packs, a missing `=` or an
 * unknown severity is a `USAGE` error that names it.
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
export function parseRuleSettings(specs: readonly string[], packs: readonly RulePack[]): RuleSettings {
  const ids = packs.flatMap((p) => p.rules.map((r) => r.meta.id));
  const overrides: RuleOverride[] = [];
  const disable: string[] = [];
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
    if (!ids.some((id) => matches(id))) {
      const near = ids.filter((id) => id.includes(rule.split('.').at(-1) ?? rule)).slice(0, 3);
      throw new VigilError(
        'USAGE',
        `rule override "${spec}": no rule "${rule}" in the packs that run${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}; \`vigil check --help\` and docs/rules/ list the rule ids`,
      );
    }
    if (value === 'off') disable.push(rule);
    else if ((SEVERITIES as readonly string[]).includes(value))
      overrides.push({ rule, severity: value as Severity });
    else
      throw new VigilError(
        'USAGE',
        `rule override "${spec}": "${value}" is not a severity (${SEVERITIES.join(', ')}) nor off`,
      );
  }
  return { overrides, disable };
}
