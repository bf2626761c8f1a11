import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { AiBomBuilder, type CaptureIntegrity } from '@vigil/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  aiBomToCycloneDx,
  buildFindingsReport,
  FindingsReportSchema,
  OcsfDetectionFindingSchema,
  renderCycloneDx,
  renderHtml,
  renderMarkdown,
  toOcsf,
  toSarif,
} from '../../src/index.js';
import { sampleFindings } from './fixtures.js';

const require = createRequire(import.meta.url);
const sarifSchema = JSON.parse(
  readFileSync(join(dirname(require('@microsoft/sarif-multitool')), 'sarif-2.1.0.json'), 'utf8'),
);

const cutShort: CaptureIntegrity = {
  complete: false,
  incomplete: [{ path: 'runs/killed.vcap', truncatedAt: 4096 }],
  interrupted: ['runs/<b>cut</b>.vcap'],
};
const whole: CaptureIntegrity = { complete: true, incomplete: [], interrupted: [] };

describe('a capture cut short reaches every report', () => {
  it('SARIF: the run has an invocation that did not succeed, one notification per capture, schema-valid', () => {
    const log = toSarif(sampleFindings, { integrity: cutShort });
    const inv = log.runs[0]!.invocations!;
    expect(inv).toHaveLength(1);
    expect(inv[0]!.executionSuccessful).toBe(false);
    const notes = inv[0]!.toolExecutionNotifications!;
    expect(notes.map((n) => n.locations?.[0]?.physicalLocation?.artifactLocation?.uri)).toEqual([
      'runs/killed.vcap',
      'runs/%3Cb%3Ecut%3C/b%3E.vcap',
    ]);
    const absolute = toSarif([], {
      integrity: { complete: false, incomplete: [{ path: '/data/a b#1.vcap' }], interrupted: [] },
    });
    expect(
      absolute.runs[0]!.invocations![0]!.toolExecutionNotifications![0]!.locations![0]!.physicalLocation!
        .artifactLocation!.uri,
    ).toBe('file:///data/a%20b%231.vcap');
    expect(notes.map((n) => n.level)).toEqual(['warning', 'warning']);
    expect(notes[0]!.message.text).toMatch(/killed\.vcap has no trailer.*byte 4096/);
    expect(notes[1]!.message.text).toMatch(/is an interrupted recording/);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(sarifSchema);
    validate(JSON.parse(JSON.stringify(log)));
    expect(validate.errors ?? []).toEqual([]);
    // Complete captures: a successful invocation; none given: no invocation (as before).
    expect(toSarif(sampleFindings, { integrity: whole }).runs[0]!.invocations).toEqual([
      { executionSuccessful: true },
    ]);
    expect(toSarif(sampleFindings).runs[0]!.invocations).toBeUndefined();
  });

  it('the JSON findings report carries it and round-trips its schema', () => {
    const r = buildFindingsReport(sampleFindings, { integrity: cutShort, generatedAt: new Date(0) });
    expect(r.integrity).toEqual(cutShort);
    expect(FindingsReportSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(buildFindingsReport(sampleFindings).integrity).toBeUndefined();
  });

  it('Markdown says "Incomplete input" with one line per capture; complete input says nothing', () => {
    const md = renderMarkdown(buildFindingsReport(sampleFindings, { integrity: cutShort }));
    expect(md).toContain('> **Incomplete input**');
    expect(md).toMatch(/> - runs\/killed\.vcap has no trailer/);
    expect(md).toMatch(/> - runs\/<b>cut<\/b>\.vcap is an interrupted recording/);
    expect(renderMarkdown(buildFindingsReport(sampleFindings, { integrity: whole }))).not.toContain(
      'Incomplete input',
    );
  });

  it('HTML shows an escaped "Incomplete input" section first, from findings or from an AI-BOM', () => {
    const html = renderHtml({ findings: buildFindingsReport(sampleFindings, { integrity: cutShort }) });
    expect(html).toMatch(/<main><section id="incomplete" class="incomplete"><h2>Incomplete input<\/h2>/);
    expect(html).toContain('runs/&lt;b&gt;cut&lt;/b&gt;.vcap is an interrupted recording');
    expect(html).not.toContain('<b>cut</b>');
    const bom = new AiBomBuilder().result({ captures: ['runs/killed.vcap'], integrity: cutShort });
    expect(renderHtml({ aibom: bom })).toContain('<section id="incomplete"');
    expect(renderHtml({ findings: buildFindingsReport(sampleFindings, { integrity: whole }) })).not.toContain(
      'id="incomplete"',
    );
  });

  it('OCSF: every finding is labelled and carries the record, and stays schema-valid', () => {
    const events = toOcsf(sampleFindings, { integrity: cutShort });
    for (const e of events) {
      expect(OcsfDetectionFindingSchema.safeParse(e).success).toBe(true);
      expect(e.metadata.labels).toContain('vigil:input:incomplete');
      expect(e.unmapped?.['capture_integrity']).toEqual(cutShort);
    }
    for (const e of toOcsf(sampleFindings, { integrity: whole })) {
      expect(e.metadata.labels).not.toContain('vigil:input:incomplete');
      expect(e.unmapped?.['capture_integrity']).toBeUndefined();
    }
  });

  it('the AI-BOM keeps it in inputs.integrity and CycloneDX says it in metadata properties, valid 1.6', async () => {
    const bom = new AiBomBuilder().result({ captures: ['runs/killed.vcap'], integrity: cutShort });
    expect(bom.inputs.integrity).toEqual(cutShort);
    const cdx = aiBomToCycloneDx(bom);
    const props = cdx.metadata.properties.filter((p) => p.name.startsWith('vigil:capture'));
    expect(props).toEqual([
      { name: 'vigil:capture', value: 'runs/killed.vcap' },
      { name: 'vigil:captures-complete', value: 'false' },
      { name: 'vigil:capture-incomplete', value: 'runs/killed.vcap' },
      { name: 'vigil:capture-interrupted', value: 'runs/<b>cut</b>.vcap' },
    ]);
    const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(
      renderCycloneDx(bom),
    );
    expect(errors).toBeNull();
    const complete = aiBomToCycloneDx(new AiBomBuilder().result({ captures: ['a.vcap'], integrity: whole }));
    expect(complete.metadata.properties).toContainEqual({ name: 'vigil:captures-complete', value: 'true' });
  });
});
