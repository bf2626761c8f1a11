// The application layer: check, learn and gap as facades, the one input sniffer and the one order
// of findings, over real capture files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analyseGap,
  CaptureWriter,
  type CheckDetector,
  checkCaptures,
  compareFindings,
  encodeBaselineSet,
  type Finding,
  learnBaselines,
  type OrderedFinding,
  SqliteBaselineStore,
  sniffInput,
  type VigilEvent,
} from '../../src/index.js';
import { attackEvents, benignAgent } from '../baseline/helpers/agent-sim.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-facades-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const learnCapture = join(dir, 'learn.vcap');
const attackCapture = join(dir, 'attack.vcap');
const cutShort = join(dir, 'cut.vcap');

function write(path: string, events: Iterable<VigilEvent>, close = true): void {
  const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
  w.writeAll(events);
  if (close) w.close({ exitCode: 0 });
  else w.abandon();
}

beforeAll(() => {
  write(learnCapture, benignAgent({ seed: 1, seconds: 120 }));
  write(attackCapture, [
    ...benignAgent({ seed: 2, seconds: 60 }),
    ...Object.values(attackEvents(1_764_000_061_000_000_000)).flat(),
  ]);
  write(cutShort, benignAgent({ seed: 3, seconds: 30 }), false);
});

/** A detector that reports every process a baseline-free check sees start, once per program. */
function execDetector(): CheckDetector {
  const seen = new Map<string, Finding>();
  return {
    name: 'exec',
    consumer: {
      name: 'exec',
      onBatch(batch) {
        for (const e of batch) {
          if (e.kind !== 'process.exec' || seen.has(e.exe)) continue;
          seen.set(e.exe, {
            id: `exec-${seen.size}`,
            ruleId: 'test.exec',
            title: `ran ${e.exe}`,
            severity: e.exe.endsWith('sh') ? 'high' : 'low',
            category: 'detection',
            workload: e.workload,
            ts: e.ts,
            summary: e.exe,
            evidence: [],
            tags: { owaspLlm: [], owaspAgentic: [], atlas: [], attack: [] },
            compliance: [],
            risk: { score: e.exe.endsWith('sh') ? 70 : 10, reasons: [] },
          });
        }
      },
    },
    findings: () => [...seen.values()],
  };
}

describe('sniffInput', () => {
  it('tells captures, SQLite stores, documents and streams apart, and refuses a folder or a missing file', async () => {
    const json = join(dir, 'doc.json');
    writeFileSync(json, '{"schemaVersion":1}');
    const sqlite = join(dir, 'store.db');
    writeFileSync(sqlite, Buffer.concat([Buffer.from('SQLite format 3\u0000', 'latin1'), Buffer.alloc(100)]));
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect(await sniffInput(learnCapture)).toBe('capture');
    expect(await sniffInput(sqlite)).toBe('baseline-store');
    expect(await sniffInput(json)).toBe('document');
    // Not opened for reading (nobody writes to it): the look must not block.
    expect(await sniffInput(fifo)).toBe('stream');
    await expect(sniffInput(folder, { what: 'baseline' })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      location: { file: folder },
    });
    await expect(sniffInput(folder, { what: 'baseline' })).rejects.toThrow(
      /baseline is a folder, expected a file/,
    );
    await expect(sniffInput(join(dir, 'missing'))).rejects.toMatchObject({
      code: 'IO',
      location: { file: join(dir, 'missing') },
    });
  });
});

describe('compareFindings', () => {
  const f = (id: string, severity: Finding['severity'], score: number, ts: number, ruleId = 'r') =>
    ({
      id,
      severity,
      risk: { score, reasons: [] },
      ts,
      ruleId,
      title: 't',
      summary: 's',
    }) satisfies OrderedFinding;
  it('orders by severity, then risk score, then rule, then time, then id', () => {
    const list = [
      f('d', 'low', 90, 1),
      f('c', 'high', 10, 1),
      f('b', 'high', 50, 2),
      f('a', 'high', 50, 2),
      f('e', 'high', 50, 1),
      f('f', 'high', 50, 0, 's'),
    ];
    expect(list.sort(compareFindings).map((x) => x.id)).toEqual(['e', 'a', 'b', 'f', 'c', 'd']);
  });
});

describe('learnBaselines and checkCaptures', () => {
  it('learns baselines from captures, and a check with a detector returns its findings in the one order', async () => {
    const notices: string[] = [];
    const learned = await learnBaselines({
      captures: [learnCapture],
      markStable: true,
      onNotice: (n) => notices.push(n.type),
    });
    expect(learned.set.size).toBeGreaterThan(0);
    expect(learned.events).toBeGreaterThan(100);
    expect(learned.integrity.complete).toBe(true);
    expect(learned.set.baselines().every((b) => b.status === 'stable')).toBe(true);
    expect(learned.oneRun).toEqual([]);
    expect(encodeBaselineSet(learned.set, 'json').byteLength).toBeGreaterThan(100);

    const result = await checkCaptures({
      captures: [attackCapture],
      baselines: learned.set,
      detectors: [execDetector()],
    });
    expect(result.events).toBeGreaterThan(50);
    expect(result.baselines).toBe(learned.set);
    expect(result.findings.length).toBeGreaterThan(1);
    expect([...result.findings].sort(compareFindings)).toEqual(result.findings);
    expect(result.findings[0]!.severity).toBe('high');
    // Incidents come first in what formats of findings only report.
    expect(result.reported.length).toBe(result.findings.length + result.incidents.length);
  });

  it('reports a capture cut short in its integrity, and refuses it when strict', async () => {
    const lenient = await checkCaptures({ captures: [cutShort], detectors: [] });
    expect(lenient.integrity.complete).toBe(false);
    await expect(checkCaptures({ captures: [cutShort], detectors: [], strict: true })).rejects.toMatchObject({
      code: 'CAPTURE_TRUNCATED',
    });
    await expect(learnBaselines({ captures: [cutShort], strict: true })).rejects.toMatchObject({
      code: 'CAPTURE_TRUNCATED',
    });
  });

  it('learns every capture it is given, also those after the baseline became stable on quiet runs', async () => {
    const T = 1_764_000_000_000_000_000;
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const path = join(dir, `quiet-${i}.vcap`);
      const start = T + i * 600e9;
      const events: VigilEvent[] = [...benignAgent({ seed: 1, seconds: 30, startNs: start })].map((e) => ({
        ...e,
        workload: { ...e.workload, cgroupPath: `/quiet/run-${i}` },
      }));
      // The last run does something the first four did not: a run that is part of the job.
      if (i === 4) {
        const last = events.at(-1)!;
        events.push({
          ...last,
          ts: last.ts + 1e6,
          kind: 'process.exec',
          filename: '/usr/bin/sha1sum',
          argv: ['sha1sum', 'a.txt'],
        } as VigilEvent);
      }
      write(path, events);
      runs.push(path);
    }
    const learned = await learnBaselines({ captures: runs });
    const [b] = learned.set.baselines();
    // Four runs, the last three quiet, make it stable; the fifth capture is still learned.
    expect(b!.status).toBe('stable');
    expect(Buffer.from(encodeBaselineSet(learned.set, 'json')).toString()).toContain('/usr/bin/sha1sum');
  });

  it('a failing detector fails the check, and an aborted run is ABORTED', async () => {
    const broken: CheckDetector = {
      name: 'broken',
      consumer: {
        name: 'broken',
        onBatch() {
          throw new Error('detector bug');
        },
      },
      findings: () => [],
    };
    await expect(checkCaptures({ captures: [learnCapture], detectors: [broken] })).rejects.toThrow(
      /detector bug/,
    );
    await expect(
      checkCaptures({ captures: [learnCapture], detectors: [], signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('needs captures', async () => {
    await expect(checkCaptures({ captures: [], detectors: [] })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(learnBaselines({ captures: [] })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('analyseGap', () => {
  it('reads a capture and a baseline as observed use (sniffed) against an MCP configuration', async () => {
    const mcp = join(dir, 'claude_desktop_config.json');
    writeFileSync(
      mcp,
      JSON.stringify({ mcpServers: { files: { command: 'npx', args: ['-y', 'server-fs', '/data'] } } }),
    );
    const learned = await learnBaselines({ captures: [learnCapture] });
    const baseline = join(dir, 'baseline.json');
    writeFileSync(baseline, encodeBaselineSet(learned.set, 'json'));
    const gap = await analyseGap({
      declared: [mcp],
      observed: [attackCapture, baseline],
      leastPrivilege: true,
    });
    expect(gap.integrity?.complete).toBe(true);
    expect(gap.report.totals.granted).toBeGreaterThan(0);
    expect(gap.ranking.findings.length).toBe(gap.ranking.summary.total);
    expect(gap.leastPrivilege?.artifacts.length).toBeGreaterThan(0);
    await expect(analyseGap({ declared: [] })).rejects.toMatchObject({ code: 'USAGE' });
    // A SQLite baseline store is observed use too, as it is a baseline to checkCaptures.
    const db = join(dir, 'gap-store.db');
    {
      await using store = await SqliteBaselineStore.open(db);
      await store.mergeAll(learned.set.baselines());
    }
    const fromStore = await analyseGap({ declared: [mcp], observed: [db] });
    const fromFile = await analyseGap({ declared: [mcp], observed: [baseline] });
    expect(fromStore.report.totals).toEqual(fromFile.report.totals);
  });
});
