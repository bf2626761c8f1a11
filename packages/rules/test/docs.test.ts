import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPacks, complianceFor, renderRuleDocs } from '../src/index.js';

const DOCS = resolve(import.meta.dirname, '../../../docs/rules');

describe('rule documentation', () => {
  const files = renderRuleDocs(builtinPacks());

  it('docs/rules is generated from the current metadata (run packages/rules/scripts/generate-docs.ts)', () => {
    const onDisk = readdirSync(DOCS)
      .filter((f) => f.endsWith('.md'))
      .sort();
    expect(onDisk).toEqual([...files.keys()].sort());
    for (const [name, text] of files) expect(readFileSync(join(DOCS, name), 'utf8'), name).toBe(text);
  });

  it('every rule documents what, why, false positives, tuning, equivalents and compliance', () => {
    for (const pack of builtinPacks()) {
      for (const rule of pack.rules) {
        const m = rule.meta;
        expect(m.rationale, m.id).toBeTruthy();
        expect(m.falsePositives, m.id).toBeTruthy();
        expect(m.tuning, m.id).toBeTruthy();
        if (pack.name.endsWith('/runtime')) {
          expect(m.equivalents?.length, m.id).toBeGreaterThan(0);
          expect(m.description, m.id).toMatch(/Falco|Tracee|Kubescape/);
        }
        const frameworks = new Set(complianceFor(m).map((r) => r.framework));
        expect(frameworks.has('nist-ai-rmf') && frameworks.has('eu-ai-act'), m.id).toBe(true);
        const page = files.get(`${m.id}.md`)!;
        for (const h of [
          '## What it detects',
          '## Why it matters',
          '## False positives',
          '## Tuning',
          '## Compliance',
        ])
          expect(page, `${m.id} ${h}`).toContain(h);
      }
    }
  });
});
