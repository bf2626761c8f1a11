import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Finding, VigilEvent, WorkloadRef } from '@vigil/core';
import { capturePrivileges, Sensor, WorkloadCgroup } from '@vigil/ebpf-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiChainsPack, MemoryBaselineView, RuleEngine } from '../src/index.js';

const SCRIPT = resolve(import.meta.dirname, 'fixtures/scripted-agent.mjs');

function whyNotLive(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel without BTF';
  if (!capturePrivileges().sufficient) return 'not root and no CAP_BPF + CAP_PERFMON';
  return undefined;
}
const why = whyNotLive();
if (why) console.warn(`skipping live attack-chain tests: ${why}`);

interface Live {
  dir: string;
  cg: WorkloadCgroup;
  sensor: Sensor;
  events: VigilEvent[];
  pump: Promise<void>;
  modelApi: Server;
  exfil: Server;
  modelPort: number;
  exfilPort: number;
  exfilHost: string;
}
let live: Live | undefined;
let learned: MemoryBaselineView | undefined;
let workload: WorkloadRef | undefined;

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((r) => server.listen(0, host, r));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return a.port;
}

/** The first non-loopback IPv4 address of this machine: an exfiltration peer that is not localhost. */
async function outsideAddress(): Promise<string> {
  const { networkInterfaces } = await import('node:os');
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.2';
}

/** Runs the scripted agent in the workload's cgroup and returns what the sensor captured of that run. */
async function run(mode: string): Promise<VigilEvent[]> {
  const l = live!;
  const from = l.events.length;
  const child = l.cg.spawn(
    process.execPath,
    [SCRIPT, mode, l.dir, String(l.modelPort), l.exfilHost, String(l.exfilPort)],
    {
      stdio: 'ignore',
    },
  );
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  expect(code).toBe(0);
  await l.sensor.flush();
  // The agent's own exit is the last thing it does; wait until the pump has delivered it.
  const deadline = Date.now() + 5000;
  while (
    Date.now() < deadline &&
    !l.events.slice(from).some((e) => e.kind === 'process.exit' && e.pid === child.pid)
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const events = l.events.slice(from);
  expect(events.length).toBeGreaterThan(0);
  workload ??= events[0]!.workload;
  return events;
}

/** An event from an audit-log or MCP-proxy source for the same workload, placed right after `after`. */
function ingested<T extends Record<string, unknown>>(after: VigilEvent, fields: T): VigilEvent {
  return {
    ts: after.ts + 1,
    workload: after.workload,
    pid: 0,
    ppid: 0,
    comm: '',
    exe: '',
    source: fields['kind'] === 'tool.call' ? 'mcp-proxy' : 'cloudtrail',
    ...fields,
  } as unknown as VigilEvent;
}

function firstExecOfAgent(events: VigilEvent[]): VigilEvent {
  const e = events.find((x) => x.kind === 'process.exec' && x.filename === process.execPath);
  expect(e, 'the agent exec was captured').toBeDefined();
  return e!;
}

function check(events: VigilEvent[]): Finding[] {
  const engine = new RuleEngine({ packs: [aiChainsPack], baseline: learned!, rateLimit: false });
  const found = engine.process([...events].sort((a, b) => a.ts - b.ts));
  expect(engine.stats().ruleErrors).toBe(0);
  return found;
}

beforeAll(async () => {
  if (why) return;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-chains-'));
  for (const d of ['kb', 'models', 'home/.aws']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'kb/faq.md'), '# FAQ\n');
  writeFileSync(join(dir, 'models/model.safetensors'), Buffer.alloc(64));
  writeFileSync(join(dir, 'models/evil.pkl'), Buffer.from('80049500', 'hex'));
  writeFileSync(join(dir, 'home/.aws/credentials'), '[default]\naws_access_key_id = AKIAEXAMPLE\n');
  const modelApi = createServer((s) => s.resume().on('end', () => s.end()));
  const exfil = createServer((s) => s.resume().on('end', () => s.end()));
  const exfilHost = await outsideAddress();
  const modelPort = await listen(modelApi, '127.0.0.1');
  const exfilPort = await listen(exfil, '0.0.0.0');
  const cg = WorkloadCgroup.create();
  const sensor = await Sensor.open({ cgroups: [cg.dir] });
  const events: VigilEvent[] = [];
  const pump = (async () => {
    for await (const batch of sensor) events.push(...batch);
  })();
  live = { dir, cg, sensor, events, pump, modelApi, exfil, modelPort, exfilPort, exfilHost };
  // Learning: the agent's benign work, twice, plus the tool and cloud calls its other sources report.
  const learning = [...(await run('benign')), ...(await run('benign'))];
  const agent = firstExecOfAgent(learning);
  learning.push(
    ingested(agent, { kind: 'tool.call', server: 'kb', tool: 'search', status: 'ok' }),
    ingested(agent, {
      kind: 'cloud.api',
      provider: 'aws',
      service: 's3',
      action: 'ListBucket',
      resources: [],
      principal: 'role/agent',
    }),
  );
  learned = MemoryBaselineView.fromEvents(learning);
}, 120_000);

afterAll(async () => {
  if (!live) return;
  await live.sensor.close();
  await live.pump;
  await live.cg.remove();
  live.modelApi.close();
  live.exfil.close();
  rmSync(live.dir, { recursive: true, force: true });
});

describe.skipIf(why !== undefined)(
  'AI attack chains on live capture (real process tree in a real cgroup, eBPF sensor)',
  () => {
    it('the benign agent fires no chain (with its tool call and cloud call)', async () => {
      const events = await run('benign');
      const agent = firstExecOfAgent(events);
      events.push(ingested(agent, { kind: 'tool.call', server: 'kb', tool: 'search', status: 'ok' }));
      events.push(
        ingested(agent, {
          kind: 'cloud.api',
          provider: 'aws',
          service: 's3',
          action: 'ListBucket',
          resources: [],
          principal: 'role/agent',
        }),
      );
      expect(check(events)).toEqual([]);
    });

    it('agent escape: a shell tool that unshares fires vigil.ai.agent-escape once (all steps live)', async () => {
      const found = check(await run('escape'));
      expect(found.map((f) => f.ruleId)).toEqual(['vigil.ai.agent-escape']);
      const [spawned, escaped] = found[0]!.evidence.filter((e) => e.type === 'event').map((e) => e.event!);
      expect(spawned!.kind).toBe('process.exec');
      expect(escaped!.kind).toBe('ns.change');
      expect(found[0]!.workload.id).toBe(workload!.id);
      expect(found[0]!.tags.atlas).toContain('AML.T0050');
    });

    it('supply chain: a pickled model then a new process fires vigil.ai.supply-chain once (all steps live)', async () => {
      const found = check(await run('supply'));
      expect(found.map((f) => f.ruleId)).toEqual(['vigil.ai.supply-chain']);
      const [load, act] = found[0]!.evidence.filter((e) => e.type === 'event').map((e) => e.event!);
      expect(load!.kind === 'file.open' && load!.path.endsWith('/models/evil.pkl')).toBe(true);
      expect(act!.kind === 'process.exec' && act!.filename === '/usr/bin/id').toBe(true);
    });

    it('injection → exfiltration: tool output (MCP proxy) then live credential read and live send fires once', async () => {
      const events = await run('exfil');
      events.push(
        ingested(firstExecOfAgent(events), {
          kind: 'tool.call',
          server: 'web',
          tool: 'fetch_url',
          status: 'ok',
        }),
      );
      const found = check(events);
      expect(found.map((f) => f.ruleId)).toEqual(['vigil.ai.injection-tool-exfiltration']);
      const [ingest, touch, send] = found[0]!.evidence.filter((e) => e.type === 'event').map((e) => e.event!);
      expect(ingest!.kind).toBe('tool.call');
      expect(touch!.kind === 'file.open' && touch!.path.endsWith('/.aws/credentials')).toBe(true);
      expect(send!.kind === 'net.connect' && send!.dport === live!.exfilPort).toBe(true);
    });

    it('privilege traversal: live credential read then a cloud call outside the baseline (CloudTrail) fires once', async () => {
      const events = await run('escalate');
      const read = events.find((e) => e.kind === 'file.open' && e.path.endsWith('/.aws/credentials'));
      expect(read, 'the credential read was captured').toBeDefined();
      events.push(
        ingested(read!, {
          kind: 'cloud.api',
          provider: 'aws',
          service: 'iam',
          action: 'CreateAccessKey',
          resources: [],
          principal: 'role/agent',
        }),
      );
      const found = check(events);
      expect(found.map((f) => f.ruleId)).toEqual(['vigil.ai.privilege-traversal']);
    });
  },
);
