import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type MaturityReport,
  MaturityReportSchema,
  type WorkloadPostureFacts,
  workloadMaturity,
} from '@vigil/core';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMaturityHtml } from '../../src/index.js';

const CHROMIUM = process.env['VIGIL_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `skipping the posture page browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  );

const dir = mkdtempSync(join(tmpdir(), 'vigil-posture-html-'));
let browser: Browser | undefined;
beforeAll(async () => {
  if (!haveChromium) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const none: WorkloadPostureFacts = {
  workload: 'w',
  discovered: false,
  configurationChecked: false,
  supplyChainScanned: false,
  complianceMapped: false,
  baseline: 'none',
  gapAnalysed: false,
  enforcement: 'none',
  automatedResponse: false,
};
const hostile = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

function report(): MaturityReport {
  const workloads = [
    workloadMaturity({
      ...none,
      workload: 'cgroup:/vigil-agent',
      discovered: true,
      configurationChecked: true,
    }),
    workloadMaturity({
      ...none,
      workload: hostile,
      discovered: true,
      configurationChecked: true,
      supplyChainScanned: true,
      complianceMapped: true,
      baseline: 'stable',
      gapAnalysed: true,
      enforcement: 'enforce',
      automatedResponse: true,
    }),
  ];
  const byLevel = [0, 0, 0, 0, 0];
  for (const w of workloads) byLevel[w.level]! += 1;
  return MaturityReportSchema.parse({
    schemaVersion: 1,
    kind: 'MaturityReport',
    generatedAt: new Date(0).toISOString(),
    overall: { level: 1, stage: 'Inventory-aware' },
    byLevel,
    workloads,
  });
}

describe('the posture page', () => {
  const html = renderMaturityHtml(report());
  const file = join(dir, 'posture.html');
  writeFileSync(file, html);

  it('is self-contained and escapes every value', () => {
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('Content-Security-Policy');
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
  });

  it.skipIf(!haveChromium)(
    'renders in Chromium: levels, workloads, next steps; hostile names stay text',
    async () => {
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${file}`);
      expect(await page.locator('h1').textContent()).toBe('Vigil posture: level 1 Inventory-aware');
      expect(await page.locator('.card', { hasText: 'overall level' }).locator('b').textContent()).toBe(
        '1 Inventory-aware',
      );
      expect(await page.locator('.card', { hasText: 'at 4 Adaptive' }).locator('b').textContent()).toBe('1');
      const section = (title: RegExp) =>
        page.locator('section').filter({ has: page.locator('h2', { hasText: title }) });
      const workloads = section(/^Workloads$/).locator('tbody tr');
      expect(await workloads.count()).toBe(2);
      expect(await workloads.nth(0).locator('td').nth(0).textContent()).toBe('cgroup:/vigil-agent');
      expect(await workloads.nth(1).locator('td').nth(0).textContent()).toBe(hostile);
      expect(await workloads.nth(1).locator('td').nth(1).textContent()).toBe('4');
      const steps = section(/^Steps to the next level$/).locator('tbody tr');
      // The level-1 workload's two steps to level 2; the level-4 one has none.
      expect(await steps.count()).toBe(2);
      expect(await steps.nth(0).locator('td').nth(1).textContent()).toBe('2 Posture-managed');
      expect(
        await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
      ).toBeUndefined();
      expect(errors).toEqual([]);
      await page.close();
    },
  );
});
