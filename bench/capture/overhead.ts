/**
 * Capture overhead: the slowdown of workloads with capture on vs off, next to
 * bpftrace tracing the same events and auditd rules for the same syscalls.
 *
 *   npx tsx bench/capture/overhead.ts [RUNS=5] [MODES=off,vigil,bpftrace,auditd]   (also: floor)
 *   ONLY=agent npx tsx bench/capture/overhead.ts 15 off,vigil   # one workload, more rounds
 *   EXEC_OPS=3000 ONLY=exec npx tsx bench/capture/overhead.ts 9 off,vigil,bpftrace   # a longer exec storm
 *
 * Workloads (each in its own cgroup): an exec storm (fork+exec /bin/true), an
 * open/close storm, a connect storm (refused TCP connects) and an agent run
 * (Node.js: chat-completion calls to a local OpenAI-compatible server running
 * in its own process outside the workload's cgroup, file reads and writes,
 * tool processes). Modes are interleaved round by round, in a
 * rotating order; each mode's time is divided by the "off" time of the same
 * round and the tables show the median of those ratios with their interquartile
 * range, then a 95% bootstrap interval of the median, then every round's ratios
 * with the load average at its start.
 *
 * The "floor" mode is bpftrace counting raw_syscalls:sys_exit and nothing else: the cost any
 * syscall tracepoint puts on every syscall, which Vigil's sys_exit program cannot go below.
 *
 * The peers (bpftrace; auditd with auditctl) are Debian packages listed in
 * scripts/bench-packages.txt; a peer that is not installed, or that cannot run here, is skipped
 * with the reason printed. Every mode runs every round on the same workloads. Every workload
 * starts under a login uid of its own (the `withauid` wrapper, in every mode): auditd's rule
 * (execve, openat, connect) selects that auid, as Vigil and bpftrace select the workload's
 * cgroup, so the other processes of a shared machine neither feed auditd nor pay for its records.
 * auditd is started with Debian's backlog settings when no audit daemon runs; on every exit path
 * (end, failure, SIGINT, SIGTERM, SIGHUP) its rules are deleted, the daemon this script started is
 * stopped and the audit settings it changed are restored. tracefs is mounted for bpftrace when it
 * is not, and unmounted afterwards.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cgroupCpuUs,
  compileWorkloads,
  ensureSourceConditions,
  fmt,
  median,
  medianInterval,
  quartiles,
  table,
} from './common.js';

ensureSourceConditions();
const { Sensor, WorkloadCgroup } = await import('../../packages/ebpf-native/src/index.js');
type SensorT = Awaited<ReturnType<typeof Sensor.open>>;
type CgroupT = ReturnType<typeof WorkloadCgroup.create>;

const runs = Number(process.argv[2] ?? 5);
const requested = (process.argv[3] ?? 'off,vigil,bpftrace,auditd').split(',').filter(Boolean);
const MODES = ['off', 'vigil', 'bpftrace', 'floor', 'auditd'];
for (const m of requested)
  if (!MODES.includes(m)) {
    console.error(`overhead: no mode '${m}' (there are: ${MODES.join(', ')})`);
    process.exit(2);
  }
if (!requested.includes('off')) {
  console.error('overhead: the modes must include off (every ratio is to the off run of its round)');
  process.exit(2);
}

// --- peers: run only what is installed and usable here --------------------------------
const hasCommand = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
/** Why `mode` cannot run on this machine, or undefined when it can. */
function unavailable(mode: string): string | undefined {
  if (mode === 'bpftrace' || mode === 'floor')
    return hasCommand('bpftrace')
      ? undefined
      : 'bpftrace is not installed (Debian package bpftrace, listed in scripts/bench-packages.txt)';
  if (mode !== 'auditd') return undefined;
  if (!hasCommand('auditd') || !hasCommand('auditctl'))
    return 'auditd is not installed (Debian package auditd, listed in scripts/bench-packages.txt)';
  const s = spawnSync('auditctl', ['-s'], { encoding: 'utf8' });
  if (s.status !== 0)
    return `\`auditctl -s\` failed (${(s.stderr || s.stdout).trim()}): no audit subsystem, or no CAP_AUDIT_CONTROL`;
  if (/^enabled 2$/m.test(s.stdout)) return 'the audit rules are locked (enabled 2) until the next boot';
  return undefined;
}
const modes = requested.filter((m) => {
  const why = unavailable(m);
  if (why !== undefined) console.log(`${m}: skipped, ${why}`);
  return why === undefined;
});
const bins = compileWorkloads();
const work = mkdtempSync(join(tmpdir(), 'vigil-overhead-'));

// --- cleanup registry: runs on every exit path ----------------------------------------
const cleanups: (() => void)[] = [];
function cleanupAll(): void {
  while (cleanups.length > 0) {
    try {
      cleanups.pop()!();
    } catch (e) {
      console.error(`cleanup: ${(e as Error).message}`);
    }
  }
}
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(sig, () => {
    cleanupAll();
    process.exit(130);
  });

let tracefsMounted = false;
function ensureTracefs(): void {
  if (existsSync('/sys/kernel/tracing/events/syscalls')) return;
  execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
  tracefsMounted = true;
  cleanups.push(() => {
    if (tracefsMounted) spawnSync('umount', ['/sys/kernel/tracing']);
    tracefsMounted = false;
  });
}

// --- the agent workload's model server ------------------------------------------------
// A separate process, as a model server is in any deployment: in this one it would share
// an event loop with the Vigil consumer and charge the consumer's work to the agent's calls.
const serverScript = join(work, 'model-server.mjs');
writeFileSync(
  serverScript,
  `import { createServer } from 'node:http';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += String(d); });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({
      id: 'chatcmpl-bench', object: 'chat.completion', model: 'local-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok ' + body.length }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
    }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`,
);
const serverProc = spawn(process.execPath, [serverScript], { stdio: ['ignore', 'pipe', 'inherit'] });
cleanups.push(() => serverProc.kill('SIGKILL'));
const modelPort = await new Promise<number>((resolve, reject) => {
  let out = '';
  serverProc.stdout?.on('data', (d) => {
    out += String(d);
    if (out.includes('\n')) resolve(Number(out.trim()));
  });
  serverProc.once('exit', (code) => reject(new Error(`model server exited with ${code}`)));
});

const agentScript = join(work, 'agent.mjs');
writeFileSync(
  agentScript,
  `import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const url = 'http://127.0.0.1:${modelPort}/v1/chat/completions';
for (let i = 0; i < 40; i++) {
  const notes = readFileSync('/etc/hostname', 'utf8');
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'local-model', messages: [{ role: 'user', content: 'step ' + i + notes }] }) });
  const j = await r.json();
  writeFileSync('${work}/agent-out.txt', j.choices[0].message.content);
  if (i % 10 === 0) execFileSync('ls', ['/tmp'], { stdio: 'ignore' });
}
`,
);

// A refused port for the connect storm.
const closed = createServer();
await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
const refusedPort = (closed.address() as { port: number }).port;
await new Promise((r) => closed.close(r));

interface Workload {
  name: string;
  cmd: string;
  args: string[];
}
// EXEC_OPS sets the exec storm's length (default 300). The tracer's CPU is read per run, and
// bpftrace's and auditd's in clock ticks (10 ms), so a longer storm gives a steadier µs per exec.
const EXEC_OPS = process.env['EXEC_OPS'] ?? '300';
const WORKLOADS: Workload[] = [
  { name: 'exec storm (fork+exec /bin/true)', cmd: bins.execstorm, args: [EXEC_OPS] },
  { name: 'open/close storm', cmd: bins.openstorm, args: ['50000'] },
  { name: 'connect storm (refused TCP)', cmd: bins.connectstorm, args: ['5000', String(refusedPort)] },
  { name: 'agent run (Node.js, 40 model calls)', cmd: process.execPath, args: [agentScript] },
];
// ONLY=<substring> keeps the workloads whose name contains it (e.g. ONLY=agent).
{
  const only = process.env['ONLY'];
  if (only) WORKLOADS.splice(0, WORKLOADS.length, ...WORKLOADS.filter((w) => w.name.includes(only)));
}
// Operations per run (the agent run counts as one).
const opsOf = (w: Workload) => Number(w.args[0]) || 1;

/** CPU time (µs) of other processes (the tracer's daemons), from /proc/PID/stat. */
function procCpuUs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(rest[11]) + Number(rest[12]); // utime, stime
    } catch {
      // gone
    }
  }
  return (ticks * 1e6) / 100; // USER_HZ
}

interface Sample {
  ms: number;
  /** CPU of the workload's own processes (its cgroup). */
  workloadCpuUs: number;
  /** CPU of this process (the Vigil consumer lives here) plus the tracer's processes. */
  tracerCpuUs: number;
}

async function timed(cg: CgroupT, w: Workload, tracerPids: readonly number[]): Promise<Sample> {
  const cpu0 = cgroupCpuUs(cg.dir);
  const self0 = process.cpuUsage();
  const other0 = procCpuUs(tracerPids);
  const t0 = process.hrtime.bigint();
  const child = cg.spawn(bins.withauid, [WORKLOAD_AUID, w.cmd, ...w.args], { stdio: 'ignore' });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`${w.name} exited with ${code}`);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // Let the consumer catch up so its work is counted for this workload.
  await new Promise((r) => setTimeout(r, 50));
  const self = process.cpuUsage(self0);
  return {
    ms,
    workloadCpuUs: cgroupCpuUs(cg.dir) - cpu0,
    tracerCpuUs: self.user + self.system + procCpuUs(tracerPids) - other0,
  };
}

// --- the modes ------------------------------------------------------------------------
interface Active {
  stop(): Promise<number>; // events seen
  /** Processes doing the tracer's work outside this one. */
  readonly pids: readonly number[];
}

async function startVigil(cg: CgroupT): Promise<Active> {
  const flush = process.env['FLUSH_MS'];
  const sensor: SensorT = await Sensor.open({
    cgroups: [cg.dir],
    ...(flush ? { flushIntervalMs: Number(flush) } : {}),
  });
  let n = 0;
  const consume = (async () => {
    for await (const b of sensor) n += b.length;
  })();
  return {
    pids: [],
    async stop() {
      await sensor.flush();
      await sensor.close();
      await consume;
      const d = Object.values(sensor.stats().drops).reduce((a, b) => a + b, 0);
      if (d > 0) console.error(`vigil: ${d} drops`);
      return n;
    },
  };
}

/**
 * The floor of any syscall tracepoint: bpftrace counting raw_syscalls:sys_exit and nothing
 * else (the "floor" mode). Attaching any program there puts every syscall on the slow path.
 */
const FLOOR_SCRIPT = 'tracepoint:raw_syscalls:sys_exit { @n = count(); }';

async function startBpftrace(cg: CgroupT, floor = false): Promise<Active> {
  ensureTracefs();
  const f = `cgroup == cgroupid("${cg.dir}")`;
  const script = floor
    ? FLOOR_SCRIPT
    : `
tracepoint:sched:sched_process_exec /${f}/ { printf("exec %d %d %s\\n", pid, uid, str(args->filename)); }
tracepoint:sched:sched_process_fork /${f}/ { printf("fork %d %d\\n", args->parent_pid, args->child_pid); }
tracepoint:sched:sched_process_exit /${f}/ { printf("exit %d\\n", pid); }
tracepoint:syscalls:sys_enter_openat /${f}/ { @p[tid] = args->filename; }
tracepoint:syscalls:sys_exit_openat /${f} && @p[tid] != 0/ { printf("open %d %s %d\\n", pid, str(@p[tid]), args->ret); delete(@p[tid]); }
tracepoint:syscalls:sys_enter_connect /${f}/ { @c[tid] = 1; }
tracepoint:syscalls:sys_exit_connect /${f} && @c[tid] == 1/ { printf("connect %d %d\\n", pid, args->ret); delete(@c[tid]); }
`;
  const out = join(work, `bpftrace-${Date.now()}.txt`);
  const p: ChildProcess = spawn('bpftrace', ['-o', out, '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr?.on('data', (d) => {
    err += String(d);
  });
  const kill = () => p.kill('SIGKILL');
  cleanups.push(kill);
  // bpftrace writes "Attaching N probes..." to the output file once it is ready.
  const deadline = Date.now() + 30_000;
  while (!(existsSync(out) && readFileSync(out, 'utf8').includes('Attaching'))) {
    if (Date.now() > deadline || p.exitCode !== null) throw new Error(`bpftrace did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pids: p.pid !== undefined ? [p.pid] : [],
    async stop() {
      // bpftrace sometimes misses a SIGINT on a loaded machine and waits forever: ask again
      // every 5 s, and kill it after 30 s (its output file is complete line by line).
      const exited = new Promise((r) => p.once('exit', r));
      for (let i = 0; p.exitCode === null && p.signalCode === null; i++) {
        p.kill(i < 6 ? 'SIGINT' : 'SIGKILL');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      cleanups.splice(cleanups.indexOf(kill), 1);
      return readFileSync(out, 'utf8').split('\n').length - 2;
    },
  };
}

const AUDIT_KEY = 'vigil-bench';
/** The login uid every workload runs under (in every mode); auditd's rule selects it. */
const WORKLOAD_AUID = '424242';
const AUDIT_RULE = [
  '-a',
  'always,exit',
  '-F',
  'arch=b64',
  '-S',
  'execve',
  '-S',
  'openat',
  '-S',
  'connect',
  '-F',
  `auid=${WORKLOAD_AUID}`,
  '-k',
  AUDIT_KEY,
];
/** `auditctl -s` as numbers (enabled, pid, lost, backlog_limit, backlog_wait_time, …). */
function auditStatus(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of execFileSync('auditctl', ['-s'], { encoding: 'utf8' }).split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}
/** Audit records the kernel dropped while auditd ran (its `lost` counter), per auditd run. */
const auditLost: number[] = [];
function deleteAuditRules(): number {
  const before = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
  const n = before.split('\n').filter((l) => l.includes(`key=${AUDIT_KEY}`)).length;
  if (n > 0) execFileSync('auditctl', ['-D', '-k', AUDIT_KEY], { stdio: 'ignore' });
  return n;
}
if (modes.includes('auditd')) {
  // A run killed with SIGKILL cannot clean up: remove what it left before measuring anything.
  const stale = deleteAuditRules();
  if (stale > 0)
    console.error(`auditd: deleted ${stale} audit rule(s) with key ${AUDIT_KEY} left by an earlier run`);
}

async function startAuditd(): Promise<Active> {
  const before = auditStatus();
  let startedPid: number | undefined;
  const undo = () => {
    deleteAuditRules();
    if (startedPid !== undefined) {
      try {
        process.kill(startedPid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    spawnSync('auditctl', ['-b', String(before['backlog_limit'])]);
    spawnSync('auditctl', ['--backlog_wait_time', String(before['backlog_wait_time'])]);
    if (before['enabled'] === 0) spawnSync('auditctl', ['-e', '0']);
  };
  cleanups.push(undo);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!before['pid']) {
    execFileSync('auditd'); // daemonizes with Debian's /etc/audit/auditd.conf
    const deadline = Date.now() + 10_000;
    while (!auditStatus()['pid']) {
      if (Date.now() > deadline) throw new Error('auditd did not register with the kernel within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    startedPid = auditStatus()['pid'];
  }
  // What Debian's auditd service loads first (/etc/audit/rules.d/audit.rules), then the rule.
  execFileSync('auditctl', ['-b', '8192'], { stdio: 'ignore' });
  execFileSync('auditctl', ['--backlog_wait_time', '60000'], { stdio: 'ignore' });
  execFileSync('auditctl', ['-e', '1'], { stdio: 'ignore' });
  execFileSync('auditctl', AUDIT_RULE);
  const lost0 = auditStatus()['lost'] ?? 0;
  const daemon = auditStatus()['pid'];
  const kauditd = (spawnSync('pidof', ['kauditd'], { encoding: 'utf8' }).stdout ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  return {
    pids: [...(daemon ? [daemon] : []), ...kauditd],
    async stop() {
      auditLost.push((auditStatus()['lost'] ?? 0) - lost0);
      undo();
      cleanups.splice(cleanups.indexOf(undo), 1);
      const deadline = Date.now() + 10_000;
      while (startedPid !== undefined && alive(startedPid) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      return Number.NaN;
    },
  };
}

// --- interleaved runs ------------------------------------------------------------------
// ms per operation, by mode, workload and run (runs pair each mode with the "off" of the same round)
const perOp: Record<string, Record<string, (Sample | undefined)[]>> = {};
function slot(mode: string, workload: string): (Sample | undefined)[] {
  const byWorkload = perOp[mode] ?? {};
  perOp[mode] = byWorkload;
  const runsOf = byWorkload[workload] ?? [];
  byWorkload[workload] = runsOf;
  return runsOf;
}
const seen: Record<string, number[]> = {};
/** The 1-minute load average at the start of each round. */
const loadAtRound: number[] = [];
for (let run = 0; run < runs; run++) {
  loadAtRound.push(loadavg()[0]!);
  const order = modes.map((_, i) => modes[(i + run) % modes.length]!);
  for (const mode of order) {
    const cg = WorkloadCgroup.create();
    let active: Active | undefined;
    try {
      if (mode === 'vigil') active = await startVigil(cg);
      else if (mode === 'bpftrace') active = await startBpftrace(cg);
      else if (mode === 'floor') active = await startBpftrace(cg, true);
      else if (mode === 'auditd') active = await startAuditd();
      for (const w of WORKLOADS) {
        const t = await timed(cg, w, active?.pids ?? []);
        const ops = opsOf(w);
        slot(mode, w.name)[run] = {
          ms: t.ms / ops,
          workloadCpuUs: t.workloadCpuUs / ops,
          tracerCpuUs: t.tracerCpuUs / ops,
        };
      }
    } finally {
      const n = await active?.stop();
      if (n !== undefined && !Number.isNaN(n)) seen[mode] = [...(seen[mode] ?? []), n];
      await cg.remove();
    }
    process.stderr.write(`run ${run + 1}/${runs} ${mode} done\n`);
  }
}
cleanupAll();

const base = perOp['off'] ?? {};
const others = modes.filter((m) => m !== 'off');
/** f(mode sample, off sample of the same round) for every round: pairs measurements taken close in time. */
function pairs(mode: string, workload: string, f: (x: Sample, off: Sample) => number): number[] {
  const offs = base[workload] ?? [];
  const out: number[] = [];
  (perOp[mode]?.[workload] ?? []).forEach((x, r) => {
    const o = offs[r];
    if (x !== undefined && o !== undefined) out.push(f(x, o));
  });
  return out;
}
const offMedian = (w: string, f: (s: Sample) => number) =>
  median((base[w] ?? []).filter((v): v is Sample => v !== undefined).map(f));
const cell = (v: number, d = 3) => (Number.isNaN(v) ? '-' : fmt(v, d));
/** The median of the per-round values and their interquartile range. */
const withIqr = (xs: readonly number[], d: number) => {
  const [q1, m, q3] = quartiles(xs);
  return Number.isNaN(m) ? '-' : `${fmt(m, d)} (${fmt(q1, d)}–${fmt(q3, d)})`;
};
const report = (
  title: string,
  unit: string,
  offOf: (s: Sample) => number,
  f: (x: Sample, o: Sample) => number,
  d = 3,
) => {
  console.log(`\n${title}\n`);
  console.log(
    table(
      ['workload', `off (${unit})`, ...others.map((m) => m)],
      WORKLOADS.map((w) => [
        w.name,
        cell(offMedian(w.name, offOf), 3),
        ...others.map((m) => withIqr(pairs(m, w.name, f), d)),
      ]),
    ),
  );
};
const wallRatio = (x: Sample, o: Sample) => x.ms / o.ms;
const [load1, loadMed, load3] = quartiles(loadAtRound);
console.log(
  `\nCapture overhead: ${runs} interleaved rounds, every mode on the same workloads. Each cell is the median over rounds of the value with the tracer against "off" in the same round, with the interquartile range of the rounds in parentheses. Load average (1 min) at the start of a round: median ${fmt(loadMed, 1)} (${fmt(load1, 1)}–${fmt(load3, 1)}), min ${fmt(Math.min(...loadAtRound), 1)}, max ${fmt(Math.max(...loadAtRound), 1)}, on ${cpus().length} CPUs.`,
);
report('Wall time of the workload, ratio to off', 'ms/op', (s) => s.ms, wallRatio);
console.log('\n95% bootstrap intervals of the median wall-time ratio\n');
console.log(
  table(
    ['workload', ...others],
    WORKLOADS.map((w) => [
      w.name,
      ...others.map((m) => {
        const [lo, hi] = medianInterval(pairs(m, w.name, wallRatio));
        return Number.isNaN(lo) ? '-' : `${fmt(lo, 3)}–${fmt(hi, 3)}`;
      }),
    ]),
  ),
);
report(
  "CPU time of the workload's own processes (its cgroup's cpu.stat), ratio to off: in-kernel tracing cost, robust to other load",
  'µs/op',
  (s) => s.workloadCpuUs,
  (x, o) => x.workloadCpuUs / o.workloadCpuUs,
);
report(
  'CPU time of the tracer outside the workload (Vigil: consumer + poll thread; bpftrace; auditd + kauditd) in µs per operation, above off',
  'µs/op',
  (s) => s.tracerCpuUs,
  (x, o) => x.tracerCpuUs - o.tracerCpuUs,
  1,
);
// Every round's wall ratios, so that a reader can see the spread and what the load did to it.
const short = (name: string) => name.split(' ')[0]!;
console.log(
  '\nWall-time ratio to off in every round (columns: mode/workload), with the load average at its start\n',
);
console.log(
  table(
    ['round', 'load', ...others.flatMap((m) => WORKLOADS.map((w) => `${m}/${short(w.name)}`))],
    loadAtRound.map((load, r) => [
      String(r + 1),
      fmt(load, 1),
      ...others.flatMap((m) =>
        WORKLOADS.map((w) => {
          const x = perOp[m]?.[w.name]?.[r];
          const o = base[w.name]?.[r];
          return x !== undefined && o !== undefined ? fmt(wallRatio(x, o), 2) : '-';
        }),
      ),
    ]),
  ),
);
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} CPUs`,
);
for (const [m, ns] of Object.entries(seen))
  console.log(`${m}: median ${fmt(median(ns))} events per run captured`);
if (auditLost.length > 0)
  console.log(
    `auditd: ${fmt(auditLost.reduce((a, b) => a + b, 0))} audit records lost in ${auditLost.length} runs (the kernel's lost counter; backlog 8192, wait 60000)`,
  );
