import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  captureCoverage,
  type Finding,
  type Incident,
  readCapture,
  SqliteBaselineStore,
  severityRank,
} from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonLinesSink, NodeDaemon } from '../src/index.js';
import {
  FakeNode,
  heldBpfObjects,
  kubeletServer,
  liveSkipReason,
  readJsonLines,
  until,
} from './node-fixture.js';

const why = liveSkipReason();
if (why) console.warn(`skipping the live node daemon test: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-daemon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Learn quickly: a few seconds of a steady loop make a baseline stable.
const STABILITY = {
  minObservations: 40,
  minDurationSec: 3,
  maxDurationSec: 3600,
  windowObservations: 40,
  maxNoveltyRate: 0.05,
};
/** What the daemon's live sensor can show, with payloads off. */
const SYSCALLS_ONLY = { families: ['syscalls'], payloadModes: ['off'] };
const LOOP = 'while :; do cat /etc/hostname > /dev/null; sleep 0.1; done';

describe.skipIf(why !== undefined)('vigil daemon on a live node', () => {
  it('learns one baseline from two replicas, then reports an attack in one with that replica’s context', async () => {
    const node = new FakeNode('daemon-node', 2);
    const kubelet = await kubeletServer(() => node.podList('node-a'), 'tok');
    const out = join(dir, 'daemon.jsonl');
    const storePath = join(dir, 'baselines.db');
    const before = heldBpfObjects();
    const daemon = new NodeDaemon({
      node: 'node-a',
      store: storePath,
      sink: new JsonLinesSink(out, { node: 'node-a' }),
      cgroupRoot: node.root,
      pods: { url: kubelet.url, token: 'tok' },
      stability: STABILITY,
      discoveryIntervalMs: 100,
      reportIntervalMs: 500,
      capture: { dir: join(dir, 'captures'), maxFileBytes: 64 * 1024, maxTotalBytes: 256 * 1024 },
    });
    const errors: string[] = [];
    daemon.on('error', (e) => errors.push(e.message));
    const added: string[] = [];
    daemon.on('workload', (change, c) => change === 'added' && added.push(c.path));
    try {
      await daemon.start();
      await until(() => added.length === 2, 'discovery of both replicas');
      const [r1, r2] = node.replicas as [(typeof node.replicas)[0], (typeof node.replicas)[0]];
      node.run(r1, LOOP);
      node.run(r2, LOOP);

      // One identity for both replicas: one baseline, stable, stored and sent.
      await until(() => daemon.baselines().some((b) => b.status === 'stable'), 'a stable baseline', 90_000);
      const baselines = daemon.baselines();
      expect(baselines.map((b) => `${b.subject} @ ${b.versionKey}`)).toEqual([
        'k8s:ai/agent/agent @ ghcr.io/acme/agent:1.4',
      ]);
      const learned = baselines[0]!;
      // What the live sensor could show, recorded as `vigil learn` records a capture's: syscalls, no payloads.
      expect(learned.coverage()).toEqual(SYSCALLS_ONLY);
      // Both replicas fed it.
      expect([...learned.workloads].sort()).toEqual(
        [r1, r2].map((r) => `k8s:${r.podUid}/${r.containerId.slice(0, 12)}`).sort(),
      );
      await until(() => readJsonLines(out).some((l) => l['type'] === 'baseline'), 'the baseline sent');

      // The attack, in replica 1 only.
      node.run(r1, 'cat /etc/shadow > /dev/null; sh -c "id"');
      const attack = (f: Finding) =>
        f.workload.pod === r1.pod &&
        f.evidence.some((e) => JSON.stringify(e.event ?? '').includes('/etc/shadow'));
      await until(() => daemon.findings().some(attack), 'a finding about the attack', 60_000);
      const findings = daemon.findings().filter(attack);
      const f = findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0]!;
      expect(f.workload).toMatchObject({
        kind: 'kubernetes-pod',
        namespace: 'ai',
        pod: r1.pod,
        podUid: r1.podUid,
        container: 'agent',
        containerId: r1.containerId,
        image: 'ghcr.io/acme/agent:1.4',
        serviceAccount: 'agent',
      });
      expect(f.workload.labels).toMatchObject({
        'vigil.dev/owner-name': 'agent',
        'vigil.dev/node': 'node-a',
      });
      expect(['high', 'critical']).toContain(f.severity);
      // Drift against the learned baseline, not only a rule that needs none.
      expect(findings.some((x) => x.category === 'drift' && x.severity === 'critical')).toBe(true);
      // Nothing about replica 2.
      expect(daemon.findings().filter((x) => x.workload.pod === r2.pod && x.severity !== 'info')).toEqual([]);
    } finally {
      await daemon.stop();
      await kubelet.close();
      await node.remove();
    }

    // Clean shutdown: no BPF program, link or map of the daemon is left open in this process.
    expect(heldBpfObjects()).toEqual(before);
    expect(errors).toEqual([]);

    // What was sent: the finding with the replica's context, the baseline, and the store agrees.
    const lines = readJsonLines(out);
    const sentFindings = lines.filter((l) => l['type'] === 'finding').map((l) => l['finding'] as Finding);
    expect(sentFindings.some((x) => x.workload.pod === node.replicas[0]!.pod && x.category === 'drift')).toBe(
      true,
    );
    expect(new Set(sentFindings.map((x) => x.id)).size).toBe(sentFindings.length);
    expect(lines.every((l) => l['node'] === 'node-a')).toBe(true);
    // The attack's findings share a process tree: one incident, sent with the replica's context.
    const incidents = lines.filter((l) => l['type'] === 'incident').map((l) => l['incident'] as Incident);
    expect(incidents.some((i) => i.workload.pod === node.replicas[0]!.pod && i.findings.length >= 2)).toBe(
      true,
    );
    await using store = await SqliteBaselineStore.open(storePath, { readonly: true });
    const stored = await store.list();
    expect(stored.map((s) => [s.subject, s.status])).toEqual([['k8s:ai/agent/agent', 'stable']]);
    expect((await store.loadSet()).baselines().map((b) => b.coverage())).toEqual([
      { families: ['syscalls'], payloadModes: ['off'] },
    ]);

    // The local captures are readable and under their cap.
    const stats = daemon.stats();
    expect(stats.events).toBeGreaterThan(0);
    const { RotatingCapture } = await import('../src/index.js');
    const files = new RotatingCapture({
      dir: join(dir, 'captures'),
      maxFileBytes: 64 * 1024,
      maxTotalBytes: 256 * 1024,
    }).files();
    expect(files.length).toBeGreaterThan(0);
    const last = await readCapture(files.at(-1)!);
    expect(last.events.length).toBeGreaterThan(0);
    // Their headers say what the learner's coverage says: syscalls, payloads off.
    expect(captureCoverage(last.header)).toEqual(SYSCALLS_ONLY);
  }, 240_000);
});
