import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AiBomBuilder, type VigilEvent } from '@vigil/core';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFindingsReport, renderHtml } from '../../src/index.js';
import { finding, sampleFindings } from '../formats/fixtures.js';

const CHROMIUM = process.env['VIGIL_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`skipping the browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-html-'));
let browser: Browser | undefined;
beforeAll(async () => {
  if (!haveChromium) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

function sampleAiBom() {
  const w = { id: 'cgroup:/lab/agent', kind: 'cgroup' as const, labels: {} };
  const env = {
    workload: w,
    pid: 50,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'synthetic' as const,
  };
  const events: VigilEvent[] = [
    {
      ...env,
      ts: 1e18,
      kind: 'process.exec',
      filename: '/usr/bin/node',
      argv: ['node', 'node_modules/@openai/agents/dist/index.js'],
    },
    {
      ...env,
      ts: 1e18 + 1,
      kind: 'model.call',
      provider: 'openai',
      model: 'gpt-4o-mini',
      agent: 'Assistant',
    },
    {
      ...env,
      ts: 1e18 + 2,
      kind: 'tool.call',
      server: 'filesystem',
      tool: 'read_file',
      agent: 'Assistant',
      status: 'ok',
    },
  ];
  const b = new AiBomBuilder();
  b.onBatch(events);
  return b.result({});
}

describe('HTML report', () => {
  const hostile = finding({
    id: 'evil',
    severity: 'high',
    title: '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">',
    summary: '"><svg onload="window.__pwned=3">',
  });
  const report = buildFindingsReport([...sampleFindings, hostile], {
    inputs: ['run.vcap'],
    generatedAt: new Date(0),
  });
  const html = renderHtml({
    findings: report,
    aibom: sampleAiBom(),
    highlights: [{ label: 'demoted by runtime evidence', value: 42 }],
    tables: [{ title: 'Gap', headers: ['domain', 'granted', 'used'], rows: [['kubernetes', 47, 3]] }],
    generatedAt: new Date(0),
  });
  const file = join(dir, 'report.html');
  writeFileSync(file, html);

  it('is self-contained: no external resources', () => {
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('Content-Security-Policy');
  });

  it.skipIf(!haveChromium)(
    'renders in Chromium: cards, findings, AI-BOM, flow graph and tables',
    async () => {
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${file}`);
      expect(await page.locator('tr.finding').count()).toBe(4);
      expect(await page.locator('.card').count()).toBeGreaterThanOrEqual(7);
      expect(
        await page.locator('.card', { hasText: 'demoted by runtime evidence' }).locator('b').textContent(),
      ).toBe('42');
      expect(await page.locator('tr.component').count()).toBeGreaterThan(0);
      expect(await page.locator('svg.flow g.node').count()).toBeGreaterThan(1);
      expect(await page.locator('svg.flow path.edge').count()).toBeGreaterThan(0);
      expect(await page.locator('section', { hasText: 'Gap' }).locator('td').allTextContents()).toEqual([
        'kubernetes',
        '47',
        '3',
      ]);
      expect(errors).toEqual([]);
      const png = join(dir, 'report.png');
      await page.screenshot({ path: png, fullPage: true });
      expect(statSync(png).size).toBeGreaterThan(10_000);
      await page.close();
    },
  );

  it.skipIf(!haveChromium)('the severity filter hides and shows findings', async () => {
    const page = await browser!.newPage();
    await page.goto(`file://${file}`);
    await page.click('button[data-severity="critical"]');
    expect(await page.locator('tr.finding:visible').count()).toBe(3);
    expect(await page.locator('#visible-count').textContent()).toBe('3');
    await page.click('button[data-severity="high"]');
    expect(await page.locator('tr.finding:visible').count()).toBe(2);
    await page.click('button[data-severity="critical"]');
    expect(await page.locator('tr.finding:visible').count()).toBe(3);
    await page.close();
  });

  it.skipIf(!haveChromium)('hostile strings in findings stay text and never run', async () => {
    const page = await browser!.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`file://${file}`);
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.locator('tr.finding[data-rule] b', { hasText: '<script>' }).count()).toBe(1);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
