import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, SqliteBaselineStore, type VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentWorkload, benignAgent } from '../../core/test/baseline/helpers/agent-sim.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-learn-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const first = join(dir, 'first.vcap');
const second = join(dir, 'second.vcap');
const cutShort = join(dir, 'cut-short.vcap');

function write(path: string, events: Iterable<VigilEvent>, close = true): void {
  const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
  w.writeAll(events);
  if (close) w.close({ exitCode: 0 });
  else w.abandon();
}

async function listOf(path: string) {
  const store = await SqliteBaselineStore.open(path, { readonly: true });
  try {
    return (await store.list()).map(({ updatedAt: _, ...rest }) => rest);
  } finally {
    await store.close();
  }
}

beforeAll(() => {
  write(first, benignAgent({ seed: 1, seconds: 600 }));
  // Two workloads the store does not know yet: a learn of this adds two baselines.
  write(second, [
    ...benignAgent({ seed: 2, seconds: 300, workload: agentWorkload('a1b2c', 'ghcr.io/acme/agent:1.5') }),
    ...benignAgent({ seed: 3, seconds: 300, workload: agentWorkload('d3e4f', 'ghcr.io/acme/agent:1.6') }),
  ]);
  write(cutShort, benignAgent({ seed: 4, seconds: 300 }), false);
});

describe('vigil learn --store: one outcome', () => {
  it('a bad --out leaves the store as it was', async () => {
    const store = join(dir, 'bad-out.db');
    expect((await runCli(['learn', '--store', store, '--out', join(dir, 'b0.json'), first])).code).toBe(0);
    const before = await listOf(store);
    expect(before).toHaveLength(1);
    const r = await runCli(['learn', '--store', store, '--out', join(dir, 'no-such-dir', 'b.json'), second]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-dir');
    expect(await listOf(store)).toEqual(before);
    // The same learn with a good --out updates both.
    const out = join(dir, 'b1.json');
    expect((await runCli(['learn', '--store', store, '--out', out, second])).code).toBe(0);
    expect(await listOf(store)).toHaveLength(3);
    expect(JSON.parse(readFileSync(out, 'utf8')).baselines).toHaveLength(2);
  }, 120_000);

  it('a damaged store is refused before any work, naming the file, by learn and by check', async () => {
    const store = join(dir, 'damaged.db');
    expect(
      (await runCli(['learn', '--store', store, '--out', join(dir, 'd.json'), first, second])).code,
    ).toBe(0);
    // The learn closed the store, so SQLite checkpointed the WAL into the main file.
    const fd = openSync(store, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 2);
    closeSync(fd);
    const learned = await runCli(['learn', '--store', store, '--out', join(dir, 'd2.json'), first]);
    expect(learned.code).toBe(2);
    expect(learned.stderr).toContain(store);
    expect(learned.stderr).not.toMatch(/learned from/);
    const checked = await runCli(['check', '--baseline', store, first]);
    expect(checked.code).toBe(2);
    expect(checked.stderr).toContain(store);
  }, 120_000);
});

describe('captures without a trailer', () => {
  it('are read with a warning (inspect, learn, check, gap) and flagged in their output (text and json); --strict refuses them', async () => {
    const inspect = await runCli(['inspect', '--json', cutShort]);
    expect(inspect.code).toBe(0);
    expect(inspect.stderr).toMatch(/warning: .*cut-short\.vcap has no trailer/);
    expect(JSON.parse(inspect.stdout).integrity).toEqual({
      complete: false,
      incomplete: [{ path: cutShort }],
      interrupted: [],
    });
    const learned = await runCli(['learn', '--out', join(dir, 'cut.json'), cutShort]);
    expect(learned.code).toBe(0);
    expect(learned.stderr).toMatch(/warning: .*cut-short\.vcap has no trailer/);
    expect(learned.stderr).toMatch(/INCOMPLETE: 1 capture cut short/);
    const checked = await runCli(['check', '--json', cutShort]);
    expect(checked.stderr).toMatch(/warning: .*cut-short\.vcap has no trailer/);
    expect(JSON.parse(checked.stdout).integrity.complete).toBe(false);
    const text = await runCli(['check', cutShort]);
    expect(text.stdout).toMatch(/INCOMPLETE: .*cut-short\.vcap has no trailer/);
    const declared = join(dir, 'k8s.yaml');
    writeFileSync(
      declared,
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: agent, namespace: ai }\n',
    );
    const gap = await runCli(['gap', '--declared', declared, cutShort]);
    expect(gap.stderr).toMatch(/warning: .*cut-short\.vcap has no trailer/);
    for (const cmd of [['inspect'], ['learn', '--out', join(dir, 'strict.json')], ['check']]) {
      const strict = await runCli([...cmd, '--strict', cutShort]);
      expect(strict.code, cmd[0]).toBe(2);
      expect(strict.stderr).toMatch(/cut-short\.vcap.*no trailer/);
    }
    // A complete capture passes --strict without a warning.
    const ok = await runCli(['inspect', '--strict', '--json', first]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toMatch(/warning/);
    expect(JSON.parse(ok.stdout).integrity.complete).toBe(true);
  }, 120_000);
});
