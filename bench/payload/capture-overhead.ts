/**
 * Payload capture overhead: an OpenAI-compatible request storm (Node.js, keep-alive, one
 * chat completion after another) over HTTPS and over plain HTTP, with capture off, capture
 * on without payloads, and capture with payloads (`meta`: TLS uprobes + TCP socket payloads,
 * decoded into model.call events).
 *
 *   npx tsx bench/payload/capture-overhead.ts [RUNS=5] [REQUESTS=300]
 *
 * The server runs in its own process outside the workload's cgroup. Modes are interleaved
 * round by round in a rotating order. Per mode: the workload's CPU time (its cgroup's
 * cpu.stat, which includes the BPF programs and uprobe traps it triggers) and wall time as a
 * ratio to "off" of the same round, and the tracer's own CPU (this process: poll thread,
 * record and payload decoding) per request. Medians over the rounds.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSourceConditions, fmt, median, table } from '../capture/common.js';

ensureSourceConditions();
const { Sensor, WorkloadCgroup } = await import('../../packages/ebpf-native/src/index.js');

const runs = Number(process.argv[2] ?? 5);
const requests = Number(process.argv[3] ?? 300);
const MODES = ['off', 'capture', 'payloads'] as const;
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

function cgroupCpuUs(dir: string): number {
  const m = /usage_usec (\d+)/.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'));
  return Number(m?.[1] ?? 0);
}

interface Sample {
  wallMs: number;
  workloadCpuMs: number;
  tracerCpuMs: number;
  modelCalls: number;
}

async function once(scheme: 'http' | 'https', mode: Mode): Promise<Sample> {
  const cg = WorkloadCgroup.create();
  const sensor =
    mode === 'off'
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
  await sensor?.close();
  await drain;
  await cg.remove();
  if (code !== 0) throw new Error(`client exited with ${code}`);
  return { wallMs, workloadCpuMs, tracerCpuMs: (cpu.user + cpu.system) / 1000, modelCalls };
}

const samples = new Map<string, Sample[]>();
for (let round = 0; round < runs; round++) {
  for (const scheme of ['https', 'http'] as const) {
    const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
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
    const xs = samples.get(`${scheme}/${mode}`)!;
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
