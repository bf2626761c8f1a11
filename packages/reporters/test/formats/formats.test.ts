import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildFindingsReport,
  FindingsReportSchema,
  renderConsole,
  renderMarkdown,
  toSarif,
} from '../../src/index.js';
import { sampleFindings } from './fixtures.js';

const require = createRequire(import.meta.url);
const multitool: string = require('@microsoft/sarif-multitool');
const sarifSchema = JSON.parse(readFileSync(join(dirname(multitool), 'sarif-2.1.0.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'vigil-reporters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findings report (JSON)', () => {
  it('sorts by risk, counts by severity and category, and round-trips its schema', () => {
    const r = buildFindingsReport(sampleFindings, { inputs: ['run.vcap'], generatedAt: new Date(0) });
    expect(r.findings.map((f) => f.id)).toEqual(['f1', 'f2', 'f3']);
    expect(r.summary).toEqual({
      total: 3,
      bySeverity: { info: 0, low: 1, medium: 1, high: 0, critical: 1 },
      byCategory: { detection: 1, 'supply-chain': 1, drift: 1 },
      workloads: 1,
    });
    expect(FindingsReportSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });
});

describe('SARIF 2.1.0', () => {
  const log = toSarif(sampleFindings, { toolVersion: '0.1.0' });

  it('validates against the official SARIF 2.1.0 schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    // The schema's uri, uuid and date-time formats are checked, not ignored.
    addFormats.default(ajv);
    const validate = ajv.compile(sarifSchema);
    const ok = validate(JSON.parse(JSON.stringify(log)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('maps severities to levels, artifacts to physical locations, workloads to logical ones', () => {
    const run = log.runs[0]!;
    expect(run.tool.driver.rules?.map((r) => r.id)).toEqual([
      'vigil.runtime.shell-spawned',
      'vigil.supply-chain.mcp-hidden-instruction',
      'vigil.drift.file',
    ]);
    expect(run.results?.map((r) => r.level)).toEqual(['error', 'warning', 'note']);
    expect(run.results?.[1]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('mcp.json');
    expect(run.results?.[1]?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(4);
    expect(run.results?.[0]?.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName).toBe('k8s:pod-1/abc');
    expect(run.tool.driver.rules?.[0]?.properties?.['security-severity']).toBe('9.5');
    expect(run.results?.[0]?.partialFingerprints?.['vigilFindingId']).toBe('f1');
  });

  it('passes the SARIF Multitool validator with no errors', () => {
    try {
      accessSync(multitool, constants.X_OK);
    } catch {
      chmodSync(multitool, 0o755);
    }
    const file = join(dir, 'vigil.sarif');
    writeFileSync(file, JSON.stringify(log, null, 2));
    const out = join(dir, 'validation.sarif');
    const r = spawnSync(multitool, ['validate', file, '--output', out, '--log', 'ForceOverwrite'], {
      encoding: 'utf8',
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
      timeout: 120_000,
    });
    expect(r.error).toBeUndefined();
    const validation = JSON.parse(readFileSync(out, 'utf8'));
    const errors = (validation.runs?.[0]?.results ?? []).filter(
      (x: { level?: string }) => x.level === 'error',
    );
    expect(errors).toEqual([]);
    expect(r.status).toBe(0);
  });
});

describe('Markdown and console', () => {
  const report = buildFindingsReport(sampleFindings, { generatedAt: new Date(0) });

  it('renders a summary table and each finding with evidence, tags and compliance', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('**3 findings** across 1 workload.');
    expect(md).toContain('| critical | 1 |');
    expect(md).toContain('### Shell spawned by an agent');
    expect(md).toContain('`ASI05`');
    expect(md).toContain('nist-ai-rmf MANAGE 4.1');
    expect(md).toContain('(`mcp.json`)');
    // Table cells escape pipes.
    expect(md).toContain('New file \\| path');
  });

  it('renders one line per finding and a summary, with colour only when asked', () => {
    const plain = renderConsole(report);
    expect(plain).toContain('CRITICAL');
    expect(plain).toContain('3 findings (1 critical, 1 medium, 1 low) across 1 workload');
    expect(plain).not.toContain('\u001b[');
    expect(renderConsole(report, { color: true })).toContain('\u001b[');
    expect(renderConsole(report, { limit: 1 })).toContain('… 2 more');
  });

  it('escapes control characters from findings even with colours on', () => {
    const hostile = buildFindingsReport([
      { ...sampleFindings[0]!, title: 'x\u001b]0;pwned\u0007', summary: 'line\rfake\u202e' },
    ]);
    const out = renderConsole(hostile, { color: true });
    expect(out).toContain('x\\x1b]0;pwned\\x07');
    expect(out).toContain('line\\x0dfake\\u202e');
    expect(out).not.toContain('\u0007');
    expect(out).not.toContain('\r');
  });
});

describe('OCSF', () => {
  it('maps findings to Detection Finding (2004) events with every required attribute', async () => {
    const { OcsfDetectionFindingSchema, toOcsf } = await import('../../src/index.js');
    const events = toOcsf(sampleFindings);
    expect(events).toHaveLength(3);
    for (const e of events) expect(OcsfDetectionFindingSchema.safeParse(e).success).toBe(true);
    const [crit] = events;
    expect(crit).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      type_uid: 200401,
      severity_id: 5,
      risk_score: 95,
    });
    expect(crit?.finding_info.attacks?.[0]?.technique.uid).toBe('T1059.004');
    expect(crit?.metadata.labels).toContain('owasp-agentic:ASI05');
    expect(crit?.time).toBe(1_764_000_000_000);
  });
});
