import type { VigilEvent, WorkloadRef } from '../../../src/index.js';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function agentWorkload(replica = 'x2kq9', image = 'ghcr.io/acme/agent:1.4'): WorkloadRef {
  return {
    id: `k8s:pod-${replica}/agent`,
    kind: 'kubernetes-pod',
    name: 'agent',
    namespace: 'ai',
    pod: `agent-7d9f8c6b5-${replica}`,
    container: 'agent',
    image,
    serviceAccount: 'agent',
    labels: { app: 'agent' },
  };
}

const WORDS = (
  'alpha beta gamma delta invoice budget quarterly roadmap customer churn pricing launch retro ' +
  'incident latency memory cache vector embedding prompt summary report policy access token ' +
  'network kernel python node rust golang search index shard cluster replica backup restore'
).split(' ');
const MODULES = Array.from({ length: 30 }, (_, i) => `/usr/lib/python3.11/mod${i}.py`);
const APP_FILES = Array.from({ length: 8 }, (_, i) => `/app/agent/step${i}.py`);
const OPENAI_IPS = ['104.18.6.192', '104.18.7.192', '172.64.154.211', '172.64.155.209', '162.159.140.245'];

export interface SimOptions {
  readonly seed: number;
  readonly startNs?: number;
  /** Simulated seconds. */
  readonly seconds: number;
  /** Agent steps per simulated second. Default 1. */
  readonly stepsPerSecond?: number;
  readonly workload?: WorkloadRef;
}

/**
 * A benign agent-like workload with deliberately varied behaviour: random
 * temp folders and files, varied command arguments, rotating DNS answers,
 * tool and model calls.
 */
export function* benignAgent(opts: SimOptions): Generator<VigilEvent> {
  const r = rng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const hex = (n: number) =>
    Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
  const alnum = (n: number) =>
    Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(r() * 36)]).join('');
  const w = opts.workload ?? agentWorkload();
  const agentPid = 100 + Math.floor(r() * 50);
  let nextPid = 2000 + Math.floor(r() * 1000);
  const start = opts.startNs ?? 1_764_000_000_000_000_000;
  const steps = Math.floor(opts.seconds * (opts.stepsPerSecond ?? 1));
  const stepNs = 1e9 / (opts.stepsPerSecond ?? 1);
  const env = (ts: number, pid = agentPid, ppid = 1, comm = 'python3', exe = '/usr/bin/python3') => ({
    ts,
    workload: w,
    pid,
    ppid,
    comm,
    exe,
    source: 'synthetic' as const,
  });
  for (let s = 0; s < steps; s++) {
    let ts = start + s * stepNs;
    const tick = () => {
      ts += 1000 + Math.floor(r() * 1000);
      return ts;
    };
    // Model call over HTTPS to a rotating address.
    const ip = pick(OPENAI_IPS);
    const shuffled = [...OPENAI_IPS].sort(() => r() - 0.5).slice(0, 3);
    if (!shuffled.includes(ip)) shuffled[0] = ip;
    yield { ...env(tick()), kind: 'dns.query', name: 'api.openai.com', qtype: 'A', answers: shuffled };
    yield {
      ...env(tick()),
      kind: 'net.connect',
      family: 'inet',
      protocol: 'tcp',
      daddr: ip,
      dport: 443,
      result: 0,
    };
    yield { ...env(tick()), kind: 'model.call', provider: 'openai', model: 'gpt-4o-mini', operation: 'chat' };
    yield { ...env(tick()), kind: 'file.open', path: pick(APP_FILES), flags: 0, access: 'read', result: 3 };
    if (r() < 0.3)
      yield { ...env(tick()), kind: 'file.open', path: pick(MODULES), flags: 0, access: 'read', result: 3 };
    if (r() < 0.2)
      yield {
        ...env(tick()),
        kind: 'file.open',
        path: '/etc/ssl/certs/ca-certificates.crt',
        flags: 0,
        access: 'read',
        result: 3,
      };
    // Tool use.
    const tool = r();
    if (tool < 0.5) {
      yield {
        ...env(tick()),
        kind: 'tool.call',
        server: 'filesystem',
        tool: pick(['read_file', 'list_directory', 'search_files']),
        status: 'ok',
      };
      yield {
        ...env(tick()),
        kind: 'file.open',
        path: `/app/workspace/notes-${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}.md`,
        flags: 0,
        access: 'read',
        result: 3,
      };
    } else if (tool < 0.7) {
      yield { ...env(tick()), kind: 'tool.call', server: 'search', tool: 'web_search', status: 'ok' };
      const sub = `${hex(10)}.telemetry.search-cdn.net`;
      yield {
        ...env(tick()),
        kind: 'dns.query',
        name: sub,
        qtype: 'A',
        answers: [`151.101.${Math.floor(r() * 4)}.${Math.floor(r() * 250)}`],
      };
    }
    // Scratch work in a fresh temp folder.
    if (r() < 0.4) {
      const dir = `/tmp/tmp${alnum(8)}`;
      yield {
        ...env(tick()),
        kind: 'file.open',
        path: `${dir}/out.json`,
        flags: 0o101,
        access: 'write',
        result: 4,
        created: true,
      };
      yield {
        ...env(tick()),
        kind: 'file.open',
        path: `/app/workspace/report-2026112${Math.floor(r() * 10)}.txt`,
        flags: 0o101,
        access: 'write',
        result: 5,
      };
    }
    // Subprocesses with varied arguments.
    if (r() < 0.35) {
      const pid = nextPid++;
      const which = r();
      const argv =
        which < 0.4
          ? ['git', 'log', '-n', String(1 + Math.floor(r() * 50))]
          : which < 0.6
            ? ['git', 'status', '--short']
            : which < 0.8
              ? ['git', 'diff', `HEAD~${1 + Math.floor(r() * 30)}`]
              : ['git', 'show', hex(40)];
      yield { ...env(tick()), kind: 'process.fork', childPid: pid };
      yield {
        ...env(tick(), pid, agentPid, 'git', '/usr/bin/git'),
        kind: 'process.exec',
        filename: '/usr/bin/git',
        argv,
        result: 0,
      };
      yield {
        ...env(tick(), pid, agentPid, 'git', '/usr/bin/git'),
        kind: 'file.open',
        path: '/app/workspace/.git/HEAD',
        flags: 0,
        access: 'read',
        result: 3,
      };
      yield { ...env(tick(), pid, agentPid, 'git', '/usr/bin/git'), kind: 'process.exit', exitCode: 0 };
    }
    if (r() < 0.15) {
      const pid = nextPid++;
      yield { ...env(tick()), kind: 'process.fork', childPid: pid };
      yield {
        ...env(tick(), pid, agentPid, 'rg', '/usr/bin/rg'),
        kind: 'process.exec',
        filename: '/usr/bin/rg',
        argv: ['rg', '-i', pick(WORDS), '/app/workspace'],
        result: 0,
      };
      yield {
        ...env(tick(), pid, agentPid, 'rg', '/usr/bin/rg'),
        kind: 'process.exit',
        exitCode: r() < 0.5 ? 0 : 1,
      };
    }
  }
}

/** Attack events an injected prompt could cause, starting at `ts`. */
export function attackEvents(
  ts: number,
  w: WorkloadRef = agentWorkload(),
  agentPid = 120,
): Record<string, VigilEvent[]> {
  const env = (t: number, pid = agentPid, ppid = 1, comm = 'python3', exe = '/usr/bin/python3') => ({
    ts: t,
    workload: w,
    pid,
    ppid,
    comm,
    exe,
    source: 'synthetic' as const,
  });
  return {
    egress: [
      {
        ...env(ts),
        kind: 'dns.query',
        name: 'paste.evil-exfil.example',
        qtype: 'A',
        answers: ['203.0.113.9'],
      },
      {
        ...env(ts + 1e6),
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '203.0.113.9',
        dport: 443,
        result: 0,
      },
    ],
    binary: [
      {
        ...env(ts + 2e6, 9001, agentPid, 'nc', '/usr/bin/nc'),
        kind: 'process.exec',
        filename: '/usr/bin/nc',
        argv: ['nc', '-zv', '10.0.0.5', '22'],
        result: 0,
      },
    ],
    token: [
      {
        ...env(ts + 3e6),
        kind: 'file.open',
        path: '/var/run/secrets/kubernetes.io/serviceaccount/token',
        flags: 0,
        access: 'read',
        result: 7,
      },
    ],
    shell: [
      {
        ...env(ts + 4e6, 9002, agentPid, 'sh', '/bin/sh'),
        kind: 'process.exec',
        filename: '/bin/sh',
        argv: ['sh', '-c', 'id; uname -a'],
        result: 0,
      },
    ],
  };
}
