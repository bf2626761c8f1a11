/**
 * Payload capture overhead: an OpenAI-compatible request storm (Node.js, keep-alive, one
 * chat completion after another) over HTTPS and over plain HTTP, with capture off, capture
 * on without payloads, capture with payloads (`meta`: TLS uprobes + TCP socket payloads,
 * decoded into model.call events), and bpftrace with a uprobe on the same `SSL_write` of the
 * same `node` binary printing the pid, length and first 64 bytes of each call (the peer row;
 * bpftrace comes from scripts/bench-packages.txt, tracefs is mounted for it when it is not).
 *
 *   npx tsx bench/payload/capture-overhead.ts [RUNS=5] [REQUESTS=300]
 *
 * The server runs in its own process outside the workload's cgroup. Modes are interleaved
 * round by round in a rotating order. Per mode: the workload's CPU time (its cgroup's
 * cpu.stat, which includes the BPF programs and uprobe traps it triggers) and wall time as a
 * ratio to "off" of the same round, and the tracer's own CPU (this process: poll thread,
 * record and payload decoding; for bpftrace, its process) per request. Medians over the rounds.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupCpuUs, ensureSourceConditions, fmt, median, table } from '../capture/common.js';

ensureSourceConditions();
const { Sensor, WorkloadCgroup } = await import('../../packages/ebpf-native/src/index.js');

const runs = Number(process.argv[2] ?? 5);
const requests = Number(process.argv[3] ?? 300);
const MODES = ['off', 'capture', 'payloads', 'bpftrace'] as const;
type Mode = (typeof MODES)[number];
const work = mkdtempSync(join(tmpdir(), 'vigil-payload-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const key = join(work, 'key.pem');
const cert = join(work, 'cert.pem');
const req = spawnSync('openssl', [
  ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'],
  ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
]);
if (req.status !== 0) throw new Error(`openssl req failed: ${req.stderr}`);

// The server: HTTP and HTTPS, a small chat completion per request.
const SERVER = `
const { readFileSync } = require('node:fs');
const reply = JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'bench-served',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 } });
const handler = (req, res) => { req.resume(); req.on('end', () => {
  res.writeHead(200, { 'content-type': 'application/json' }); res.end(reply); }); };
const http = require('node:http').createServer(handler);
const https = require('node:https').createServer({ key: readFileSync(process.argv[1]), cert: readFileSync(process.argv[2]) }, handler);
http.listen(0, '127.0.0.1', () => https.listen(0, '127.0.0.1', () =>
  console.log(JSON.stringify({ http: http.address().port, https: https.address().port }))));
`;
// The client: REQUESTS sequential chat completions on one keep-alive connection.
const CLIENT = `
const [scheme, port, n] = process.argv.slice(1);
const mod = require('node:' + scheme);
const agent = new mod.Agent({ keepAlive: true, maxSockets: 1 });
const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'say ok' }] });
let left = Number(n);
const one = () => {
  const r = mod.request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent,
    rejectUnauthorized: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
    (res) => { res.resume(); res.on('end', () => (--left > 0 ? one() : (agent.destroy(), process.exit(0)))); });
  r.end(body);
};
one();
`;

const server: ChildProcess = spawn(process.execPath, ['-e', SERVER, key, cert], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.on('exit', () => server.kill('SIGKILL'));
const ports = await new Promise<{ http: number; https: number }>((resolve) => {
  server.stdout!.once('data', (d: Buffer) =>
    resolve(JSON.parse(d.toString()) as { http: number; https: number }),
  );
});

interface Sample {
  wallMs: number;
  workloadCpuMs: number;
  tracerCpuMs: number;
  modelCalls: number;
}

// --- the bpftrace peer: a uprobe on SSL_write of this node binary, filtered by cgroup ---------
const hasBpftrace = spawnSync('bpftrace', ['--version']).status === 0;
if (!hasBpftrace)
  console.error('bpftrace is not installed (scripts/bench-packages.txt): its row is left out');
let tracefsMounted = false;
process.on('exit', () => {
  if (tracefsMounted) spawnSync('umount', ['/sys/kernel/tracing']);
});
function ensureTracefs(): void {
  if (existsSync('/sys/kernel/tracing/uprobe_events')) return;
  execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
  tracefsMounted = true;
}

function procCpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100; // utime + stime, USER_HZ
  } catch {
    return 0;
  }
}

async function startBpftrace(cgDir: string): Promise<{ pid: number; stop: () => Promise<void> }> {
  ensureTracefs();
  const out = join(work, `bpftrace-${Date.now()}.txt`);
  const script = `uprobe:${process.execPath}:SSL_write /cgroup == cgroupid("${cgDir}")/ { printf("%d %d %r\\n", pid, arg2, buf(arg1, 64)); }`;
  const p: ChildProcess = spawn('bpftrace', ['-o', out, '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr?.on('data', (d) => {
    err += String(d);
  });
  const deadline = Date.now() + 60_000;
  while (!(existsSync(out) && readFileSync(out, 'utf8').includes('Attaching'))) {
    if (Date.now() > deadline || p.exitCode !== null) throw new Error(`bpftrace did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: p.pid!,
    async stop() {
      const exited = new Promise((r) => p.once('exit', r));
      // A SIGINT can go unanswered: resend it, then kill.
      for (const sig of ['SIGINT', 'SIGINT', 'SIGKILL'] as const) {
        if (p.exitCode !== null || p.signalCode !== null) break;
        p.kill(sig);
        if (
          await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))])
        )
          break;
      }
      await exited;
    },
  };
}

async function once(scheme: 'http' | 'https', mode: Mode): Promise<Sample> {
  const cg = WorkloadCgroup.create();
  const bpftrace = mode === 'bpftrace' ? await startBpftrace(cg.dir) : undefined;
  const bpftraceCpu0 = bpftrace ? procCpuMs(bpftrace.pid) : 0;
  const sensor =
    mode === 'off' || mode === 'bpftrace'
      ? undefined
      : await Sensor.open({
          cgroups: [cg.dir],
          // As `vigil record --payloads` does: the program about to run gets its uprobes first.
          ...(mode === 'payloads' ? { payloads: 'meta' as const, tlsBinaries: [process.execPath] } : {}),
        });
  let modelCalls = 0;
  const drain = sensor
    ? (async () => {
        for await (const batch of sensor) for (const e of batch) if (e.kind === 'model.call') modelCalls++;
      })()
    : Promise.resolve();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const child = cg.spawn(process.execPath, ['-e', CLIENT, scheme, String(ports[scheme]), String(requests)], {
    stdio: 'inherit',
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const workloadCpuMs = cgroupCpuUs(cg.dir) / 1000;
  // Tracer CPU: until everything the workload caused was decoded (the teardown is not counted).
  if (sensor) await sensor.flush();
  await new Promise((r) => setImmediate(r));
  const cpu = process.cpuUsage(cpu0);
  // bpftrace's own CPU stands in for the tracer's (its output is written as it goes).
  const bpftraceCpuMs = bpftrace ? procCpuMs(bpftrace.pid) - bpftraceCpu0 : 0;
  await bpftrace?.stop();
  await sensor?.close();
  await drain;
  await cg.remove();
  if (code !== 0) throw new Error(`client exited with ${code}`);
  const tracerCpuMs = bpftrace ? bpftraceCpuMs : (cpu.user + cpu.system) / 1000;
  return { wallMs, workloadCpuMs, tracerCpuMs, modelCalls };
}

const samples = new Map<string, Sample[]>();
for (let round = 0; round < runs; round++) {
  for (const scheme of ['https', 'http'] as const) {
    const modes = MODES.filter((m) => m !== 'bpftrace' || hasBpftrace);
    const order = modes.map((_, i) => modes[(i + round) % modes.length]!);
    for (const mode of order) {
      const s = await once(scheme, mode);
      const k = `${scheme}/${mode}`;
      samples.set(k, [...(samples.get(k) ?? []), s]);
    }
  }
  process.stderr.write(`round ${round + 1}/${runs} done (load ${loadavg()[0]!.toFixed(1)})\n`);
}

const rows: string[][] = [];
for (const scheme of ['https', 'http'] as const) {
  const off = samples.get(`${scheme}/off`)!;
  for (const mode of MODES) {
    const xs = samples.get(`${scheme}/${mode}`);
    if (!xs) continue;
    const ratio = (f: (s: Sample) => number) => median(xs.map((s, i) => f(s) / f(off[i]!)));
    rows.push([
      `${scheme.toUpperCase()} storm, ${mode}`,
      fmt(median(xs.map((s) => s.wallMs))),
      mode === 'off'
        ? '1.00'
        : fmt(
            ratio((s) => s.wallMs),
            2,
          ),
      fmt(median(xs.map((s) => s.workloadCpuMs))),
      mode === 'off'
        ? '1.00'
        : fmt(
            ratio((s) => s.workloadCpuMs),
            2,
          ),
      mode === 'off' ? '-' : fmt((median(xs.map((s) => s.tracerCpuMs)) * 1000) / requests, 0),
      mode === 'payloads' ? `${median(xs.map((s) => s.modelCalls))}/${requests}` : '-',
    ]);
  }
}
console.log(
  `\n${requests} sequential chat completions per run (keep-alive), ${runs} rounds, modes interleaved; medians\n`,
);
console.log(
  table(
    [
      'workload, mode',
      'wall ms',
      'wall ×off',
      'workload CPU ms',
      'CPU ×off',
      'tracer CPU µs/request',
      'model.call seen',
    ],
    rows,
  ),
);
// The server child's pipe would keep this process alive.
server.kill('SIGKILL');
process.exit(0);
