import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyLedger, MaturityReportSchema, recordEnforcementRun } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-posture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil posture', () => {
  const ledger = join(dir, 'ledger.json');
  const workload = '<b>agent</b>';
  writeFileSync(
    ledger,
    JSON.stringify(
      recordEnforcementRun(emptyLedger(), workload, {
        policy: `${workload}@1`,
        baselineStatus: 'stable',
        mode: 'monitor',
        durationMs: 1000,
        wouldBlock: 0,
        blocked: 0,
      }).ledger,
    ),
  );

  it('--format html writes the same report as a self-contained, escaped page', async () => {
    const json = await runCli(['posture', '--ledger', ledger, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const report = MaturityReportSchema.parse(JSON.parse(json.stdout));
    expect(report.workloads.map((w) => w.workload)).toEqual([workload]);
    const html = await runCli(['posture', '--ledger', ledger, '--format', 'html']);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/i);
    expect(html.stdout).toContain('Content-Security-Policy');
    expect(html.stdout).toContain(`Vigil posture: level ${report.overall.level} ${report.overall.stage}`);
    expect(html.stdout).toContain('&lt;b&gt;agent&lt;/b&gt;');
    expect(html.stdout).not.toContain('<b>agent</b>');
    for (const step of report.workloads[0]!.next)
      expect(html.stdout).toContain(step.step.replace(/'/g, '&#39;'));
  });
});
