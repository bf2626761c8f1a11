import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analyseGap,
  defaultBaselineKey,
  mergeObservedUse,
  ObservedUseAccumulator,
  type ObservedUseDocument,
  type VigilEvent,
  type WorkloadRef,
} from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { OtlpHttpExporter } from '../../reporters/src/index.js';
import { OtlpCollector } from '../../reporters/test/helpers/otlp-collector.js';
import { FleetHub, FleetPublisher, FleetView } from '../src/index.js';
import { finding, replica } from './helpers/fixtures.js';
import { NatsCluster, natsUnavailable } from './helpers/nats.js';

const why = natsUnavailable();
if (why) console.warn(`skipping the fleet OTLP and gap tests: ${why}`);

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-fleet-otlp-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const T0 = 1_764_000_000_000_000_000;
function call(w: WorkloadRef, i: number, kind: 'tool.call' | 'model.call', name: string): VigilEvent {
  const base = {
    ts: T0 + i * 1_000_000,
    workload: w,
    pid: 7,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'synthetic' as const,
  };
  return kind === 'tool.call'
    ? { ...base, kind, server: 'files', tool: name, status: 'ok' }
    : { ...base, kind, provider: 'openai', model: name, operation: 'chat' };
}

function observed(events: readonly VigilEvent[]): ObservedUseDocument {
  const acc = new ObservedUseAccumulator();
  for (const e of events) acc.add(e);
  return acc.result();
}

describe.skipIf(why !== undefined)('the fleet hub over OTLP, and gap analysis across the fleet', () => {
  it('the hub sends each fleet finding once as an OTLP log record and sampled calls as GenAI spans', async () => {
    const nats = await NatsCluster.start(1);
    const collector = await OtlpCollector.start();
    const hub = await FleetHub.start({
      servers: nats.urls,
      partitions: 4,
      otlp: new OtlpHttpExporter({ url: collector.url }),
      otlpIntervalMs: 100,
    });
    const open = (node: string) =>
      FleetPublisher.open({
        servers: nats.urls,
        spoolDir: tempDir(),
        node,
        partitions: 4,
        events: { sampleRate: 1 },
      });
    const [a, b] = await Promise.all([open('node-a'), open('node-b')]);
    try {
      const wa = replica('node-a', 0);
      const wb = replica('node-b', 0);
      // The same attack on two nodes is one fleet finding: one log record, not two.
      a.publishFinding(finding('f-shared', wa));
      b.publishFinding(finding('f-shared', wb));
      a.publishFinding(finding('f-only-a', wa));
      a.publishEvents([call(wa, 1, 'tool.call', 'read_file'), call(wa, 2, 'model.call', 'gpt-4o-mini')]);
      await Promise.all([a.flush(), b.flush()]);
      await until('the hub to handle every message', () => hub.stats().messages >= 4);
      await until('the collector to get both findings', () => collector.logRecords().length >= 2);
      await until('the collector to get both spans', () => collector.spanNames().length >= 2);
      // A second look after another export interval: nothing more arrives.
      await new Promise((r) => setTimeout(r, 500));
      const records = collector.logRecords();
      expect(records.map((r) => r.attributes['vigil.finding.id']).sort()).toEqual(['f-only-a', 'f-shared']);
      expect(collector.spanNames().sort()).toEqual(['chat gpt-4o-mini', 'execute_tool read_file']);
      expect(hub.stats().otlp).toMatchObject({ findings: 2, events: 2, dropped: 0, failures: 0 });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await hub.close();
      await collector.close();
      await nats.close();
    }
  }, 180_000);

  it('`FleetView.gap` is core’s gap analysis over every node’s observed use, merged', async () => {
    const nats = await NatsCluster.start(1);
    const hub = await FleetHub.start({ servers: nats.urls, partitions: 4 });
    const dir = tempDir();
    const mcp = join(dir, 'claude_desktop_config.json');
    writeFileSync(
      mcp,
      JSON.stringify({ mcpServers: { files: { command: 'npx', args: ['-y', 'server-fs', '/data'] } } }),
    );
    const open = (node: string) =>
      FleetPublisher.open({ servers: nats.urls, spoolDir: tempDir(), node, partitions: 4 });
    const [a, b] = await Promise.all([open('node-a'), open('node-b')]);
    const view = await FleetView.open({ servers: nats.urls });
    try {
      const wa = replica('node-a', 0);
      const wb = replica('node-b', 0);
      const key = defaultBaselineKey(wa).subject;
      // Each node saw its replica use a different model and tool.
      const docA = observed([
        call(wa, 1, 'tool.call', 'read_file'),
        call(wa, 2, 'model.call', 'gpt-4o-mini'),
      ]);
      const docB = observed([call(wb, 3, 'tool.call', 'write_file'), call(wb, 4, 'model.call', 'gpt-4o')]);
      a.publishGap({ workloadKey: key, observed: docA });
      b.publishGap({ workloadKey: key, observed: docB });
      await Promise.all([a.flush(), b.flush()]);
      await until('both observations at the hub', () => hub.stats().byKind.gap >= 2);
      const bindings = { '*': 'mcp:claude_desktop_config' };
      const fleet = await view.gap({ declared: [mcp], bindings });
      const expected = await analyseGap({
        declared: [mcp],
        bindings,
        observedUse: [mergeObservedUse([docA, docB])],
      });
      const onlyA = await analyseGap({ declared: [mcp], bindings, observedUse: [docA] });
      expect(fleet.observed.uses).toEqual(expected.observed.uses);
      expect(fleet.report).toEqual(expected.report);
      expect(fleet.ranking.findings.map((f) => f.id)).toEqual(expected.ranking.findings.map((f) => f.id));
      // Both nodes' use counts: more is observed than on node-a alone.
      expect(fleet.observed.uses.length).toBeGreaterThan(onlyA.observed.uses.length);
      expect(fleet.report.totals.granted).toBeGreaterThan(0);
    } finally {
      await view.close();
      await Promise.all([a.close(), b.close()]);
      await hub.close();
      await nats.close();
    }
  }, 180_000);
});
