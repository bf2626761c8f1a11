import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baseline, MemoryBaselineStore } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { FleetHub, FleetPublisher, FleetView, NodeDaemon } from '../src/index.js';
import { NatsCluster, natsUnavailable } from './helpers/nats.js';
import { FakeNode, kubeletServer, liveSkipReason } from './node-fixture.js';

const why = liveSkipReason() ?? natsUnavailable();
if (why) console.warn(`skipping the two-daemon fleet test: ${why}`);

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-daemon-fleet-'));
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
const ATTACK = 'cat /etc/shadow > /dev/null';

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(why !== undefined)('two node daemons publishing to a fleet hub over NATS JetStream', () => {
  it('the hub’s baseline is the merge of the nodes’ baselines; an attack is one fleet finding with each node that saw it', async () => {
    const nats = await NatsCluster.start(1);
    const hub = await FleetHub.start({ servers: nats.urls, partitions: 4 });
    const view = await FleetView.open({ servers: nats.urls });
    const nodes = ['node-a', 'node-b'].map((name) => ({ name, tree: new FakeNode(`fleet-${name}`, 1) }));
    const kubelets = await Promise.all(nodes.map((n) => kubeletServer(() => n.tree.podList(n.name), 't')));
    const daemons: NodeDaemon[] = [];
    const errors: string[] = [];
    try {
      for (const [i, n] of nodes.entries()) {
        const publisher = await FleetPublisher.open({
          servers: nats.urls,
          spoolDir: tempDir(),
          node: n.name,
          partitions: 4,
        });
        const d = new NodeDaemon({
          node: n.name,
          store: new MemoryBaselineStore(),
          sink: publisher,
          cgroupRoot: n.tree.root,
          pods: { url: kubelets[i]!.url, token: 't' },
          stability: STABILITY,
          discoveryIntervalMs: 100,
          reportIntervalMs: 500,
        });
        d.on('error', (e) => errors.push(`${n.name}: ${e.message}`));
        await d.start();
        daemons.push(d);
        n.tree.run(n.tree.replicas[0]!, LOOP);
      }
      const [a, b] = daemons as [NodeDaemon, NodeDaemon];
      await until('both local baselines stable', () =>
        daemons.every((d) => d.baselines().length === 1 && d.baselines()[0]!.status === 'stable'),
      );
      // Frozen once stable: the local baselines no longer change; the fleet's must equal their merge.
      const expected = Baseline.merge(a.baselines()[0]!, b.baselines()[0]!);
      await until('the hub to merge both nodes', async () => {
        const rec = (await view.baselineRecords()).find((r) => r.subject === 'k8s:ai/agent/agent');
        return rec !== undefined && rec.version === expected.version;
      });
      const rec = (await view.baselineRecords()).find((r) => r.subject === 'k8s:ai/agent/agent')!;
      expect([...rec.nodes].sort()).toEqual(['node-a', 'node-b']);
      expect(rec.versionKey).toBe('ghcr.io/acme/agent:1.4');
      expect(Baseline.fromDocument(rec.baseline).version).toBe(expected.version);

      // The attack in node-a's replica: one fleet finding, seen by node-a, with the replica's context.
      const credentialRead = async () =>
        (await view.findings()).filter((f) => f.finding.ruleId === 'vigil.drift.file.credential-read');
      nodes[0]!.tree.run(nodes[0]!.tree.replicas[0]!, ATTACK);
      await until('the attack at the hub', async () => (await credentialRead()).length > 0);
      let found = await credentialRead();
      expect(found).toHaveLength(1);
      expect(found[0]!.sightings.map((s) => s.node)).toEqual(['node-a']);
      expect(found[0]!.sightings[0]!.workload).toMatchObject({
        namespace: 'ai',
        pod: nodes[0]!.tree.replicas[0]!.pod,
        container: 'agent',
      });

      // The same attack in node-b's replica is the same finding: still one, now with both nodes.
      nodes[1]!.tree.run(nodes[1]!.tree.replicas[0]!, ATTACK);
      await until('node-b’s sighting', async () =>
        (await credentialRead()).some((f) => f.sightings.some((s) => s.node === 'node-b')),
      );
      found = await credentialRead();
      expect(found).toHaveLength(1);
      expect(found[0]!.sightings.map((s) => s.node).sort()).toEqual(['node-a', 'node-b']);
      expect(found[0]!.sightings.map((s) => s.workload.pod).sort()).toEqual(
        nodes.map((n) => n.tree.replicas[0]!.pod).sort(),
      );
      expect(errors).toEqual([]);
    } finally {
      for (const d of daemons) await d.stop();
      for (const k of kubelets) await k.close();
      for (const n of nodes) await n.tree.remove();
      await view.close();
      await hub.close();
      await nats.close();
    }
  }, 300_000);
});
