import type { EventOf, VigilEvent } from '@vigil/core';
import {
  connectSucceeded,
  isFilelessPath,
  isInterpreter,
  isLocalPeer,
  isMetadataAddress,
  isShell,
  isWritableTempPath,
  secretClass,
} from '@vigil/core';
import { toolFingerprint } from '../../api/baseline-view.js';
import { defineSequenceRule, type RuleContext, step } from '../../api/rule.js';

const PRIVATE_DATA = /^\/(home|root|data|srv|mnt|var\/lib)\//;
const SECRET_ACTIONS =
  /^(GetSecretValue|BatchGetSecretValue|GetParameter|GetParameters|GetParametersByPath|Decrypt|GetObject|AccessSecretVersion)$/;

// The tool call attribution placed an event in (`cause`), when it did.
function inCall(ev: VigilEvent): string {
  const c = ev.cause;
  if (c === undefined || ev.kind === 'tool.call') return '';
  if (c.ambiguous === true)
    return ` (in one of the tool calls ${(c.candidates ?? []).map((x) => `${x.name} ${x.id}`).join(', ')})`;
  return c.toolName !== undefined
    ? ` (in tool call ${c.toolName}${c.toolCallId ? ` ${c.toolCallId}` : ''})`
    : '';
}

function describe(ev: VigilEvent): string {
  return describeEvent(ev) + inCall(ev);
}

function describeEvent(ev: VigilEvent): string {
  switch (ev.kind) {
    case 'tool.call':
      return `tool ${ev.server}/${ev.tool}${ev.callId !== undefined && ev.cause?.modelCallId !== undefined ? ` (call ${ev.callId})` : ''}`;
    case 'retrieval':
      return `retrieval from ${ev.dataSource}`;
    case 'file.open':
      return ev.path;
    case 'net.connect':
      return `${ev.dnsName ?? ev.daddr}:${ev.dport}`;
    case 'process.exec':
      return ev.filename;
    case 'k8s.api':
      return `${ev.verb} ${ev.resource}`;
    case 'cloud.api':
      return `${ev.service} ${ev.action}`;
    case 'tool.list':
      return `tool list of ${ev.server}`;
    case 'ns.change':
      return ev.syscall;
    case 'ptrace':
      return ev.requestName;
    default:
      return ev.kind;
  }
}

function newPrivateRead(ev: EventOf<'file.open'>, ctx: RuleContext): boolean {
  if (ev.result < 0 || (ev.access !== 'read' && ev.access !== 'readwrite')) return false;
  if (secretClass(ev.path) === undefined && !PRIVATE_DATA.test(ev.path)) return false;
  return !ctx.baseline!.seen(ev);
}

// Loopback peers count here (a local proxy or tunnel is a way out too); the chain's earlier steps keep
// ordinary new local connections from firing it.
function newPeer(ev: EventOf<'net.connect'>, ctx: RuleContext): boolean {
  if (ev.family === 'unix' || !connectSucceeded(ev.result)) return false;
  return !ctx.baseline!.seen(ev);
}

/** Chain 1: injected instruction → tool misuse → exfiltration. */
export const injectionToExfiltration = defineSequenceRule({
  meta: {
    id: 'vigil.ai.injection-tool-exfiltration',
    title: 'Injected instruction → tool misuse → exfiltration',
    description:
      'An agent workload took in content from a tool call or a retrieval, then read credentials or private data it never touched while learning and connected to a peer it never reached while learning (these two in either order: `cat secret > /dev/tcp/…` connects before it reads) — all within the window. The shape of an indirect prompt injection that turns the agent’s tools against its own data.',
    severity: 'critical',
    version: '1.0.0',
    requiresBaseline: true,
    areas: ['agent-tool-misuse', 'exfiltration', 'credential-access'],
    tags: {
      owaspLlm: ['LLM01', 'LLM02', 'LLM06'],
      owaspAgentic: ['ASI01', 'ASI02'],
      atlas: ['AML.T0051.001', 'AML.T0053', 'AML.T0055', 'AML.T0025'],
      attack: ['T1552.001', 'T1041'],
    },
    rationale:
      'Each step alone is common; together, in order and close in time, they are the exfiltration path every indirect-injection demo uses.',
    falsePositives:
      'A new legitimate feature that reads a new data set and uploads it somewhere new; re-learn after such releases.',
    tuning:
      'Widen the learning to cover the feature, or add an exception on the final peer (`dnsName`) for the workload.',
  },
  keyBy: 'workload',
  windowMs: 10 * 60_000,
  steps: [
    step({
      name: 'ingest',
      description: 'the agent took in content from a tool or a retrieval',
      kinds: ['tool.call', 'retrieval'],
      match: (ev) => ev.kind === 'retrieval' || ev.status !== 'error',
    }),
    step({
      name: 'touch',
      description: 'then read credentials or private data never touched while learning',
      anyOrder: true,
      kinds: ['file.open', 'cloud.api'],
      facts: { 'file.open': ['succeeded', 'read'] },
      match: (ev, ctx) =>
        ev.kind === 'file.open'
          ? newPrivateRead(ev, ctx)
          : SECRET_ACTIONS.test(ev.action) && ev.errorCode === undefined && !ctx.baseline!.seen(ev),
    }),
    step({
      name: 'send',
      description:
        'and connected to a peer never reached while learning (in either order: a shell redirect connects before the read)',
      anyOrder: true,
      kinds: ['net.connect'],
      facts: { 'net.connect': ['succeeded', 'inet'] },
      match: (ev, ctx) => newPeer(ev, ctx),
    }),
  ],
  subject: (events) => describeEvent(events[2]!),
  summarize: (events) => {
    // Attributed from the kernel: the model response that asked for the tool call leads the chain.
    const cause = events[0]!.kind === 'tool.call' ? events[0]!.cause : undefined;
    const from =
      cause?.modelCallId !== undefined
        ? `after a model response${cause.model ? ` (${cause.model})` : ''} asked for ${describe(events[0]!)}`
        : `after ${describe(events[0]!)}`;
    return `${from}, the agent read ${describe(events[1]!)} and connected to ${describe(events[2]!)} — none of which it did while learning`;
  },
});

/** Chain 2: prompt-driven privilege traversal. */
export const privilegeTraversal = defineSequenceRule({
  meta: {
    id: 'vigil.ai.privilege-traversal',
    title: 'Prompt-driven privilege traversal',
    description:
      'The agent (or a tool it launched) read a service-account token or cloud credentials, or queried the instance metadata service, and then called the Kubernetes or cloud API with a verb or service it never used while learning.',
    severity: 'critical',
    version: '1.0.0',
    requiresBaseline: true,
    areas: ['credential-access', 'privilege-escalation', 'kubernetes-api', 'agent-tool-misuse'],
    tags: {
      owaspLlm: ['LLM06'],
      owaspAgentic: ['ASI03', 'ASI02'],
      atlas: ['AML.T0055', 'AML.T0012'],
      attack: ['T1528', 'T1552.005', 'T1078.004'],
    },
    rationale:
      'An agent’s identity is usually broader than its task; a hijacked agent uses the identity, not the task.',
    falsePositives: 'Controllers and operators whose reconcile paths the learning did not cover.',
    tuning: 'Learn across reconcile cycles; add exceptions on `verb`/`resource` or `service`/`action`.',
  },
  keyBy: 'workload',
  windowMs: 15 * 60_000,
  steps: [
    step({
      name: 'credential',
      description: 'the agent or a tool it launched obtained workload credentials',
      kinds: ['file.open', 'net.connect'],
      facts: { 'file.open': ['succeeded', 'read', 'credential'], 'net.connect': ['succeeded'] },
      match: (ev) => {
        if (ev.kind === 'net.connect') return isMetadataAddress(ev.daddr) && connectSucceeded(ev.result);
        if (ev.result < 0 || (ev.access !== 'read' && ev.access !== 'readwrite')) return false;
        const cls = secretClass(ev.path);
        return cls === 'service-account-token' || cls === 'cloud-credentials' || cls === 'kubeconfig';
      },
    }),
    step({
      name: 'use',
      description: 'then called the Kubernetes or cloud API outside its baseline',
      kinds: ['k8s.api', 'cloud.api'],
      match: (ev, ctx) => !ctx.baseline!.seen(ev),
    }),
  ],
  subject: (events) => describeEvent(events[1]!),
  summarize: (events) =>
    `the agent obtained credentials (${describe(events[0]!)}) and then made an API call it never made while learning (${describe(events[1]!)})`,
});

const HOST_WRITE =
  /^\/proc\/(sys|sysrq-trigger|1\/root|1\/ns)|^\/sys\/(kernel|fs\/cgroup)|^\/host\/|\/release_agent$|\/docker\.sock$|\/containerd\.sock$|^\/var\/run\/crio\/crio\.sock$/;
const ATTACH = new Set(['PTRACE_ATTACH', 'PTRACE_SEIZE', 'PTRACE_POKETEXT', 'PTRACE_POKEDATA']);

/** Chain 3: unexpected code execution leading to an escape-shaped action. */
export const agentEscape = defineSequenceRule({
  meta: {
    id: 'vigil.ai.agent-escape',
    title: 'Unexpected code execution → agent escape',
    description:
      'An agent or MCP server spawned a shell, an interpreter or a binary from a writable directory or memory, and that process tree then performed escape-shaped actions: namespace changes, mounts, ptrace, writes to host paths or container-runtime sockets, kernel module or BPF loads, or an outbound connection from a shell (a reverse connection).',
    severity: 'critical',
    version: '1.1.0',
    areas: ['execution', 'container-escape', 'agent-tool-misuse'],
    tags: {
      owaspLlm: ['LLM05', 'LLM06'],
      owaspAgentic: ['ASI05', 'ASI02'],
      atlas: ['AML.T0050', 'AML.T0053'],
      attack: ['T1059', 'T1611', 'T1055.008'],
    },
    rationale:
      'Code interpreters and shell tools turn prompt injection into code execution; an escape attempt from that tree is the breakout.',
    falsePositives:
      'Agents that legitimately build containers or run sandboxes (bubblewrap, nsjail) through a shell.',
    tuning: 'Add an exception on the sandbox `exe` or `syscall` for the workload.',
  },
  keyBy: 'process-tree',
  windowMs: 10 * 60_000,
  steps: [
    step({
      name: 'spawn',
      description: 'the agent or MCP server spawned a shell, interpreter or dropped binary',
      kinds: ['process.exec'],
      facts: { 'process.exec': ['succeeded'] },
      match: (ev, ctx) => {
        if (ev.result !== undefined && ev.result < 0) return false;
        const dropped =
          ev.fileless === true || isFilelessPath(ev.filename) || isWritableTempPath(ev.filename);
        if (!dropped && !isShell(ev.filename) && !isInterpreter(ev.filename)) return false;
        // A shell started by a shell is a script's own work; the interesting spawn crosses from the agent runtime.
        const parent = ctx.processes.get(ev.ppid);
        return dropped || parent === undefined || !isShell(parent.exe);
      },
    }),
    step({
      name: 'escape',
      description: 'then its process tree attempted an escape or a reverse connection',
      kinds: ['ns.change', 'ptrace', 'file.open', 'module.load', 'bpf.load', 'net.connect'],
      facts: { 'net.connect': ['succeeded', 'remote'] },
      match: (ev) => {
        switch (ev.kind) {
          case 'ns.change':
            return ev.syscall !== 'umount' && ev.syscall !== 'clone';
          case 'ptrace':
            return ATTACH.has(ev.requestName);
          case 'file.open':
            return (
              (ev.access === 'write' || ev.access === 'readwrite' || ev.path.endsWith('.sock')) &&
              HOST_WRITE.test(ev.path)
            );
          case 'module.load':
            return true;
          case 'bpf.load':
            return ev.command === 'BPF_PROG_LOAD';
          case 'net.connect':
            return (
              ev.family !== 'unix' &&
              connectSucceeded(ev.result) &&
              !isLocalPeer(ev.daddr, ev.dport) &&
              (isShell(ev.comm) || isShell(ev.exe))
            );
          default:
            return false;
        }
      },
    }),
  ],
  subject: (events) => `${describeEvent(events[0]!)}→${events[1]!.kind}`,
  summarize: (events) =>
    `${describe(events[0]!)} (pid ${events[0]!.pid}) was spawned in the workload and its process tree then performed ${describe(events[1]!)} (pid ${events[1]!.pid})`,
});

const UNSAFE_MODEL = /\.(pkl|pickle|pt|pth|ckpt|joblib|dill|npy|mar)$/i;

/** Chain 4: agentic supply chain — changed tools or unsafe model, then off-baseline behaviour. */
export const agenticSupplyChain = defineSequenceRule({
  meta: {
    id: 'vigil.ai.supply-chain',
    title: 'Agentic supply chain: rug pull or unsafe model, then off-baseline behaviour',
    description:
      'An MCP server’s tool definitions changed after they were approved (a rug pull: the baseline’s approved definitions, or the first list seen in the stream), or a model file in a format that deserialises code (pickle, PyTorch .pt/.pth, .ckpt, joblib) not loaded while learning was opened — followed by behaviour outside the baseline: a new process, a new peer, a sensitive file or a tool never called while learning.',
    severity: 'critical',
    version: '1.0.0',
    requiresBaseline: true,
    areas: ['supply-chain', 'behaviour-drift', 'execution'],
    tags: {
      owaspLlm: ['LLM03', 'LLM04'],
      owaspAgentic: ['ASI04'],
      atlas: ['AML.T0010', 'AML.T0010.003', 'AML.T0011.000'],
      attack: ['T1195.002'],
    },
    rationale:
      'Tool definitions and model files are code the agent trusts; a change followed by new behaviour is the payload running.',
    falsePositives:
      'A planned MCP server upgrade or model roll-out followed by its new, legitimate behaviour.',
    tuning:
      'Re-approve tool definitions and re-learn after planned upgrades; add an exception on `server` for servers you update often.',
  },
  keyBy: 'workload',
  windowMs: 30 * 60_000,
  steps: [
    step({
      name: 'change',
      description: 'tool definitions changed after approval, or an unsafe model file was loaded',
      kinds: ['tool.list', 'file.open'],
      facts: { 'file.open': ['succeeded', 'read'] },
      match: (ev, ctx) => {
        if (ev.kind === 'file.open') {
          if (ev.result < 0 || (ev.access !== 'read' && ev.access !== 'readwrite')) return false;
          return UNSAFE_MODEL.test(ev.path) && !ctx.baseline!.seen(ev);
        }
        const current = new Map(ev.tools.map((t) => [t.name, toolFingerprint(t)] as const));
        const approved =
          ctx.baseline!.approvedTools(ev.workload, ev.server) ??
          ctx.state.get<Map<string, string>>(`tools:${ev.server}`);
        if (approved === undefined) {
          ctx.state.set(`tools:${ev.server}`, current);
          return false;
        }
        for (const [name, fp] of current) if (approved.get(name) !== fp) return true;
        return false;
      },
    }),
    step({
      name: 'act',
      description: 'then the workload did something never seen while learning',
      kinds: ['process.exec', 'net.connect', 'file.open', 'tool.call'],
      facts: {
        'process.exec': ['succeeded'],
        'net.connect': ['succeeded', 'inet'],
        'file.open': ['succeeded', 'credential'],
      },
      match: (ev, ctx) => {
        const b = ctx.baseline!;
        switch (ev.kind) {
          case 'process.exec':
            return (ev.result === undefined || ev.result >= 0) && !b.seen(ev);
          case 'net.connect':
            return newPeer(ev, ctx);
          case 'file.open':
            return ev.result >= 0 && secretClass(ev.path) !== undefined && !b.seen(ev);
          case 'tool.call':
            return !b.seen(ev);
          default:
            return false;
        }
      },
    }),
  ],
  subject: (events) => describeEvent(events[0]!),
  summarize: (events) =>
    `${events[0]!.kind === 'tool.list' ? `the tool definitions of ${(events[0] as EventOf<'tool.list'>).server} changed after approval` : `unsafe model file ${describe(events[0]!)} was loaded`}, then the workload did something never seen while learning: ${describe(events[1]!)}`,
});
