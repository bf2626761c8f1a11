import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  buildComplianceEvidence,
  CaptureWriter,
  ComplianceEvidenceReportSchema,
  EventSchema,
  emptyLedger,
  type VigilEventInput,
} from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSupplyCorpus } from '../../rules/test/scanners/supply-corpus.js';
import { runCli } from './helpers.js';

// playwright-core is a dev dependency of the reporters, whose HTML tests use it the same way; the
// few calls made here are typed locally.
interface BrowserPage {
  on(event: 'pageerror', listener: (e: Error) => void): void;
  goto(url: string): Promise<unknown>;
  title(): Promise<string>;
  locator(selector: string): { textContent(): Promise<string | null> };
}
const { chromium } = createRequire(resolve(import.meta.dirname, '../../reporters/package.json'))(
  'playwright-core',
) as {
  chromium: {
    launch(options: { executablePath: string; args: string[] }): Promise<{
      newPage(): Promise<BrowserPage>;
      close(): Promise<void>;
    }>;
  };
};

const CHROMIUM = process.env['VIGIL_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the compliance page browser test: no Chromium at ${CHROMIUM}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-compliance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
buildSupplyCorpus(join(dir, 'corpus'));

const START = 1.8e18;
function capture(): string {
  const path = join(dir, 'period.vcap');
  const WL = { id: 'agent', kind: 'systemd-service' as const, labels: {} };
  let ts = START;
  const e = (p: Record<string, unknown>) => {
    ts += 60e9;
    return EventSchema.parse({
      ts,
      workload: WL,
      pid: 7,
      ppid: 1,
      comm: 'python3',
      exe: '/usr/bin/python3',
      source: 'replay',
      ...p,
    } as VigilEventInput);
  };
  const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
  w.writeAll([
    e({
      kind: 'file.open',
      path: '/srv/app/site-packages/torch/__init__.py',
      flags: 0,
      access: 'read',
      result: 3,
    }),
    e({ kind: 'process.exec', filename: '/usr/bin/ls', argv: ['ls'] }),
  ]);
  w.close({ exitCode: 0 });
  return path;
}

describe('vigil posture --framework: the compliance evidence report', () => {
  it('lists every control, the findings against it and the observed behaviour that supports it', async () => {
    const scan = join(dir, 'scan.json');
    const scanned = await runCli(['scan', join(dir, 'corpus/bad'), '--format', 'json', '--out', scan]);
    expect(scanned.code, scanned.stderr).toBe(0);
    const cap = capture();
    const ledger = join(dir, 'ledger.json');
    writeFileSync(ledger, JSON.stringify(emptyLedger()));

    const json = await runCli([
      'posture',
      '--framework',
      'soc2',
      '--findings',
      scan,
      '--capture',
      cap,
      '--ledger',
      ledger,
      '--format',
      'json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    const report = ComplianceEvidenceReportSchema.parse(JSON.parse(json.stdout));
    expect(report.framework).toBe('soc2');
    expect(report.period).toEqual({ start: START + 60e9, end: START + 120e9 });
    expect(report.evidence.map((e) => e.id).sort()).toEqual([
      'captures-1',
      'captures-1-file-access',
      'enforcement',
      'scans',
    ]);
    expect(report.evidence.find((e) => e.kind === 'captures')!.summary).toMatch(
      /^2 events of 1 workload monitored from /,
    );
    // Each control lists the evidence of the kinds it wants, and the kinds it has none of.
    const anomalies = report.controls.find((c) => c.control === 'CC7.2')!;
    expect(anomalies.evidence.sort()).toEqual(['captures-1', 'captures-1-file-access']);
    expect(anomalies.missing).toEqual(['process-behaviour', 'network-egress', 'drift-detection']);
    // Every SOC 2 control of the mapping table is listed, found or not.
    expect(report.controls.length).toBeGreaterThan(1);
    const withFindings = report.controls.filter((c) => c.status === 'findings');
    expect(withFindings.length).toBeGreaterThan(0);
    for (const c of withFindings)
      expect(c.findings.some((f) => ['medium', 'high', 'critical'].includes(f.severity))).toBe(true);
    expect(report.summary.controls).toBe(report.controls.length);
    expect(
      report.summary.findings + report.summary.supported + report.summary.partial + report.summary.noEvidence,
    ).toBe(report.controls.length);

    const md = await runCli([
      'posture',
      '--framework',
      'owasp-llm-2025',
      '--findings',
      scan,
      '--format',
      'markdown',
    ]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^# Compliance evidence: OWASP Top 10 for LLM Applications 2025/);
    // The taxonomy lists all ten entries; LLM03 Supply Chain carries the scan's findings.
    for (let i = 1; i <= 10; i++) expect(md.stdout).toContain(`| LLM${String(i).padStart(2, '0')} |`);
    expect(md.stdout).toMatch(/\| LLM03 \| Supply Chain \| findings \| \d+ \| scans \|/);
    // Most severe first: the corpus's lockfiles have critical advisories (llama-index 0.9.20, gradio 3.12.0).
    expect(md.stdout).toMatch(
      /### LLM03 Supply Chain\n\nStatus: findings\.\n[^#]*\nFindings:\n\n- CRITICAL /,
    );
  });

  it('without evidence every control is no-evidence; a clean scan leaves supply-chain controls without findings', () => {
    const none = buildComplianceEvidence({ framework: 'nist-ai-rmf', now: 0 });
    expect(none.period).toBeNull();
    expect(none.controls.every((c) => c.status === 'no-evidence' && c.findings.length === 0)).toBe(true);
  });

  it('bad framework names and --capture without --framework are usage errors', async () => {
    const bad = await runCli(['posture', '--framework', 'iso-42001']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown framework 'iso-42001' \(one of nist-ai-rmf, /);
    expect((await runCli(['posture', '--capture', 'x.vcap', '--scanned'])).code).toBe(2);
  });

  it.skipIf(!haveChromium)(
    'renders as a page headless Chromium shows with the controls and the evidence',
    async () => {
      const scan = join(dir, 'scan2.json');
      expect((await runCli(['scan', join(dir, 'corpus/bad'), '--format', 'json', '--out', scan])).code).toBe(
        0,
      );
      const page = join(dir, 'soc2.html');
      const r = await runCli([
        'posture',
        '--framework',
        'eu-ai-act',
        '--findings',
        scan,
        '--format',
        'html',
        '--out',
        page,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const html = readFileSync(page, 'utf8');
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
      });
      try {
        const p = await browser.newPage();
        const errors: string[] = [];
        p.on('pageerror', (e) => errors.push(e.message));
        await p.goto(`file://${page}`);
        expect(await p.title()).toBe('Vigil compliance evidence: EU AI Act (Regulation (EU) 2024/1689)');
        const text = (await p.locator('body').textContent()) ?? '';
        expect(text).toMatch(/Controls/);
        expect(text).toMatch(/Findings by control/);
        expect(text).toMatch(/supply-chain scans reported \d+ finding/);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
