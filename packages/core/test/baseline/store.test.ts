import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Baseline,
  BaselineLearner,
  type BaselineStore,
  isVigilError,
  MemoryBaselineStore,
  SqliteBaselineStore,
} from '../../src/index.js';
import { agentWorkload, benignAgent } from './helpers/agent-sim.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function learned(seed: number, origin: string): Baseline {
  const learner = new BaselineLearner({ origin });
  for (const e of benignAgent({ seed, seconds: 120 })) learner.observe(e);
  return learner.set.baselines()[0]!;
}

const stores: [string, () => Promise<BaselineStore>][] = [
  ['memory', async () => new MemoryBaselineStore()],
  ['sqlite', async () => SqliteBaselineStore.open(join(dir, `s-${Math.random().toString(16).slice(2)}.db`))],
];

describe.each(stores)('%s baseline store', (_name, open) => {
  it('puts, gets, lists, merges and deletes', async () => {
    const store = await open();
    const a = learned(1, 'node-a');
    const b = learned(2, 'node-b');
    expect(await store.get(a.subject, a.versionKey)).toBeUndefined();
    await store.put(a);
    const got = await store.get(a.subject, a.versionKey);
    expect(got?.version).toBe(a.version);
    expect(got?.toDocument()).toEqual(a.toDocument());
    const merged = await store.merge(b);
    expect(merged.version).toBe(Baseline.merge(a, b).version);
    expect((await store.get(a.subject, a.versionKey))?.toDocument()).toEqual(
      Baseline.merge(a, b).toDocument(),
    );
    // Merging the same baseline again changes nothing (idempotent).
    expect((await store.merge(b)).toDocument()).toEqual(merged.toDocument());
    const list = await store.list();
    expect(list.map((i) => [i.subject, i.versionKey, i.version, i.status])).toEqual([
      [a.subject, a.versionKey, merged.version, merged.status],
    ]);
    expect((await store.loadSet()).size).toBe(1);
    expect(await store.delete(a.subject, a.versionKey)).toBe(true);
    expect(await store.delete(a.subject, a.versionKey)).toBe(false);
    await store.close();
    await store.close();
  });

  it('hands out copies: changing a loaded baseline does not change the store', async () => {
    const store = await open();
    const a = learned(3, 'node-a');
    await store.put(a);
    const copy = (await store.get(a.subject, a.versionKey))!;
    copy.record({ domain: 'tools', segments: ['x', 'y'], concrete: 'x/y' }, 1, 'o');
    expect((await store.get(a.subject, a.versionKey))!.tools().some((t) => t.display === 'x/y')).toBe(false);
    await store.close();
  });
});

describe('SQLite baseline store', () => {
  it('reopens with the data and refuses a newer store version', async () => {
    const path = join(dir, 'reopen.db');
    const a = learned(4, 'node-a');
    {
      await using store = await SqliteBaselineStore.open(path);
      await store.put(a);
    }
    {
      await using store = await SqliteBaselineStore.open(path, { readonly: true });
      expect((await store.get(a.subject, a.versionKey))?.version).toBe(a.version);
    }
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Database(path);
    db.prepare(`UPDATE vigil_meta SET value = '99' WHERE key = 'store_version'`).run();
    db.close();
    await expect(SqliteBaselineStore.open(path)).rejects.toThrow(/store version 99 is not supported/);
  });

  it('reports a corrupt stored document with the store path and key', async () => {
    const path = join(dir, 'corrupt.db');
    const store = await SqliteBaselineStore.open(path);
    const a = learned(5, 'node-a');
    await store.put(a);
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Database(path);
    db.prepare(`UPDATE baselines SET doc = ?`).run(Buffer.from([0xc1, 0x00]));
    db.close();
    const err = await store.get(a.subject, a.versionKey).catch((e: unknown) => e);
    expect(isVigilError(err, 'STORE')).toBe(true);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain(a.subject);
    await store.close();
  });

  it('is not a database: a clear error', async () => {
    const path = join(dir, 'not-a-db.db');
    writeFileSync(path, 'hello, this is not sqlite at all '.repeat(200));
    const err = await SqliteBaselineStore.open(path).catch((e: unknown) => e);
    expect(isVigilError(err, 'STORE')).toBe(true);
    expect((err as Error).message).toContain(path);
  });

  it('loses nothing committed when the writer is killed with SIGKILL mid-transaction', async () => {
    const path = join(dir, 'crash.db');
    const committed = 15;
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'helpers', 'store-writer.ts'), path, String(committed), '8000'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('starting big transaction')) {
          // Kill once the transaction is under way: it takes about 0.45 s of CPU on an idle
          // machine (longer under load), so 60 ms after it starts it is running, not done.
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 60);
        }
      });
      child.on('exit', () => reject(new Error(`child exited before the kill: ${out}\n${err}`)));
    });
    const { signal } = await exited;
    expect(signal).toBe('SIGKILL');
    expect(out).not.toContain('big transaction committed');
    const lines = out.split('\n').filter((l) => l.startsWith('committed '));
    expect(lines.length).toBe(committed);

    await using store = await SqliteBaselineStore.open(path);
    const list = await store.list();
    // Every committed baseline is there, whole; nothing of the killed transaction is.
    expect(list.length).toBe(committed);
    for (let i = 0; i < committed; i++) {
      const b = await store.get(`k8s:ai/agent-${i}/agent`, 'v1');
      expect(b?.files().length).toBe(5);
    }
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

describe('baseline workload identity', () => {
  it('keys replicas of a Deployment together and image versions apart', () => {
    const a = agentWorkload('aaaaa', 'img:1');
    const b = agentWorkload('bbbbb', 'img:1');
    const c = agentWorkload('ccccc', 'img:2');
    const learner = new BaselineLearner({ origin: 'n' });
    for (const w of [a, b, c])
      learner.observe({
        ts: 1,
        workload: w,
        pid: 1,
        ppid: 0,
        comm: 'x',
        exe: '/x',
        source: 'synthetic',
        kind: 'tool.call',
        server: 's',
        tool: 't',
      });
    expect(learner.set.baselines().map((x) => [x.subject, x.versionKey, x.workloads.length])).toEqual([
      ['k8s:ai/agent/agent', 'img:1', 2],
      ['k8s:ai/agent/agent', 'img:2', 1],
    ]);
  });
});
