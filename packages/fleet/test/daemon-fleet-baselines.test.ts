import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Finding, MemoryBaselineStore } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { OtlpHttpExporter } from '../../reporters/src/index.js';
import { OtlpCollector } from '../../reporters/test/helpers/otlp-collector.js';
import { FleetBaselineWatcher, FleetHub, FleetPublisher, NodeDaemon } from '../src/index.js';
import { NatsCluster, natsUnavailable } from './helpers/nats.js';
import { FakeNode, kubeletServer, liveSkipReason } from './node-fixture.js';

const why = liveSkipReason() ?? natsUnavailable();
if (why) console.warn(`skipping the fleet-baseline daemon test: ${why}`);

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-daemon-fleet-baselines-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const STABILITY = {
  minObservations: 40,
  minDurationSec: 3,
  maxDurationSec: 3600,
  windowObservations: 40,
  maxNoveltyRate: 0.05,
};
const LOOP = 'while :; do cat /etc/hostname > /dev/null; sleep 0.1; done';
// A program the workload never ran anywhere in the fleet.
const NOVELTY = 'sleep 1; /usr/bin/od -c /etc/hostname > /dev/null';
const SUBJECT = 'k8s:ai/agent/agent';

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const fleetEvidence = (f: Finding) =>
  f.evidence.some(
    (e) => e.type === 'baseline' && e.description.startsWith("checked against the fleet's stable baseline"),
  );

describe.skipIf(why !== undefined)('a node daemon checks against the fleet’s stable baselines', () => {
  it('a workload new on node B, stable across the fleet, is checked on B: a novelty is drift there, sent over OTLP too', async () => {
    const nats = await NatsCluster.start(1);
    const hub = await FleetHub.start({ servers: nats.urls, partitions: 4 });
    const collector = await OtlpCollector.start();
    const nodes = ['node-a', 'node-b'].map((name) => ({ name, tree: new FakeNode(`fb-${name}`, 1) }));
    const kubelets = await Promise.all(nodes.map((n) => kubeletServer(() => n.tree.podList(n.name), 't')));
    const daemons: NodeDaemon[] = [];
    const errors: string[] = [];
    let watcher: FleetBaselineWatcher | undefined;
    const daemon = async (i: number, extra: Partial<ConstructorParameters<typeof NodeDaemon>[0]>) => {
      const n = nodes[i]!;
      const d = new NodeDaemon({
        node: n.name,
        store: new MemoryBaselineStore(),
        sink: await FleetPublisher.open({
          servers: nats.urls,
          spoolDir: tempDir(),
          node: n.name,
          partitions: 4,
        }),
        cgroupRoot: n.tree.root,
        pods: { url: kubelets[i]!.url, token: 't' },
        stability: STABILITY,
        discoveryIntervalMs: 100,
        reportIntervalMs: 500,
        ...extra,
      });
      d.on('error', (e) => errors.push(`${n.name}: ${e.message}`));
      await d.start();
      daemons.push(d);
      return d;
    };
    try {
      // Node A learns the workload until its baseline is stable; the hub publishes it as the fleet's.
      const a = await daemon(0, {});
      nodes[0]!.tree.run(nodes[0]!.tree.replicas[0]!, LOOP);
      watcher = await FleetBaselineWatcher.start({ servers: nats.urls });
      await until('a stable fleet baseline', () =>
        watcher!.set.bySubject(SUBJECT).some((b) => b.status === 'stable'),
      );
      expect(a.baselines()[0]!.status).toBe('stable');

      // Node B has never run the workload: its own baseline of it is only starting to learn.
      const b = await daemon(1, {
        fleetBaselines: watcher,
        otlp: new OtlpHttpExporter({ url: collector.url }),
        otlpIntervalMs: 200,
      });
      const found: Finding[] = [];
      b.on('finding', (f) => found.push(f));
      nodes[1]!.tree.run(nodes[1]!.tree.replicas[0]!, LOOP);
      nodes[1]!.tree.run(nodes[1]!.tree.replicas[0]!, NOVELTY);
      await until('drift on node B', () => found.some((f) => f.category === 'drift' && fleetEvidence(f)));
      const drift = found.filter((f) => f.category === 'drift');
      const novelty = drift.find((f) => JSON.stringify(f.evidence).includes('/usr/bin/od'));
      expect(novelty, JSON.stringify(drift.map((f) => f.summary))).toBeDefined();
      expect(fleetEvidence(novelty!)).toBe(true);
      // What B learned itself is not stable: without the fleet's baseline nothing would have been checked.
      expect(b.baselines().find((x) => x.subject === SUBJECT)?.status).toBe('learning');
      // The file the routine loop reads, which the fleet already knows, is no drift on B.
      const fileDrift = drift.filter((f) => {
        const d = (f as Finding & { drift?: { domain?: string; display: string } }).drift;
        return d?.domain === 'files' && d.display.includes('hostname');
      });
      expect(fileDrift).toEqual([]);
      expect(b.stats().checkedAgainst.fleet).toBeGreaterThan(0);
      expect(b.stats().checkedAgainst.local).toBe(0);

      // The same finding went to the OTLP collector as a log record.
      await until('the finding at the collector', () =>
        collector.logRecords().some((r) => r.attributes['vigil.finding.id'] === novelty!.id),
      );
      expect(errors).toEqual([]);
    } finally {
      for (const d of daemons) await d.stop();
      await watcher?.close();
      for (const k of kubelets) await k.close();
      for (const n of nodes) await n.tree.remove();
      await collector.close();
      await hub.close();
      await nats.close();
    }
  }, 400_000);
});
