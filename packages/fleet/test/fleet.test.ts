import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type AiBom, Baseline, defaultBaselineKey } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FLEET_STREAM,
  FleetBaselineWatcher,
  FleetHub,
  FleetPublisher,
  FleetView,
  mergeAiBoms,
} from '../src/index.js';
import { finding, learnReplica, replica } from './helpers/fixtures.js';
import { NatsCluster, NatsNode, natsUnavailable } from './helpers/nats.js';

const why = natsUnavailable();
if (why) console.warn(`skipping the fleet tests over NATS: ${why}`);

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-fleet-'));
  dirs.push(d);
  return d;
};

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function bom(component: string, workloadId: string, count: number): AiBom {
  const empty = mergeAiBoms([]);
  return {
    ...empty,
    generatedAt: '2026-12-06T00:00:00.000Z',
    components: [
      {
        id: component,
        type: 'model',
        name: component,
        status: 'undeclared-used',
        confidence: 0.9,
        observed: {
          workloads: [workloadId],
          firstSeen: 1,
          lastSeen: 2,
          count,
          methods: ['model-call'],
          evidence: [],
        },
        properties: {},
      },
    ],
  };
}

describe.skipIf(why !== undefined)('fleet over one NATS JetStream server', () => {
  let nats: NatsCluster;
  beforeAll(async () => {
    nats = await NatsCluster.start(1);
  }, 120_000);
  afterAll(async () => {
    await nats?.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('merges replicas into one baseline, reports a finding once with both nodes, and serves the posture', async () => {
    const hub = await FleetHub.start({ servers: nats.urls, partitions: 4 });
    const watcher = await FleetBaselineWatcher.start({ servers: nats.urls });
    const a = await FleetPublisher.open({
      servers: nats.urls,
      spoolDir: tempDir(),
      node: 'node-a',
      partitions: 4,
      events: { sampleRate: 1 },
    });
    const b = await FleetPublisher.open({
      servers: nats.urls,
      spoolDir: tempDir(),
      node: 'node-b',
      partitions: 4,
    });
    try {
      const wa = replica('node-a', 0);
      const wb = replica('node-b', 1);
      const key = defaultBaselineKey(wa);
      expect(defaultBaselineKey(wb)).toEqual(key);
      const ba = learnReplica('node-a', wa, 300, 0);
      const bb = learnReplica('node-b', wb, 300, 1);
      ba.markStable(ba.toDocument().learning['node-a']!.lastSeen);
      a.publishBaseline(key.subject, ba);
      b.publishBaseline(key.subject, bb);
      a.publishBaseline(key.subject, ba); // the same delta again: changes nothing
      // The injected attack, seen on node-a's replica (twice, then a repeat) and on node-b's.
      a.publishFinding(finding('f-attack', wa, { count: 2 }));
      a.publishFinding(finding('f-attack', wa, { count: 2 }));
      a.publishFinding(finding('f-attack', wa, { count: 3 }));
      b.publishFinding(finding('f-attack', wb, { severity: 'critical' }));
      a.publishAiBom({ workloadKey: key.subject, bom: bom('gpt-4o', wa.id, 5) });
      b.publishAiBom({ workloadKey: key.subject, bom: bom('gpt-4o', wb.id, 7) });
      const events = learnEvents(wa, 40);
      expect(a.publishEvents(events)).toBe(40);
      await Promise.all([a.flush({ timeoutMs: 60_000 }), b.flush({ timeoutMs: 60_000 })]);
      expect(a.stats().refused).toBe(0);
      expect(a.stats().duplicates).toBeGreaterThanOrEqual(1); // the identical finding and baseline
      await until('the hub to handle every message', () => hub.stats().messages >= 8);

      const view = await FleetView.open({ servers: nats.urls });
      try {
        const findings = await view.findings();
        expect(findings).toHaveLength(1);
        const f = findings[0]!;
        expect(f.finding.severity).toBe('critical');
        expect(f.sightings.map((s) => [s.node, s.count])).toEqual([
          ['node-a', 3],
          ['node-b', 1],
        ]);
        const [flat] = await view.findingList();
        expect(flat!.count).toBe(4);
        expect(flat!.evidence.at(-1)!.description).toMatch(/node-a.*node-b/);

        const set = await view.baselines();
        expect(set.size).toBe(1);
        const merged = set.get(key.subject, key.versionKey)!;
        expect(merged.toDocument()).toEqual(Baseline.merge(ba, bb).toDocument());
        await until('the stable baseline to reach the watcher', () => watcher.set.size === 1);
        expect(watcher.set.get(key.subject, key.versionKey)!.toDocument()).toEqual(merged.toDocument());

        const fleetBom = await view.aiBom();
        expect(fleetBom.components).toHaveLength(1);
        expect(fleetBom.components[0]!.observed!.count).toBe(12);

        const counts = await view.eventCounts();
        expect(counts.reduce((n, c) => n + Object.values(c.instances).reduce((x, y) => x + y, 0), 0)).toBe(
          40,
        );

        const posture = await view.posture();
        expect(posture.nodes).toBe(2);
        expect(posture.findings.total).toBe(1);
        expect(posture.baselines).toEqual({ total: 1, stable: 1, learning: 0 });
        expect(posture.events).toBe(40);
      } finally {
        await view.close();
      }
    } finally {
      await Promise.all([a.close(), b.close(), watcher.close(), hub.close()]);
    }
  }, 180_000);

  it('rejects a malformed message with a clear error and goes on', async () => {
    const hub = await FleetHub.start({ servers: nats.urls, partitions: 4, name: 'vigil-hub-bad' });
    const errors: string[] = [];
    hub.on('error', (e) => errors.push(e.message));
    const nc = await connect({ servers: nats.urls });
    try {
      const js = (await import('@nats-io/jetstream')).jetstream(nc);
      await js.publish('vigil.fleet.001.finding.ffff', '{"v":1,"kind":"finding"}');
      await js.publish('vigil.fleet.001.finding.ffff', 'not json');
      await until('both rejections', () => hub.stats().rejected === 2);
      expect(errors.join('\n')).toMatch(/fleet message on vigil\.fleet\.001\.finding\.ffff/);
      expect(errors.join('\n')).toMatch(/expected JSON/);
    } finally {
      await nc.close();
      await hub.close();
    }
  }, 120_000);
});

function learnEvents(w: ReturnType<typeof replica>, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    ts: 1_764_000_000_000_000_000 + i,
    workload: w,
    pid: 10,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'synthetic' as const,
    kind: 'process.exit' as const,
    exitCode: 0,
  }));
}

describe.skipIf(why !== undefined)('the spool while NATS is unreachable', () => {
  it('keeps everything, drains it in order once NATS is back, and counts what its cap refuses', async () => {
    const dir = tempDir();
    const server = await NatsCluster.start(1);
    const port = server.nodes[0]!.port;
    await server.nodes[0]!.stop(); // down from the start
    const p = await FleetPublisher.open({
      servers: `nats://127.0.0.1:${port}`,
      spoolDir: join(dir, 'spool'),
      node: 'node-a',
    });
    const w = replica('node-a', 0);
    const ids: string[] = [];
    const publish = (n: number) => {
      for (let i = 0; i < n; i++) {
        const id = `f-${ids.length}`;
        ids.push(id);
        expect(p.publishFinding(finding(id, w))).toBe(true);
      }
    };
    let node: NatsNode | undefined;
    try {
      publish(100);
      await new Promise((r) => setTimeout(r, 1500));
      publish(100);
      expect(p.stats().acknowledged).toBe(0);
      expect(p.stats().spool.bytes).toBeGreaterThan(0);
      node = new NatsNode('back', port, undefined, [], join(dir, 'store'));
      await node.start();
      publish(100); // events keep coming while the spool drains
      await p.flush({ timeoutMs: 90_000 });
      expect(p.stats().acknowledged).toBe(300);
      // Everything is in the stream once, in the order it was published.
      const nc = await connect({ servers: node.url });
      try {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.info(FLEET_STREAM);
        expect(info.state.messages).toBe(300);
        const got: string[] = [];
        for (let seq = 1; seq <= 300; seq++) {
          const m = await jsm.streams.getMessage(FLEET_STREAM, { seq });
          got.push(m!.json<{ body: { id: string } }>().body.id);
        }
        expect(got).toEqual(ids);
      } finally {
        await nc.close();
      }
    } finally {
      await p.close();
      await node?.stop();
      await server.close();
    }

    // The cap: with NATS unreachable and a small spool, what does not fit is refused and counted.
    const small = await FleetPublisher.open({
      servers: 'nats://127.0.0.1:1',
      spoolDir: join(dir, 'small'),
      spoolMaxBytes: 16 * 1024,
      spoolSegmentBytes: 4096,
      node: 'node-a',
    });
    try {
      let kept = 0;
      for (let i = 0; i < 200; i++) if (small.publishFinding(finding(`g-${i}`, w))) kept++;
      const s = small.stats();
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(200);
      expect(s.refused).toBe(200 - kept);
      expect(s.refusedByKind.finding).toBe(200 - kept);
      expect(s.enqueued.finding).toBe(kept);
      expect(s.spool.bytes).toBeLessThanOrEqual(16 * 1024);
    } finally {
      await small.close();
    }
  }, 240_000);
});
