/**
 * Events per second through the rule engine with every built-in pack, on one
 * core (the engine is synchronous: one JavaScript thread does all the work).
 *
 *   npx tsx bench/rules/engine.bench.ts [events] [runs]
 *
 * Pin to one CPU for steadier numbers: taskset -c 0 npx tsx bench/rules/engine.bench.ts
 */
import { spawnSync } from 'node:child_process';
import type { VigilEvent, WorkloadRef } from '../../packages/core/src/index.js';
import type { RuleEngineOptions } from '../../packages/rules/src/index.js';

// Workspace sources resolve through the "@vigil/source" export condition; re-run under it when missing.
if (!process.execArgv.some((a) => a.includes('@vigil/source'))) {
  const r = spawnSync(
    process.execPath,
    ['--conditions=@vigil/source', '--import', 'tsx', ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(r.status ?? 1);
}
const { builtinPacks, MemoryBaselineView, RuleEngine } = await import('../../packages/rules/src/index.js');
const { EventSchema } = await import('../../packages/core/src/index.js');

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const FILES = [
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/usr/lib/python3.11/json/__init__.py',
  '/app/agent/config.json',
  '/app/agent/prompts/system.txt',
  '/data/kb/faq.md',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/proc/self/status',
  '/sys/fs/cgroup/memory.max',
  '/tmp/cache/chunk.bin',
];
const PEERS: [string, number, string | undefined][] = [
  ['10.0.0.5', 443, 'api.openai.com'],
  ['10.0.0.6', 6379, 'redis.svc'],
  ['10.0.0.7', 5432, 'pg.svc'],
  ['10.0.0.8', 443, 'qdrant.svc'],
  ['127.0.0.1', 8080, undefined],
];
const EXES = ['/usr/bin/node', '/usr/bin/python3', '/bin/sh', '/usr/bin/git', '/usr/bin/ls'];

/** A realistic mix of an agent fleet: mostly file opens and connects, some execs, tool and model calls. */
function makeEvents(n: number, seed: number): VigilEvent[] {
  const rand = rng(seed);
  const workloads: WorkloadRef[] = Array.from({ length: 64 }, (_, i) => ({
    id: `k8s:pod:agent-${i}/container:agent`,
    kind: 'kubernetes-pod',
    name: `agent-${i}`,
    namespace: 'ml',
    labels: {},
  }));
  const out: VigilEvent[] = new Array(n);
  let ts = 1.8e18;
  for (let i = 0; i < n; i++) {
    ts += 2000;
    const w = (rand() * workloads.length) | 0;
    const workload = workloads[w]!;
    const pid = 1000 + w * 100 + ((rand() * 20) | 0);
    const env = {
      ts,
      workload,
      pid,
      ppid: 1000 + w * 100,
      comm: 'node',
      exe: '/usr/bin/node',
      source: 'ebpf' as const,
    };
    const r = rand();
    if (r < 0.5) {
      const path = FILES[(rand() * FILES.length) | 0]!;
      out[i] = { ...env, kind: 'file.open', path, flags: 0, access: 'read', result: 3 };
    } else if (r < 0.65) {
      const [daddr, dport, dnsName] = PEERS[(rand() * PEERS.length) | 0]!;
      out[i] = {
        ...env,
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr,
        dport,
        result: 0,
        ...(dnsName ? { dnsName } : {}),
      };
    } else if (r < 0.72) {
      out[i] = { ...env, kind: 'dns.query', name: PEERS[(rand() * 4) | 0]![2]!, qtype: 'A' };
    } else if (r < 0.78) {
      const filename = EXES[(rand() * EXES.length) | 0]!;
      out[i] = { ...env, kind: 'process.exec', filename, argv: [filename, '-c', 'true'] };
    } else if (r < 0.82) {
      out[i] = { ...env, kind: 'process.fork', childPid: pid + 1 };
    } else if (r < 0.86) {
      out[i] = { ...env, kind: 'process.exit', exitCode: 0 };
    } else if (r < 0.92) {
      out[i] = { ...env, kind: 'tool.call', server: 'fs', tool: 'read_file', status: 'ok' };
    } else if (r < 0.97) {
      out[i] = { ...env, kind: 'model.call', provider: 'openai', model: 'gpt-4o' };
    } else if (r < 0.99) {
      out[i] = { ...env, kind: 'retrieval', dataSource: 'kb', documents: 4 };
    } else {
      out[i] = {
        ...env,
        pid: 0,
        ppid: 0,
        kind: 'k8s.api',
        verb: 'get',
        resource: 'configmaps',
        user: 'system:serviceaccount:ml:agent',
      };
    }
  }
  // Validate through the event schema, as sources do: the objects then have the shapes real events have
  // (hand-built spread literals are dictionary-mode objects and make every property read several times slower).
  return out.map((e) => EventSchema.parse(e));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function measure(
  label: string,
  events: VigilEvent[],
  options: Omit<RuleEngineOptions, 'packs'> & { packs?: RuleEngineOptions['packs'] },
) {
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let findings = 0;
  let invocations = 0;
  const batches: VigilEvent[][] = [];
  for (let i = 0; i < events.length; i += 1024) batches.push(events.slice(i, i + 1024));
  for (let run = 0; run < RUNS + 1; run++) {
    const engine = new RuleEngine({ packs: builtinPacks(), ...options });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const b of batches) engine.process(b);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    // run 0 warms the JIT
    if (run > 0) {
      rates.push(events.length / secs);
      cpuRates.push(events.length / ((cpu.user + cpu.system) / 1e6));
    }
    findings = engine.stats().findings;
    invocations = engine.stats().invocations;
  }
  return {
    label,
    rate: median(rates),
    cpuRate: median(cpuRates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    findings,
    invocations,
  };
}

const learning = makeEvents(200_000, 1);
const events = makeEvents(EVENTS, 2);
const baseline = MemoryBaselineView.fromEvents(learning);
const rules = builtinPacks().flatMap((p) => p.rules).length;

const rows = [
  measure('no rules (engine floor)', events, { packs: [] }),
  measure(`built-in packs, no baseline`, events, {}),
  measure(`built-in packs + baseline (all ${rules} rules)`, events, { baseline }),
];
const floor = rows[0]!.cpuRate;
const fmt = (n: number) => Math.round(n).toLocaleString('en');
console.log(
  `\nrule engine throughput — ${EVENTS.toLocaleString('en')} events, median of ${RUNS} runs, one thread, Node ${process.version}\n`,
);
console.log(
  '| configuration | events/s wall (median) | wall min–max | events per CPU-second | vs floor (CPU) | rule invocations/event | findings |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.label} | ${fmt(r.rate)} | ${fmt(r.min)}–${fmt(r.max)} | ${fmt(r.cpuRate)} | ${(r.cpuRate / floor).toFixed(2)} | ${(r.invocations / EVENTS).toFixed(2)} | ${r.findings} |`,
  );
}
console.log(
  '\nEvents per CPU-second divides by the process CPU time (user + system, all threads, GC included): steadier than wall time on a shared machine.',
);
