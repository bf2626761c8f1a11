import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type Baseline, defaultBaselineKey } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_STREAM, FleetHub, FleetPublisher, FleetView } from '../src/index.js';
import { finding, learnReplica, replica } from './helpers/fixtures.js';
import { NatsCluster, natsUnavailable } from './helpers/nats.js';

const why = natsUnavailable();
if (why) console.warn(`skipping the fleet cluster test: ${why}`);

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(why !== undefined)('fleet over a 3-node JetStream cluster (R3)', () => {
  let nats: NatsCluster;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-fleet-cluster-'));
    nats = await NatsCluster.start(3);
  }, 180_000);
  afterAll(async () => {
    await nats?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('loses and double-counts nothing when the stream leader is killed, a publisher and the hub restart mid-stream', async () => {
    const streams = { replicas: 3 };
    let hub = await FleetHub.start({ servers: nats.urls, partitions: 4, streams });
    const open = (node: string) =>
      FleetPublisher.open({
        servers: nats.urls,
        spoolDir: join(dir, node),
        node,
        partitions: 4,
        ensureStreams: streams,
      });
    let pa = await open('node-a');
    const pb = await open('node-b');
    const wa = replica('node-a', 0);
    const wb = replica('node-b', 1);
    const key = defaultBaselineKey(wa);
    const nc = await connect({ servers: nats.urls });
    const jsm = await jetstreamManager(nc);
    const N = 300;
    const published: Baseline[] = [];
    let killed: (typeof nats.nodes)[number] | undefined;
    try {
      for (let i = 0; i < N; i++) {
        const onA = i % 2 === 0;
        (onA ? pa : pb).publishFinding(finding(`f-${i}`, onA ? wa : wb));
        if (i % 30 === 0) {
          // Each node's baseline grows as it learns; each snapshot is a delta the hub merges.
          const b = onA ? learnReplica('node-a', wa, 60 + i, 0) : learnReplica('node-b', wb, 60 + i, 1);
          published.push(b);
          (onA ? pa : pb).publishBaseline(key.subject, b);
        }
        if (i === 90) {
          const leader = (await jsm.streams.info(FLEET_STREAM)).cluster?.leader;
          killed = nats.nodes.find((n) => n.name === leader) ?? nats.nodes[1]!;
          await killed.kill();
        }
        if (i === 150) {
          // The node's daemon restarts: what its spool holds unacknowledged goes out again.
          await pa.close();
          pa = await open('node-a');
        }
        if (i === 180) {
          await hub.close();
          hub = await FleetHub.start({ servers: nats.urls, partitions: 4, streams });
        }
        if (i === 220) await killed!.start();
        await new Promise((r) => setTimeout(r, 15));
      }
      await Promise.all([pa.flush({ timeoutMs: 180_000 }), pb.flush({ timeoutMs: 180_000 })]);
      expect(pa.stats().refused + pb.stats().refused).toBe(0);

      const view = await FleetView.open({ servers: nats.urls });
      try {
        await until('the hub to hold every finding', async () => (await view.findings()).length === N);
        const findings = await view.findings();
        expect(new Set(findings.map((f) => f.finding.id)).size).toBe(N);
        for (const f of findings) {
          // One sighting, counted once: redeliveries and re-sends are not counted again.
          expect(f.sightings).toHaveLength(1);
          expect(f.sightings[0]!.count).toBe(1);
          const i = Number(f.finding.id.slice(2));
          expect(f.sightings[0]!.node).toBe(i % 2 === 0 ? 'node-a' : 'node-b');
        }
        const expected = published.reduce(
          (acc, b) => {
            acc.joinFrom(b);
            return acc;
          },
          learnReplica('node-a', wa, 60, 0),
        );
        await until('the hub to merge every baseline delta', async () => {
          const set = await view.baselines();
          return set.get(key.subject, key.versionKey)?.version === expected.version;
        });
        const merged = (await view.baselines()).get(key.subject, key.versionKey)!;
        expect(merged.toDocument()).toEqual(expected.toDocument());
        // JetStream kept each message once: the re-sent ones were dropped by their message id.
        const info = await jsm.streams.info(FLEET_STREAM);
        expect(info.state.messages).toBe(N + published.length);
        expect(info.config.num_replicas).toBe(3);
      } finally {
        await view.close();
      }
    } finally {
      await Promise.all([pa.close(), pb.close(), hub.close()]);
      await nc.close();
    }
  }, 600_000);
});
