import type { RulePack } from '../api/pack.js';
import type { Rule } from '../api/rule.js';
import { CONTROL_AREAS } from '../api/rule.js';
import {
  AREA_CONTROLS,
  COMPLIANCE_MAPPINGS_VERSION,
  complianceFor,
  MITRE_ATLAS,
  OWASP_AGENTIC_2026,
  OWASP_LLM_2025,
} from '../compliance/mappings.js';
import { yamlModule } from '../internal/yaml-module.js';

const FRAMEWORK_NAMES: Record<string, string> = {
  'nist-ai-rmf': 'NIST AI RMF',
  'eu-ai-act': 'EU AI Act',
  'owasp-llm-2025': 'OWASP LLM Top 10 (2025)',
  'owasp-agentic-2026': 'OWASP Agentic Top 10 (2026)',
  'mitre-atlas': 'MITRE ATLAS',
  hipaa: 'HIPAA',
  soc2: 'SOC 2',
  'pci-dss-4': 'PCI DSS 4.0',
  gdpr: 'GDPR',
  'mas-trm': 'MAS TRM',
};

function kindsOf(rule: Rule): string[] {
  return rule.type === 'sequence' ? [...new Set(rule.steps.flatMap((s) => s.kinds))] : [...rule.kinds];
}

/**
 * The file name (without directory) of a rule's page.
 *
 * @example
 * ```ts
 * ruleDocFileName(runtimePack.rules[0]!); // 'vigil.runtime.unexpected-process.md'
 * ```
 */
export function ruleDocFileName(rule: Rule): string {
  return `${rule.meta.id}.md`;
}

const ROLE_TEXT = {
  drift:
    'drift: assesses behaviour a baseline does not cover; its findings are drift findings (category `drift`), aggregated by the drift detector',
  critical:
    'critical behaviour: quarantined for review while learning, lifts the drift findings of the same event while checking',
} as const;

function needsBaseline(m: Rule['meta']): string {
  if (m.role === 'drift' || m.role === 'critical')
    return 'yes (runs where a drift detector or learner hands it events)';
  return m.requiresBaseline ? 'yes (skipped without one)' : 'no';
}

/**
 * Renders one rule's documentation page (what, why, false positives, how to
 * tune, tags and compliance) from its metadata.
 *
 * @example
 * ```ts
 * import { renderRuleDoc, runtimePack } from '@vigil/rules';
 *
 * const md = renderRuleDoc(runtimePack.rules[0]!, runtimePack);
 * ```
 */
export function renderRuleDoc(rule: Rule, pack: RulePack): string {
  const m = rule.meta;
  const out: string[] = [];
  out.push(`# ${m.title}`, '');
  out.push('| | |', '| --- | --- |');
  out.push(`| id | \`${m.id}\` |`);
  out.push(`| pack | \`${pack.name}\` ${pack.version} |`);
  out.push(`| version | ${m.version} |`);
  out.push(`| severity | ${m.severity} |`);
  out.push(
    `| type | ${rule.type === 'sequence' ? `sequence (per ${rule.keyBy === 'process-tree' ? 'process tree' : 'workload'}, within ${rule.windowMs / 1000} s)` : 'event'} |`,
  );
  out.push(
    `| events | ${kindsOf(rule)
      .map((k) => `\`${k}\``)
      .join(', ')} |`,
  );
  out.push(`| needs a baseline | ${needsBaseline(m)} |`);
  if (m.role !== undefined && m.role !== 'detection') out.push(`| role | ${ROLE_TEXT[m.role]} |`);
  for (const [k, v] of Object.entries(m.params ?? {})) out.push(`| parameter \`${k}\` | ${v} (default) |`);
  out.push('');
  out.push('## What it detects', '', m.description, '');
  if (rule.type === 'sequence') {
    out.push('## Steps', '');
    rule.steps.forEach((s, i) => {
      out.push(
        `${i + 1}. **${s.name}** — ${s.description} (${s.kinds.map((k) => `\`${k}\``).join(', ')})${s.anyOrder ? ' — any order with the adjacent steps so marked' : ''}`,
      );
    });
    out.push('');
  }
  if (m.rationale) out.push('## Why it matters', '', m.rationale, '');
  if (m.equivalents && m.equivalents.length > 0) {
    out.push('## Equivalents in other tools', '');
    for (const e of m.equivalents) out.push(`- ${e}`);
    out.push('');
  }
  out.push('## False positives', '', m.falsePositives ?? 'None known.', '');
  out.push('## Tuning', '', m.tuning ?? 'Add an exception for the workload.', '');
  out.push(
    'Exceptions are data, per workload: an exceptions document (YAML or JSON, loaded with `loadExceptions`) or the `exceptions` option of `RuleEngine`. For example:',
    '',
  );
  out.push('```yaml');
  const { stringify: toYaml } = yamlModule();
  out.push(
    toYaml({
      schemaVersion: 1,
      exceptions: [
        {
          name: `allow in my-workload (${m.id})`,
          rules: [m.id],
          when: { 'workload.name': ['my-workload'], exe: ['/usr/bin/example'] },
          reason: 'why this is safe',
        },
      ],
    }).trimEnd(),
  );
  out.push('```', '');
  out.push(`To turn the rule off, pass \`disable: ['${m.id}']\` to \`RuleEngine\`.`, '');
  out.push(
    `To change its severity${m.params ? ' or parameters' : ''}, pass \`overrides: [{ rule: '${m.id}', severity: 'high'${
      m.params ? `, params: { ${Object.keys(m.params)[0]}: ${Object.values(m.params)[0]} }` : ''
    } }]\` to \`RuleEngine\`.`,
    '',
  );
  out.push('## Tags', '');
  const t = m.tags ?? {};
  const tagLine = (label: string, v: readonly string[] | undefined) => {
    if (v && v.length > 0) out.push(`- ${label}: ${v.join(', ')}`);
  };
  tagLine('OWASP LLM Top 10 (2025)', t.owaspLlm);
  tagLine('OWASP Agentic Top 10 (2026)', t.owaspAgentic);
  tagLine('MITRE ATLAS', t.atlas);
  tagLine('MITRE ATT&CK', t.attack);
  if (!t.owaspLlm?.length && !t.owaspAgentic?.length && !t.atlas?.length && !t.attack?.length)
    out.push('- none');
  out.push('');
  out.push('## Compliance', '');
  out.push('| framework | control | title |', '| --- | --- | --- |');
  for (const r of complianceFor(m))
    out.push(`| ${FRAMEWORK_NAMES[r.framework] ?? r.framework} | ${r.control} | ${r.title ?? ''} |`);
  out.push('');
  return out.join('\n');
}

/**
 * Renders the index page of the rule documentation for a set of packs.
 *
 * @example
 * ```ts
 * import { builtinPacks, renderRulesIndex } from '@vigil/rules';
 *
 * const md = renderRulesIndex(builtinPacks());
 * ```
 */
export function renderRulesIndex(packs: readonly RulePack[]): string {
  const out: string[] = ['# Vigil rules', ''];
  out.push(
    'Generated from the rule metadata in `packages/rules` — do not edit by hand; run `npx tsx packages/rules/scripts/generate-docs.ts`.',
    '',
  );
  for (const pack of packs) {
    out.push(`## ${pack.name} ${pack.version}`, '');
    if (pack.description) out.push(pack.description, '');
    out.push(
      '| rule | severity | needs baseline | ATLAS | OWASP Agentic |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const r of pack.rules) {
      const m = r.meta;
      out.push(
        `| [${m.title}](${ruleDocFileName(r)}) (\`${m.id}\`) | ${m.severity} | ${m.role === 'drift' || m.role === 'critical' ? m.role : m.requiresBaseline ? 'yes' : 'no'} | ${(m.tags?.atlas ?? []).join(', ')} | ${(m.tags?.owaspAgentic ?? []).join(', ')} |`,
      );
    }
    out.push('');
  }
  out.push('## Running the rules', '');
  out.push(
    '`vigil check CAPTURE… [--baseline B] [--rules PACK…]` runs the built-in packs (and user packs) over captures. Without a baseline, rules marked "needs baseline" are skipped; the rest run. Rules marked `drift` and `critical` (the drift pack) run where a `DriftDetector` hands them behaviour a baseline does not cover (`rulesCheckDetector` wires both, as `vigil check --baseline` does) and where a `BaselineLearner` quarantines critical behaviour (`criticalBehaviours(packs)`, as `vigil learn` does); override them (`overrides`), disable them or add your own with `defineDriftRule` like any other rule. In code:',
    '',
  );
  out.push('```ts');
  out.push("import { readBaselineFile, ReplaySource, Vigil } from '@vigil/core';");
  out.push("import { builtinPacks, coreBaselineView, loadRulePacks, RuleEngine } from '@vigil/rules';");
  out.push('');
  out.push("const packs = [...builtinPacks(), ...(await loadRulePacks(['@acme/vigil-rules']))];");
  out.push(
    "const engine = new RuleEngine({ packs, baseline: coreBaselineView(await readBaselineFile('agent.baseline.json')) });",
  );
  out.push("const vigil = new Vigil({ source: new ReplaySource(['run.vcap']), consumers: [engine] });");
  out.push("vigil.on('finding', (f) => console.log(f.severity, f.ruleId, f.summary));");
  out.push('await vigil.run();');
  out.push('```', '');
  out.push('## Overriding severities', '');
  out.push(
    'A rule-overrides document (`vigil check --overrides FILE`, YAML or JSON; `RuleOverridesDocumentSchema`) gives rules, by id or glob, another severity or turns them off, and keeps who decided and why. Entries apply in order and the last one naming a rule wins; `--rule-override ID=SEVERITY|off` flags come after the file, so a flag wins over it. An id or glob that names no rule of the packs that run is an error naming the file and the entry.',
    '',
  );
  out.push('```yaml');
  out.push('schemaVersion: 1');
  out.push('overrides:');
  out.push('  - rule: vigil.drift.file.*');
  out.push('    severity: low');
  out.push('    reason: build agents read and write all over their workspace');
  out.push('    by: secops@example.com');
  out.push('  - rule: vigil.runtime.unexpected-egress');
  out.push('    severity: off');
  out.push('```', '');
  out.push('The SDK does the same in a few lines:', '');
  out.push('```ts');
  out.push("import { builtinPacks, loadRuleOverrides, parseRuleSettings, RuleEngine } from '@vigil/rules';");
  out.push('');
  out.push('const packs = builtinPacks();');
  out.push("const file = 'vigil-overrides.yaml';");
  out.push(
    "const { overrides, disable } = parseRuleSettings(['vigil.drift.file.new-read=medium'], packs, { document: await loadRuleOverrides(file), file });",
  );
  out.push('const engine = new RuleEngine({ packs, overrides, disable });');
  out.push('```', '');
  out.push('## Writing rules', '');
  out.push(
    'A rule is typed TypeScript: metadata (stable id, title, description, severity, version, OWASP LLM / OWASP Agentic / ATLAS / ATT&CK tags, control areas), the event kinds it selects and, optionally, the facts it needs of them (`facts`: a successful read, a credential path, a connect that leaves the host; the engine works each out once per event and calls a rule only for the events that have what it needs), `init(ctx)`, `onEvent(event, ctx)` and `dispose()`. `ctx` gives `report`, per-workload `state`, the `baseline`, a stream-time `clock`, a `log` and process ancestry. Sequence rules list ordered steps, keyed per workload or per process tree, within a window; the engine keeps their partial matches bounded. A pack (name, version, engine range, rules, default exceptions) is validated with zod when loaded. See `examples/custom-rule-pack` for a complete package.',
    '',
  );
  out.push(
    'Exceptions are data, per workload (rule ids or globs, and field globs over the triggering event and its workload); see any rule page for an example. Findings are deduplicated (repeats raise `count`), rate-limited per rule, and every finding carries the compliance references of [compliance.md](compliance.md).',
    '',
  );
  return out.join('\n');
}

/**
 * Renders the compliance mapping tables: the AI taxonomies the tags map to
 * and the controls of each area of control.
 *
 * @example
 * ```ts
 * import { renderComplianceDoc } from '@vigil/rules';
 *
 * const md = renderComplianceDoc();
 * ```
 */
export function renderComplianceDoc(): string {
  const out: string[] = ['# Compliance mappings', ''];
  out.push(
    `Mapping data version ${COMPLIANCE_MAPPINGS_VERSION}. Every finding the rule engine reports carries the references its rule's tags and control areas imply (\`complianceFor(meta)\`); the observed events in the finding are the audit evidence.`,
    '',
  );
  const table = (title: string, rows: Readonly<Record<string, string>>) => {
    out.push(`## ${title}`, '', '| id | title |', '| --- | --- |');
    for (const [id, t] of Object.entries(rows)) out.push(`| ${id} | ${t} |`);
    out.push('');
  };
  table('OWASP Top 10 for LLM Applications (2025)', OWASP_LLM_2025);
  table('OWASP Top 10 for Agentic Applications (2026)', OWASP_AGENTIC_2026);
  table('MITRE ATLAS techniques used by the built-in packs', MITRE_ATLAS);
  out.push('## Controls per area of control', '');
  for (const area of CONTROL_AREAS) {
    out.push(`### ${area}`, '', '| framework | control | title |', '| --- | --- | --- |');
    for (const r of AREA_CONTROLS[area])
      out.push(`| ${FRAMEWORK_NAMES[r.framework] ?? r.framework} | ${r.control} | ${r.title ?? ''} |`);
    out.push('');
  }
  return out.join('\n');
}

/**
 * Every documentation file for a set of packs: `README.md` plus one page per
 * rule, keyed by file name.
 *
 * @example
 * ```ts
 * for (const [name, md] of renderRuleDocs(builtinPacks())) writeFileSync(`docs/rules/${name}`, md);
 * ```
 */
export function renderRuleDocs(packs: readonly RulePack[]): Map<string, string> {
  const files = new Map<string, string>();
  files.set('README.md', renderRulesIndex(packs));
  files.set('compliance.md', renderComplianceDoc());
  for (const pack of packs) for (const r of pack.rules) files.set(ruleDocFileName(r), renderRuleDoc(r, pack));
  return files;
}
