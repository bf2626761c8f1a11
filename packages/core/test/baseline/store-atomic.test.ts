import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Baseline,
  type BaselineStore,
  isVigilError,
  MemoryBaselineStore,
  SqliteBaselineStore,
} from '../../src/index.js';
import { agentWorkload } from './helpers/agent-sim.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-store-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => join(dir, `s-${Math.random().toString(16).slice(2)}.db`);

function make(i: number, entries: number, tag = 'a'): Baseline {
  const b = Baseline.create({
    subject: `k8s:ai/agent-${i}/agent`,
    versionKey: 'v1',
    workload: agentWorkload(),
  });
  for (let j = 0; j < entries; j++)
    b.record(
      { domain: 'files', segments: ['data', tag, `f${j}`, '@read'], concrete: `/data/${tag}/f${j} (read)` },
      1e18 + j,
      'test',
    );
  return b;
}

const stores: [string, () => Promise<BaselineStore>][] = [
  ['memory', async () => new MemoryBaselineStore()],
  ['sqlite', async () => SqliteBaselineStore.open(fresh())],
];

describe.each(stores)('%s store: mergeAll', (_name, open) => {
  it('commits every baseline together once beforeCommit succeeds', async () => {
    const store = await open();
    await store.put(make(0, 2, 'old'));
    let ran = 0;
    const merged = await store.mergeAll([make(0, 3), make(1, 3), make(2, 3)], {
      beforeCommit: () => {
        ran++;
      },
    });
    expect(ran).toBe(1);
    expect(merged).toHaveLength(3);
    const list = await store.list();
    expect(list.map((i) => i.subject)).toEqual([0, 1, 2].map((i) => `k8s:ai/agent-${i}/agent`));
    // The existing baseline was joined, not replaced: old and new entries both.
    expect((await store.get('k8s:ai/agent-0/agent', 'v1'))?.size()).toBe(5);
    await store.close();
  });

  it('changes nothing when beforeCommit throws', async () => {
    const store = await open();
    await store.put(make(0, 2, 'old'));
    const before = await store.list();
    const doc = (await store.get('k8s:ai/agent-0/agent', 'v1'))?.toDocument();
    const err = await store
      .mergeAll([make(0, 3), make(1, 3), make(2, 3)], {
        beforeCommit: async () => {
          throw new Error('the output could not be written');
        },
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('the output could not be written');
    expect(await store.list()).toEqual(before);
    expect((await store.get('k8s:ai/agent-0/agent', 'v1'))?.toDocument()).toEqual(doc);
    // The store is still usable afterwards.
    await store.mergeAll([make(3, 1)]);
    expect((await store.list()).length).toBe(2);
    await store.close();
  });
});

describe('sqlite store checks on open', () => {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');

  it('refuses a store whose pages are damaged, naming the file', async () => {
    const path = fresh();
    const store = await SqliteBaselineStore.open(path);
    await store.putAll(Array.from({ length: 40 }, (_, i) => make(i, 40)));
    await store.close();
    // Checkpoint the WAL so the data lives in the main file, then overwrite a page in the middle.
    const db = new Database(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(16 * 4096);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 3);
    closeSync(fd);
    for (const readonly of [false, true]) {
      const err = await SqliteBaselineStore.open(path, { readonly }).catch((e: unknown) => e);
      expect(isVigilError(err, 'STORE'), String(err)).toBe(true);
      expect((err as Error).message).toContain(path);
    }
  });

  it('refuses an SQLite file that is not a Vigil store, and leaves it untouched', async () => {
    const path = fresh();
    const db = new Database(path);
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    for (const readonly of [false, true]) {
      const err = await SqliteBaselineStore.open(path, { readonly }).catch((e: unknown) => e);
      expect(isVigilError(err, 'STORE')).toBe(true);
      expect((err as Error).message).toMatch(new RegExp(`${path}.*not a Vigil baseline store`));
    }
    const check = new Database(path);
    expect(
      (check.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map(
        (r) => r.name,
      ),
    ).toEqual(['notes']);
    check.close();
  });

  it('creates a new store and reopens it read-only', async () => {
    const path = fresh();
    await (await SqliteBaselineStore.open(path)).close();
    const ro = await SqliteBaselineStore.open(path, { readonly: true });
    expect(await ro.list()).toEqual([]);
    await ro.close();
  });
});
