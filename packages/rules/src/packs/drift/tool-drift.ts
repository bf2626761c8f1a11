import {
  ARGS_MARK,
  type BaselineDomain,
  describePattern,
  isCredentialPath,
  isOrdinaryUtility,
  isRuntimeControlSocket,
  isSystemServiceSocket,
  type UncoveredObservation,
} from '@vigil/core';
import { defineRule, type RuleContext } from '../../api/rule.js';
import { DRIFT_NOTES } from './notes.js';

const VERSION = '1.0.0';
const TOOL_KINDS = [
  'process.exec',
  'file.open',
  'net.connect',
  'net.accept',
  'net.bind',
  'net.listen',
  'dns.query',
] as const;

/** One `toolEffects` observation the baseline has not seen its tool do. */
interface ToolEffect {
  readonly u: UncoveredObservation;
  /** `server/tool`, `function/…` for the agent's own tools. */
  readonly tool: string;
  /** The pattern within the domain (without the tool and `@domain`). */
  readonly inner: readonly string[];
  /** Segments of `inner` the tool's entries matched (negative: the tool, or the domain under it, is new). */
  readonly depth: number;
}

type DriftView = NonNullable<RuleContext['drift']>;

/** The unclaimed `toolEffects` observations of one domain, for an event in a tool call. */
function effects(drift: DriftView, domain: BaselineDomain): ToolEffect[] {
  if (drift.check?.tool === undefined) return [];
  const at = `@${domain}`;
  const out: ToolEffect[] = [];
  for (const u of drift.unclaimed('toolEffects')) {
    const segs = u.observation.segments;
    if (segs[1] !== at) continue;
    out.push({ u, tool: segs[0]!, inner: segs.slice(2), depth: (u.coverage.depth ?? 0) - 2 });
  }
  return out;
}

/** An earlier, more specific rule (a new shell) already reported the event's workload-wide `domain` observation. */
function spokenFor(drift: DriftView, domain: BaselineDomain): boolean {
  const open = drift.unclaimed(domain);
  return drift.check?.uncovered.some((u) => u.observation.domain === domain && !open.includes(u)) === true;
}

/** The workload-wide behaviour of `domain` is new too (not only new under the tool). */
function newElsewhere(drift: DriftView, domain: BaselineDomain): boolean {
  return drift.check?.uncovered.some((u) => u.observation.domain === domain) === true;
}

/** Claims the event's workload-wide observations of `domain`: the finding under the tool speaks for them. */
function claimAll(drift: DriftView, domain: BaselineDomain): void {
  for (const u of drift.unclaimed(domain)) drift.claim(u);
}

function toolLabel(tool: string): string {
  const i = tool.indexOf('/');
  const server = tool.slice(0, i);
  const name = tool.slice(i + 1);
  return server === 'function' ? `the tool ${name}` : `the tool ${name} of the MCP server ${server}`;
}

function since(e: ToolEffect, elsewhere: boolean): string {
  if ((e.u.coverage.depth ?? 0) === 0) return ', a tool it never saw at work while learning';
  return elsewhere ? '' : ' (the workload did it elsewhere)';
}

/** A program a tool ran that the tool never ran while learning. */
export const toolNewProgram = defineRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.tool-call.new-program',
    title: 'New program under this tool',
    description:
      "Baselines learn what each tool does, where attribution placed events in one tool call (the `toolEffects` domain): the programs it runs, the files it opens, the peers it reaches. In a call of a tool, a program that tool never ran while learning is high, even when the workload ran it elsewhere (`git` run by the agent's own code, new under its `run_command` tool). As under a known shell, an ordinary read-only utility (`tail` where learning saw the tool run `ls` and `wc`; the vocabulary lists them) under a tool that ran programs while learning is low: a new program, not a new capability; what it reads is checked on its own (a credential is critical). A known program with new arguments under the tool is low (`vigil.drift.tool-call.new-activity`).",
    severity: 'high',
    version: '1.1.0',
    role: 'drift',
    areas: ['behaviour-drift', 'agent-tool-misuse'],
    tags: { attack: ['T1059'], owaspAgentic: ['ASI02', 'ASI05'], owaspLlm: ['LLM06'] },
    falsePositives: 'A task the learning runs never gave the tool.',
    tuning: 'Learn over more runs whose tasks use the tool.',
  },
  kinds: ['process.exec'],
  onEvent(ev, ctx) {
    const drift = ctx.drift;
    if (drift === undefined) return;
    for (const e of effects(drift, 'processes')) {
      const argsAt = e.inner.indexOf(ARGS_MARK);
      if (e.depth > argsAt) continue;
      if (spokenFor(drift, 'processes')) {
        drift.claim(e.u);
        continue;
      }
      const program = describePattern('processes', e.inner.slice(0, argsAt < 0 ? e.inner.length : argsAt));
      // The tool and its programs are known (`tool`, `@processes` matched): an ordinary utility adds no capability.
      if (e.depth >= 0 && isOrdinaryUtility(ev.filename)) {
        const what = `ran ${program}, an ordinary read-only utility, in a call of ${toolLabel(e.tool)}, which never ran it while learning`;
        ctx.report({
          subject: e.u.observation.concrete,
          summary: what,
          severity: 'low',
          drift: { observation: e.u, what, title: 'New ordinary utility under this tool' },
        });
      } else {
        const what = `ran ${program} in a call of ${toolLabel(e.tool)}, which never ran it while learning${since(e, newElsewhere(drift, 'processes'))}`;
        ctx.report({ subject: e.u.observation.concrete, summary: what, drift: { observation: e.u, what } });
      }
      claimAll(drift, 'processes');
    }
  },
});

/** A credential a tool read that the tool never read while learning. */
export const toolCredentialRead = defineRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.tool-call.credential-read',
    title: 'Credential read under this tool',
    description:
      'In a call of a tool, the workload read a credential (service-account token, cloud or SSH keys, shadow, kubeconfig, … from the shared vocabulary) that this tool never read while learning, even when the workload read it elsewhere (the agent reading its token at start is not its shell tool reading it). No wildcard covers a credential: only an entry naming it under the tool does.',
    severity: 'critical',
    version: VERSION,
    role: 'drift',
    areas: ['behaviour-drift', 'credential-access', 'agent-tool-misuse'],
    tags: { attack: ['T1528', 'T1552.001'], owaspAgentic: ['ASI02', 'ASI03'], owaspLlm: ['LLM06'] },
    falsePositives: 'A tool whose job is to read that credential, on a task the learning runs never gave it.',
    tuning: 'Learn over runs whose tasks make the tool read it.',
  },
  kinds: ['file.open'],
  onEvent(ev, ctx) {
    const drift = ctx.drift;
    if (drift === undefined || !isCredentialPath(ev.path) || ev.access === 'exec') return;
    for (const e of effects(drift, 'files')) {
      const what = `read the credential ${ev.path} in a call of ${toolLabel(e.tool)}, which never read it while learning${since(e, newElsewhere(drift, 'files'))}`;
      ctx.report({ subject: e.u.observation.concrete, summary: what, drift: { observation: e.u, what } });
      claimAll(drift, 'files');
    }
  },
});

/** A peer a tool reached that the tool never reached while learning. */
export const toolNewPeer = defineRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.tool-call.new-peer',
    title: 'New peer under this tool',
    description:
      "In a call of a tool, the workload connected to (or accepted from) a peer this tool never reached while learning: critical, even when the workload reached it elsewhere (the agent's model endpoint reached by its shell tool). A new Unix socket is medium, except a container runtime's control socket (critical) and a system name-service or logging socket (nscd, systemd-resolved, sssd's name service, syslog and the journal: the shared vocabulary's `SYSTEM_SERVICE_SOCKETS`), which is low: any program the tool runs reaches those on its own when it looks up a user or host or logs a line. A new listening socket is high.",
    severity: 'critical',
    version: '1.1.0',
    role: 'drift',
    areas: ['behaviour-drift', 'network-egress', 'agent-tool-misuse'],
    tags: { attack: ['T1041'], owaspAgentic: ['ASI02'], owaspLlm: ['LLM06'] },
    falsePositives: 'A task the learning runs never gave the tool that needs the network.',
    tuning: 'Learn over more runs whose tasks use the tool.',
  },
  kinds: ['net.connect', 'net.accept', 'net.bind', 'net.listen'],
  onEvent(ev, ctx) {
    const drift = ctx.drift;
    if (drift === undefined) return;
    for (const e of effects(drift, 'peers')) {
      if (spokenFor(drift, 'peers')) {
        drift.claim(e.u);
        continue;
      }
      const peer = describePattern('peers', e.inner);
      const tail = `in a call of ${toolLabel(e.tool)}, which never did so while learning${since(e, newElsewhere(drift, 'peers'))}`;
      let what: string;
      let severity: 'critical' | 'high' | 'medium' | 'low' = 'critical';
      let title: string | undefined;
      if (e.inner[0] === 'listen') {
        severity = 'high';
        title = 'New listener under this tool';
        what = `opened ${peer} ${tail}`;
      } else if (ev.kind === 'net.connect' && ev.family === 'unix') {
        const runtime = isRuntimeControlSocket(ev.daddr);
        const system = isSystemServiceSocket(ev.daddr);
        if (system) {
          severity = 'low';
          title = 'System service socket under this tool';
        } else if (!runtime) {
          severity = 'medium';
          title = 'New local socket under this tool';
        }
        what = `connected to the Unix socket ${ev.daddr}${runtime ? ' (a container runtime control socket)' : system ? ' (a system name-service or logging socket)' : ''} ${tail}`;
      } else {
        what = `reached ${peer} ${tail}`;
      }
      ctx.report({
        subject: e.u.observation.concrete,
        summary: what,
        severity,
        drift: { observation: e.u, what, ...(title !== undefined ? { title } : {}) },
      });
      claimAll(drift, 'peers');
    }
  },
});

/** Behaviour the workload knows that a tool never showed: a file, a DNS name, new arguments. */
export const toolNewActivity = defineRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.tool-call.new-activity',
    title: 'Known behaviour, new under this tool',
    description:
      'In a call of a tool, the workload opened a file, queried a DNS name or ran a program the tool ran with new arguments, where the tool never did so while learning but the workload did: low for new arguments, a DNS name, a new file in a folder the tool used, or anything under a tool never seen at work while learning (it has no habit to leave; the other tool-call rules rate its new programs, credentials and peers); medium otherwise. Behaviour the workload never showed at all is reported by the other drift rules.',
    severity: 'medium',
    version: '1.1.0',
    role: 'drift',
    areas: ['behaviour-drift', 'agent-tool-misuse'],
    tags: { owaspAgentic: ['ASI02'] },
    falsePositives: 'A tool doing, for a new task, what the agent already did itself.',
    tuning: 'Learn over more runs whose tasks use the tool.',
  },
  kinds: TOOL_KINDS,
  onEvent(_ev, ctx) {
    const drift = ctx.drift;
    if (drift === undefined || drift.check?.tool === undefined) return;
    for (const domain of ['processes', 'files', 'dns'] as const) {
      for (const e of effects(drift, domain)) {
        // New to the workload too: its own finding speaks for the event.
        if (newElsewhere(drift, domain)) {
          drift.claim(e.u);
          continue;
        }
        const argsAt = e.inner.indexOf(ARGS_MARK);
        // A tool never seen at work has no habit to leave: what the workload did elsewhere is low under it.
        const unseen = (e.u.coverage.depth ?? 0) === 0;
        const near =
          unseen ||
          (domain === 'processes' && argsAt >= 0 && e.depth > argsAt) ||
          (domain === 'files' && e.depth >= e.inner.length - 2) ||
          domain === 'dns';
        const verb = domain === 'processes' ? 'ran' : domain === 'files' ? 'opened' : 'looked up';
        const what = `${verb} ${describePattern(domain, e.inner)} in a call of ${toolLabel(e.tool)}${unseen ? since(e, false) : ', which never did so while learning'} (the workload did it elsewhere)`;
        ctx.report({
          subject: e.u.observation.concrete,
          summary: what,
          severity: near ? 'low' : 'medium',
          drift: { observation: e.u, what },
        });
      }
    }
  },
});
