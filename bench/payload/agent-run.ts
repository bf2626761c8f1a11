/**
 * Payload capture on the agent run: the lab's agents (examples/lab) doing seeded benign work
 * against the lab's scripted model, its MCP servers over stdio and PostgreSQL, with capture
 * off, capture on without payloads, and capture with payloads (`meta`, as
 * `vigil record --payloads` opens the sensor: the agent's program gets its TLS uprobes first,
 * socket and stdio payloads up to the default byte cap). This is the figure the payload goal
 * is stated for ("payload capture on vs off on the agent run"); the per-request worst case is
 * `capture-overhead.ts`.
 *
 *   npx tsx bench/payload/agent-run.ts [ROUNDS=5] [AGENTS=openai-agents,openai-sdk,python] [SCHEMES=http,https] [MODES=off,capture,payloads]
 *
 * The lab's services run in a process of their own (examples/lab/src/serve.ts, with `--tls` for
 * https: the scripted model behind a self-signed certificate the agents trust, so model calls go
 * through OpenSSL and are read by the TLS uprobes), outside the agent's cgroup and outside this
 * process, so the tracer's CPU is this process alone. The mode `payloads-mapped` is `payloads`
 * without the system's OpenSSL libraries attached at open (`tlsSystemLibraries: false`): their
 * uprobes are attached when the agent maps them, during the run, as before they were attached at open. Each round prepares one seed per agent and
 * scheme and runs it once per mode, modes in a rotating order.
 * Per mode: wall time and the workload's CPU (its cgroup's cpu.stat, which includes the BPF
 * programs and uprobe traps it triggers) as ratios to "off" of the same round and seed, the
 * tracer's CPU per run, and the model and tool calls decoded; for the payload modes also the wall
 * time as a ratio to the capture-only run of the same round (what payloads add on top of capture). Medians over the rounds with a
 * bootstrap 95 % interval of the median when there are five rounds or more.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  cgroupCpuUs,
  ensureSourceConditions,
  fmt,
  median,
  medianInterval,
  table,
} from '../capture/common.js';

ensureSourceConditions();
const { Sensor, WorkloadCgroup, DEFAULT_PAYLOAD_BYTES } = await import(
  '../../packages/ebpf-native/src/index.js'
);

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const rounds = Number(process.argv[2] ?? 5);
const agents = (process.argv[3] ?? 'openai-agents,openai-sdk,python').split(',');
const schemes = (process.argv[4] ?? 'http,https').split(',') as ('http' | 'https')[];
const ALL_MODES = ['off', 'capture', 'payloads', 'payloads-mapped'] as const;
type Mode = (typeof ALL_MODES)[number];
const MODES = (process.argv[5] ?? 'off,capture,payloads').split(',') as Mode[];
for (const m of MODES)
  if (!(ALL_MODES as readonly string[]).includes(m)) {
    console.error(`agent-run: no mode ${m} (${ALL_MODES.join(', ')})`);
    process.exit(2);
  }
if (!MODES.includes('off')) {
  console.error('agent-run: the modes must include off (the ratios are to it)');
  process.exit(2);
}

if (process.getuid?.() !== 0) {
  console.error('agent-run: live capture needs root; nothing measured');
  process.exit(2);
}

// --- the lab's services, in their own process (one per scheme) -------------------------------
interface LabService {
  ask<T>(req: unknown): Promise<T>;
  close(): void;
}
async function startLab(scheme: 'http' | 'https'): Promise<LabService> {
  const serve: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'examples', 'lab', 'src', 'serve.ts'),
      ...(scheme === 'https' ? ['--tls'] : []),
    ],
    { cwd: join(root, 'examples', 'lab'), stdio: ['pipe', 'pipe', 'inherit'] },
  );
  process.on('exit', () => serve.kill('SIGKILL'));
  const replies = createInterface({ input: serve.stdout! })[Symbol.asyncIterator]();
  const ask = async <T>(req: unknown): Promise<T> => {
    if (req !== undefined) serve.stdin!.write(`${JSON.stringify(req)}\n`);
    const { value, done } = await replies.next();
    if (done) throw new Error('the lab service stopped');
    const r = JSON.parse(value as string) as T & { error?: string };
    if (r.error) throw new Error(`lab: ${r.error}`);
    return r;
  };
  const ready = await ask<{ ready: boolean; model: string; postgresSkipped?: string }>(undefined);
  if (!ready.model.startsWith(`${scheme}:`))
    throw new Error(`lab: the model is at ${ready.model}, not ${scheme}`);
  if (ready.postgresSkipped) console.error(`lab: PostgreSQL skipped (${ready.postgresSkipped}); no RAG step`);
  return { ask, close: () => serve.stdin!.end() };
}
const labs = new Map<'http' | 'https', LabService>();
for (const scheme of schemes) labs.set(scheme, await startLab(scheme));

interface Sample {
  wallMs: number;
  workloadCpuMs: number;
  tracerCpuMs: number;
  modelCalls: number;
  toolCalls: number;
}

function resolveProgram(cmd: string): string {
  if (cmd.includes('/')) return cmd;
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.stdout.trim() || cmd;
}

async function once(lab: LabService, agent: string, seed: number, mode: Mode): Promise<Sample> {
  const run = await lab.ask<{ argv: string[]; env: Record<string, string> }>({ prepare: { agent, seed } });
  const [cmd, ...args] = run.argv as [string, ...string[]];
  const cg = WorkloadCgroup.create();
  const sensor =
    mode === 'off'
      ? undefined
      : await Sensor.open({
          cgroups: [cg.dir],
          dnsPorts: [53],
          descendants: true,
          ...(mode === 'payloads' || mode === 'payloads-mapped'
            ? {
                payloads: 'meta' as const,
                payloadBytes: DEFAULT_PAYLOAD_BYTES,
                tlsBinaries: [resolveProgram(cmd)],
                tlsSystemLibraries: mode === 'payloads',
              }
            : {}),
        });
  let modelCalls = 0;
  let toolCalls = 0;
  const drain = sensor
    ? (async () => {
        for await (const batch of sensor)
          for (const e of batch) {
            if (e.kind === 'model.call') modelCalls++;
            else if (e.kind === 'tool.call') toolCalls++;
          }
      })()
    : Promise.resolve();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const child = cg.spawn(cmd, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...run.env },
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // Children the agent left behind (MCP servers shutting down) are part of the run.
  for (let waited = 0; cg.populated() && waited < 10_000; waited += 50)
    await new Promise((r) => setTimeout(r, 50));
  const workloadCpuMs = cgroupCpuUs(cg.dir) / 1000;
  if (sensor) await sensor.flush();
  await new Promise((r) => setImmediate(r));
  const cpu = process.cpuUsage(cpu0);
  await sensor?.close();
  await drain;
  await cg.remove();
  await lab.ask({ cleanup: true });
  if (code !== 0) throw new Error(`${agent} seed ${seed} (${mode}) exited with ${code}`);
  return {
    wallMs,
    workloadCpuMs,
    tracerCpuMs: sensor ? (cpu.user + cpu.system) / 1000 : 0,
    modelCalls,
    toolCalls,
  };
}

const load0 = loadavg()[0]!;
const samples = new Map<string, Sample[]>();
const ratios = new Map<string, { wall: number[]; cpu: number[]; overCapture: number[] }>();
const runs = agents.flatMap((agent) =>
  schemes.map((scheme) => ({ agent, scheme, key: `${agent} ${scheme}` })),
);
for (let round = 0; round < rounds; round++) {
  for (const { agent, scheme, key } of runs) {
    const seed = 4100 + round;
    const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
    const got = new Map<Mode, Sample>();
    for (const mode of order) {
      const s = await once(labs.get(scheme)!, agent, seed, mode);
      got.set(mode, s);
      const k = `${key}/${mode}`;
      samples.set(k, [...(samples.get(k) ?? []), s]);
    }
    const off = got.get('off')!;
    const capture = got.get('capture');
    for (const mode of MODES) {
      const s = got.get(mode)!;
      const k = `${key}/${mode}`;
      const r = ratios.get(k) ?? { wall: [], cpu: [], overCapture: [] };
      r.wall.push(s.wallMs / off.wallMs);
      r.cpu.push(s.workloadCpuMs / off.workloadCpuMs);
      // What payloads add on top of capture: the same round's capture-only run as the base.
      if (capture && mode.startsWith('payloads')) r.overCapture.push(s.wallMs / capture.wallMs);
      ratios.set(k, r);
    }
    process.stderr.write(`round ${round + 1}/${rounds} ${key} done\n`);
  }
}
const load1 = loadavg()[0]!;

const interval = (xs: number[]) => {
  const [lo, hi] = medianInterval(xs);
  return Number.isNaN(lo) ? '' : ` [${fmt(lo, 2)}–${fmt(hi, 2)}]`;
};
const rows: string[][] = [];
for (const { key } of runs)
  for (const mode of MODES) {
    const s = samples.get(`${key}/${mode}`)!;
    const r = ratios.get(`${key}/${mode}`)!;
    rows.push([
      `${key}, ${mode}`,
      fmt(median(s.map((x) => x.wallMs)) / 1000, 2),
      `${fmt(median(r.wall), 3)}${mode === 'off' ? '' : interval(r.wall)}`,
      `${fmt(median(r.cpu), 3)}${mode === 'off' ? '' : interval(r.cpu)}`,
      r.overCapture.length > 0 ? `${fmt(median(r.overCapture), 3)}${interval(r.overCapture)}` : '-',
      mode === 'off' ? '-' : fmt(median(s.map((x) => x.tracerCpuMs))),
      mode.startsWith('payloads')
        ? `${fmt(median(s.map((x) => x.modelCalls)))} / ${fmt(median(s.map((x) => x.toolCalls)))}`
        : '-',
    ]);
  }
console.log(
  `agent runs, ${rounds} rounds, seeds 4100–${4100 + rounds - 1}, load average ${fmt(load0, 1)} → ${fmt(load1, 1)}`,
);
console.log(
  table(
    [
      'agent scheme, mode',
      'wall s (median)',
      'wall ×off',
      'workload CPU ×off',
      'wall ×capture',
      'tracer CPU ms/run',
      'model / tool calls',
    ],
    rows,
  ),
);
for (const l of labs.values()) l.close();
