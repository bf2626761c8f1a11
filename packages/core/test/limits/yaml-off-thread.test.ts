import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeclaredPermissionsBuilder, isVigilError, readYamlFile, VigilError } from '../../src/index.js';
import { parseYamlOffThread, YAML_WORKER_MIN_BYTES } from '../../src/readers/yaml-off-thread.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-yaml-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A List of ConfigMaps: each is skipped with a warning that names its line.
function configMaps(count: number, tail = ''): string {
  const items: string[] = ['apiVersion: v1', 'kind: List', 'items:'];
  for (let i = 0; i < count; i++)
    items.push(`- kind: ConfigMap`, `  apiVersion: v1`, `  metadata:`, `    name: cm-${i}`);
  return `${items.join('\n')}\n${tail}`;
}

async function settle(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('large YAML is parsed in a worker thread', { timeout: 240_000 }, () => {
  it('gives the same declared permissions (lines included) as a parse in this thread', async () => {
    const text = configMaps(5000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(YAML_WORKER_MIN_BYTES);
    let started = 0;
    const viaWorker = await parseYamlOffThread(
      'declared',
      [text, 'cm.yaml', { maxDepth: 64, maxNodes: 500_000, maxDocuments: 10, maxAliasCount: 100 }],
      { file: 'cm.yaml', what: 'declared input', onWorker: () => started++ },
    );
    expect(started).toBe(1);
    expect(viaWorker).toHaveLength(1);
    const here = new DeclaredPermissionsBuilder().add(text, 'cm.yaml').build();
    const there = (await new DeclaredPermissionsBuilder().addAbortable(text, 'cm.yaml')).build();
    expect(there).toEqual(here);
    expect(there.warnings).toHaveLength(5000);
    expect(there.warnings[4999]).toMatchObject({ file: 'cm.yaml', line: 4 + 4999 * 4 });
  });

  it('an error found in the worker is the VigilError a parse here throws', async () => {
    const text = configMaps(4000, 'items: [unclosed\n');
    let here: unknown;
    try {
      new DeclaredPermissionsBuilder().add(text, 'bad.yaml');
    } catch (e) {
      here = e;
    }
    const there = await settle(new DeclaredPermissionsBuilder().addAbortable(text, 'bad.yaml'));
    expect(here).toBeInstanceOf(VigilError);
    expect(there).toBeInstanceOf(VigilError);
    expect((there as VigilError).code).toBe((here as VigilError).code);
    expect((there as VigilError).message).toBe((here as VigilError).message);
    expect((there as VigilError).location).toEqual((here as VigilError).location);
  });

  it('an abort while a large declared input is parsed ends the parse at once with ABORTED', async () => {
    // About 2 MiB: its parse takes seconds; the event loop keeps turning meanwhile.
    const text = configMaps(30_000);
    const controller = new AbortController();
    const builder = new DeclaredPermissionsBuilder({ signal: controller.signal });
    const events: string[] = [];
    const done = builder.addAbortable(text, 'big.yaml').then(
      () => events.push('parsed'),
      (e: unknown) => events.push(isVigilError(e) ? `${e.code}: ${e.message}` : `other: ${String(e)}`),
    );
    await new Promise((r) => setImmediate(r));
    events.push('event loop turned during the parse');
    controller.abort();
    await done;
    expect(events).toEqual([
      'event loop turned during the parse',
      'ABORTED: big.yaml: parsing declared input interrupted',
    ]);
  });

  it('exceptions files and Kubernetes manifests: an abort once the worker runs ends the parse with ABORTED', async () => {
    const rows: string[] = ['exceptions:'];
    for (let i = 0; i < 40_000; i++) rows.push(`  - rule: r${i}`, `    workload: w${i}`);
    const text = `${rows.join('\n')}\n`;
    const limits = { maxDepth: 64, maxNodes: 500_000, maxDocuments: 1, maxAliasCount: 100 };
    for (const [task, args, what] of [
      ['single', [text, 'x.yaml', 'exceptions', limits], 'exceptions'],
      ['manifest', [text, 'x.yaml', limits, 1, 0], 'Kubernetes manifest'],
    ] as const) {
      const controller = new AbortController();
      const err = await settle(
        parseYamlOffThread(task, args as never, {
          file: 'x.yaml',
          what,
          signal: controller.signal,
          onWorker: () => controller.abort(),
        }),
      );
      expect(isVigilError(err, 'ABORTED'), String(err)).toBe(true);
      expect((err as VigilError).message).toBe(`x.yaml: parsing ${what} interrupted`);
    }
  });

  it('readYamlFile reads a large file through the worker and gives the same value', async () => {
    const file = join(dir, 'exceptions.yaml');
    const rows: string[] = ['exceptions:'];
    for (let i = 0; i < 20_000; i++) rows.push(`  - rule: r${i}`, `    workload: w${i}`);
    writeFileSync(file, `${rows.join('\n')}\n`);
    const doc = (await readYamlFile(file, 'exceptions')) as { exceptions: { rule: string }[] };
    expect(doc.exceptions).toHaveLength(20_000);
    expect(doc.exceptions[19_999]).toEqual({ rule: 'r19999', workload: 'w19999' });
  });
});
