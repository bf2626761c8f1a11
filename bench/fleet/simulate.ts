/**
 * A fleet of N nodes × 20 workloads publishing into a 3-node JetStream cluster (R3 streams and
 * buckets) on this machine, and one hub consuming it.
 *
 *   node --conditions=@vigil/source --import tsx bench/fleet/simulate.ts \
 *     [NODES=100,1000] [RUNS=3] [SECONDS=20] [PROCESSES=4] [DRAIN_CAP_SECONDS=120]
 *
 * Each simulated node is a FleetPublisher (its own fsynced spool) in one of PROCESSES child
 * processes — never in the hub's process; the nodes of one process share its NATS connection (a
 * thousand connections would cost the servers more than the messages do on two CPUs). Per workload,
 * at the rates a daemon sends for an agent that is learning (see docs/performance/fleet.md for how
 * they follow from the lab's agents and the daemon's report cycle): a baseline delta every 60 s
 * (the node's whole baseline of the workload under its own origin; four behaviour variants, so the
 * fleet baseline grows), a finding every 100 s (ids shared by replicas: the same attack on many
 * nodes), a batch of 20 sampled events every 10 s, an AI-BOM snapshot every 300 s; phases are
 * spread at random. Per run:
 *
 * 1. steady: the hub runs while the nodes publish for SECONDS; every 2 s the hub's handled count
 *    and its consumers' backlog are sampled, so a cluster that cannot keep up shows its sustained
 *    rate and how fast the backlog grows; then up to DRAIN_CAP_SECONDS for the backlog to drain.
 *    End-to-end latency from a node's finding (enqueue on the node) to the hub having merged it
 *    (median, p99; over the findings merged by the end of the drain), hub CPU and memory;
 * 2. backlog: the hub stops, the nodes publish for SECONDS more, a new hub (same durable consumers)
 *    starts and drains the backlog (at most DRAIN_CAP_SECONDS): messages and events per hub
 *    CPU-second and per wall second, and the baseline-merge cost per delta.
 *
 * The load average (1 min) is read at the start and end of each run. Prints a table of medians
 * over RUNS for each N. Needs nats-server (scripts/debian-packages.txt).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AiBom,
  Baseline,
  BaselineLearner,
  type Finding,
  type VigilEvent,
  type WorkloadRef,
} from '../../packages/core/src/index.js';
import { FleetHub, FleetPublisher, mergeAiBoms } from '../../packages/fleet/src/index.js';
import { connectNats, NatsCluster, natsUnavailable } from '../../packages/fleet/test/helpers/nats.js';

const WORKLOADS = 20;
const PARTITIONS = 16;
const RATES = { baseline: 1 / 60, finding: 1 / 100, events: 1 / 10, aibom: 1 / 300 };
const EVENTS_PER_BATCH = 20;
const T0 = 1_764_000_000_000_000_000;

// ---- the simulated nodes (child processes) ------------------------------------------------

function workload(node: number, w: number): WorkloadRef {
  const app = `agent-${String(w).padStart(2, '0')}`;
  const pod = `${app}-7d9f8c6b5-${String(node).padStart(5, '0')}`.replace(
    /-(\d{5})$/,
    (_, d) => `-n${d.slice(1)}`,
  );
  return {
    id: `k8s:pod-${node}-${w}/${app}`,
    kind: 'kubernetes-pod',
    name: app,
    namespace: 'ai',
    pod,
    container: app,
    image: `ghcr.io/acme/${app}:1.4`,
    labels: { app },
  };
}

function event(wl: WorkloadRef, i: number, variant: number): VigilEvent {
  const base = {
    ts: T0 + i * 1_000_000,
    workload: wl,
    pid: 100 + (i % 5),
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'synthetic' as const,
  };
  switch (i % 5) {
    case 0:
      return { ...base, kind: 'process.exec', filename: '/usr/bin/git', argv: ['git', 'status'] };
    case 1:
      return {
        ...base,
        kind: 'file.open',
        path: `/app/data/v${variant}/doc-${i % 7}.md`,
        flags: 0,
        access: 'read',
        result: 3,
      };
    case 2:
      return {
        ...base,
        kind: 'dns.query',
        name: `api-${variant}.openai.com`,
        qtype: 'A',
        answers: ['127.0.0.9'],
      };
    case 3:
      return {
        ...base,
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '127.0.0.9',
        dport: 8000 + variant,
        result: 0,
      };
    default:
      return { ...base, kind: 'tool.call', server: 'filesystem', tool: `tool_${variant}`, status: 'ok' };
  }
}

async function child(): Promise<void> {
  const [servers, first, count, spoolRoot] = [
    process.env['SIM_SERVERS']!.split(','),
    Number(process.env['SIM_FIRST']),
    Number(process.env['SIM_COUNT']),
    process.env['SIM_SPOOL']!,
  ];
  // Per workload and variant, a baseline learned under a placeholder origin; each node's copy
  // carries the node's own origin (string replacement in the document), as a node's learner would.
  const templates: string[][] = [];
  for (let w = 0; w < WORKLOADS; w++) {
    templates.push(
      [0, 1, 2, 3].map((v) => {
        const learner = new BaselineLearner({ origin: 'sim-origin-placeholder' });
        const wl = workload(0, w);
        learner.onBatch(
          Array.from({ length: 200 }, (_, i) => event(wl, i, v)),
          { report: () => undefined },
        );
        learner.finish();
        return JSON.stringify(learner.set.baselines()[0]!.toDocument());
      }),
    );
  }
  const bom = (wl: WorkloadRef, n: number): AiBom => ({
    ...mergeAiBoms([]),
    generatedAt: new Date().toISOString(),
    components: [
      {
        id: 'model:gpt-4o',
        type: 'model',
        name: 'gpt-4o',
        status: 'undeclared-used',
        confidence: 0.9,
        observed: {
          workloads: [wl.id],
          firstSeen: 1,
          lastSeen: 2,
          count: n,
          methods: ['model-call'],
          evidence: [],
        },
        properties: {},
      },
    ],
  });
  const publishers: FleetPublisher[] = [];
  const connection = await connectNats(servers, 'vigil-sim-nodes');
  for (let n = first; n < first + count; n++) {
    publishers.push(
      await FleetPublisher.open({
        connection,
        spoolDir: join(spoolRoot, `node-${n}`),
        node: `node-${n}`,
        partitions: PARTITIONS,
        ensureStreams: false,
        events: { sampleRate: 1, maxPerMessage: EVENTS_PER_BATCH },
      }),
    );
  }
  // Each (node, workload, kind) fires at its rate with a random phase.
  type Timer = { next: number; node: number; w: number; kind: keyof typeof RATES; k: number };
  const timers: Timer[] = [];
  const now = () => performance.now() / 1000;
  for (let n = 0; n < count; n++)
    for (let w = 0; w < WORKLOADS; w++)
      for (const kind of Object.keys(RATES) as (keyof typeof RATES)[])
        timers.push({ next: now() + Math.random() / RATES[kind], node: n, w, kind, k: 0 });
  let running = false;
  let sent = 0;
  let events = 0;
  const tick = () => {
    if (!running) return;
    const t = now();
    for (const tm of timers) {
      if (tm.next > t) continue;
      tm.next += 1 / RATES[tm.kind];
      tm.k++;
      const id = first + tm.node;
      const p = publishers[tm.node]!;
      const wl = workload(id, tm.w);
      const key = `k8s:ai/agent-${String(tm.w).padStart(2, '0')}/agent-${String(tm.w).padStart(2, '0')}`;
      if (tm.kind === 'baseline') {
        const text = templates[tm.w]![(id + tm.k) % 4]!.replaceAll(
          '"sim-origin-placeholder"',
          `"node-${id}"`,
        );
        p.publishBaseline(key, Baseline.fromDocument(JSON.parse(text)));
      } else if (tm.kind === 'finding') {
        const f: Finding = {
          id: `f-${tm.w}-${tm.k % 50}`,
          ruleId: 'vigil.runtime.credential-read',
          title: 'Credential file read',
          severity: 'high',
          category: 'detection',
          workload: wl,
          ts: Date.now() * 1e6,
          summary: 'read of /root/.aws/credentials',
          evidence: [],
          tags: { owaspLlm: [], owaspAgentic: [], atlas: [], attack: [] },
          compliance: [],
          risk: { score: 80, reasons: [] },
          count: tm.k,
        };
        p.publishFinding(f, { workloadKey: key });
      } else if (tm.kind === 'events') {
        events += p.publishEvents(
          Array.from({ length: EVENTS_PER_BATCH }, (_, i) => event(wl, tm.k * EVENTS_PER_BATCH + i, 0)),
        );
      } else p.publishAiBom({ workloadKey: key, bom: bom(wl, tm.k) });
      sent++;
    }
    setTimeout(tick, 50);
  };
  process.on('message', async (m: { cmd: string }) => {
    if (m.cmd === 'start') {
      running = true;
      // Timers whose time passed while stopped fire from now on, not all at once.
      const t = now();
      for (const tm of timers) if (tm.next < t) tm.next = t + Math.random() / RATES[tm.kind];
      tick();
    } else if (m.cmd === 'stop') {
      // Not flushed: what the spools still hold goes out while the harness waits for the hub.
      running = false;
      const refused = publishers.reduce((a, p) => a + p.stats().refused, 0);
      process.send!({ sent, events, refused });
      sent = 0;
      events = 0;
    } else if (m.cmd === 'count') {
      process.send!({ sent, events, refused: 0 });
    } else if (m.cmd === 'exit') {
      await Promise.race([
        Promise.all(publishers.map((p) => p.close())).then(() => connection.close()),
        new Promise((r) => setTimeout(r, 5000)),
      ]);
      process.exit(0);
    }
  });
  process.send!({ ready: true });
}

// ---- the harness -----------------------------------------------------------------------------

interface RunFigures {
  offeredMsgsPerS: number;
  steadyMsgsPerS: number;
  backlogGrowthPerS: number;
  backlogAtStop: number;
  drainedS: number;
  latencyMedianMs: number;
  latencyP99Ms: number;
  steadyHubCpu: number;
  msgsPerCpuS: number;
  eventsPerCpuS: number;
  msgsPerWallS: number;
  writesPerMsg: number;
  mergeUsPerDelta: number;
  hubRssMb: number;
  hubHeapMb: number;
  load: string;
}

const median = (xs: number[]) => {
  const s = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
// Least-squares slope of y over x.
const slope = (pts: [number, number][]) => {
  const ok = pts.filter(([, y]) => Number.isFinite(y));
  if (ok.length < 2) return Number.NaN;
  const mx = ok.reduce((a, [x]) => a + x, 0) / ok.length;
  const my = ok.reduce((a, [, y]) => a + y, 0) / ok.length;
  const num = ok.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = ok.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? Number.NaN : num / den;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(
  nodes: number,
  seconds: number,
  processes: number,
  drainCap: number,
  runIndex: number,
): Promise<RunFigures> {
  const load0 = loadavg()[0]!;
  const cluster = await NatsCluster.start(3);
  const spool = mkdtempSync(join(tmpdir(), 'vigil-fleet-sim-'));
  const streams = { replicas: 3 };
  const name = `bench-hub-${runIndex}`;
  const children = Array.from({ length: processes }, (_, i) => {
    const per = Math.ceil(nodes / processes);
    const firstNode = i * per;
    return fork(fileURLToPath(import.meta.url), ['--child'], {
      execArgv: process.execArgv,
      env: {
        ...process.env,
        SIM_SERVERS: cluster.urls.join(','),
        SIM_FIRST: String(firstNode),
        SIM_COUNT: String(Math.max(0, Math.min(per, nodes - firstNode))),
        SIM_SPOOL: spool,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  });
  const ready = Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
  const ask = (cmd: string) =>
    Promise.all(
      children.map(
        (c) =>
          new Promise<{ sent: number; events: number; refused: number }>((resolve) => {
            c.once('message', (m) => resolve(m as { sent: number; events: number; refused: number }));
            c.send({ cmd });
          }),
      ),
    );
  let rss = 0;
  let heap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 250);
  try {
    let hub = await FleetHub.start({ servers: cluster.urls, partitions: PARTITIONS, streams, name });
    await ready;
    // 1. steady
    const latencies: number[] = [];
    let steadyMsgs = 0;
    hub.on('handled', (list) => {
      const now = Date.now();
      steadyMsgs += list.length;
      for (const m of list) if (m.kind === 'finding') latencies.push(now - m.ts);
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const c of children) c.send({ cmd: 'start' });
    // The backlog is what the nodes sent and the hub has not merged yet: in the nodes' spools and
    // in the streams (counted here, not asked of JetStream, whose API requests time out under load).
    const sentNow = async () => (await ask('count')).reduce((a, b) => a + b.sent, 0);
    const backlogPts: [number, number][] = [];
    while (performance.now() - t0 < seconds * 1000) {
      await sleep(2000);
      backlogPts.push([(performance.now() - t0) / 1000, (await sentNow()) - steadyMsgs]);
    }
    const handledWhilePublishing = steadyMsgs;
    const publishWall = (performance.now() - t0) / 1000;
    const offered = await sentNow();
    const steadyCpu = process.cpuUsage(cpu0);
    const backlogAtStop = offered - steadyMsgs;
    // Publishers stop; what their spools still hold goes out while the hub drains.
    const tStop = performance.now();
    const total = (await ask('stop')).reduce((a, b) => a + b.sent, 0);
    let drainedS = Number.NaN;
    while (performance.now() - tStop < drainCap * 1000) {
      if (steadyMsgs >= total) {
        drainedS = (performance.now() - tStop) / 1000;
        break;
      }
      await sleep(250);
    }
    await hub.close();
    // 2. backlog
    for (const c of children) c.send({ cmd: 'start' });
    await sleep(seconds * 1000);
    const backlog = await ask('stop');
    const sentInBacklog = backlog.reduce((a, b) => a + b.sent, 0);
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    hub = await FleetHub.start({ servers: cluster.urls, partitions: PARTITIONS, streams, name });
    let events = 0;
    hub.on('handled', (list) => {
      for (const m of list) if (m.kind === 'events') events += EVENTS_PER_BATCH;
    });
    while (performance.now() - t1 < drainCap * 1000) {
      if (hub.stats().messages >= sentInBacklog) break;
      await sleep(100);
    }
    const backlogMsgs = hub.stats().messages;
    const wall = (performance.now() - t1) / 1000;
    const c = process.cpuUsage(cpu1);
    const cpuS = (c.user + c.system) / 1e6;
    const s = hub.stats();
    await hub.close();
    for (const ch of children) ch.send({ cmd: 'exit' });
    return {
      offeredMsgsPerS: offered / publishWall,
      steadyMsgsPerS: handledWhilePublishing / publishWall,
      backlogGrowthPerS: slope(backlogPts),
      backlogAtStop,
      drainedS,
      latencyMedianMs: median(latencies),
      latencyP99Ms: quantile(latencies, 0.99),
      steadyHubCpu: (steadyCpu.user + steadyCpu.system) / 1e6 / publishWall,
      msgsPerCpuS: backlogMsgs / cpuS,
      eventsPerCpuS: events / cpuS,
      msgsPerWallS: backlogMsgs / wall,
      writesPerMsg: s.messages > 0 ? s.writes / s.messages : Number.NaN,
      mergeUsPerDelta: s.baselineMerges > 0 ? (s.baselineMergeMs * 1000) / s.baselineMerges : Number.NaN,
      hubRssMb: rss / 2 ** 20,
      hubHeapMb: heap / 2 ** 20,
      load: `${load0.toFixed(0)}–${loadavg()[0]!.toFixed(0)}`,
    };
  } finally {
    clearInterval(sampler);
    for (const ch of children) if (ch.exitCode === null) ch.kill();
    await cluster.close();
    rmSync(spool, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const why = natsUnavailable();
  if (why) {
    console.log(`skipped: ${why}`);
    return;
  }
  const [nodesArg = '100,1000', runsArg = '3', secondsArg = '20', procArg = '4', capArg = '120'] =
    process.argv.slice(2);
  const sizes = nodesArg.split(',').map(Number);
  const runs = Number(runsArg);
  const seconds = Number(secondsArg);
  const processes = Number(procArg);
  const drainCap = Number(capArg);
  const rows: string[] = [];
  let runIndex = 0;
  const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  for (const n of sizes) {
    const figures: RunFigures[] = [];
    for (let r = 0; r < runs; r++) {
      const f = await run(n, seconds, processes, drainCap, runIndex++);
      figures.push(f);
      console.error(`nodes ${n} run ${r + 1}/${runs}: ${JSON.stringify(f)}`);
    }
    const m = (k: Exclude<keyof RunFigures, 'load'>) => median(figures.map((f) => f[k]));
    const drained = figures.filter((f) => Number.isFinite(f.drainedS)).length;
    rows.push(
      `| ${n} × ${WORKLOADS} | ${figures.map((f) => f.load).join(', ')} | ${fmt(m('offeredMsgsPerS'))} | ${fmt(m('steadyMsgsPerS'))} | ${fmt(m('backlogGrowthPerS'))} | ${fmt(m('latencyMedianMs') / 1000, 1)} s | ${fmt(m('latencyP99Ms') / 1000, 1)} s | ${drained}/${figures.length}${drained > 0 ? ` (${fmt(m('drainedS'))} s)` : ''} | ${fmt(m('steadyHubCpu'), 2)} | ${fmt(m('msgsPerCpuS'))} | ${fmt(m('eventsPerCpuS'))} | ${fmt(m('msgsPerWallS'))} | ${fmt(m('writesPerMsg'), 2)} | ${fmt(m('mergeUsPerDelta') / 1000, 1)} ms | ${fmt(m('hubRssMb'))} / ${fmt(m('hubHeapMb'))} MB |`,
    );
  }
  console.log(
    `fleet simulation: 3-node JetStream cluster (R3), ${PARTITIONS} partitions, one hub, ${processes} publisher processes, ${seconds} s per phase, drain cap ${drainCap} s, median of ${runs} runs\n`,
  );
  console.log(
    '| nodes × workloads | load avg (start–end, per run) | offered msgs/s | handled msgs/s while publishing | backlog growth msgs/s | finding→hub median | p99 | drained | hub CPU (cores) | backlog msgs/hub CPU-s | events/hub CPU-s | backlog msgs/s (wall) | KV writes/msg | merge per delta | hub RSS / heap |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

if (process.argv.includes('--child')) await child();
else await main();
