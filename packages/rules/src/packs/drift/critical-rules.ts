import {
  basename,
  isCredentialPath,
  isFilelessPath,
  isInterpreter,
  isLocalPeer,
  isShellExec,
  isWritableTempPath,
  PTRACE_WRITE_REQUESTS,
  TOKEN_EGRESS_WINDOW_NS,
  type VigilEvent,
} from '@vigil/core';
import { defineRule } from '../../api/rule.js';
import { CRITICAL_NOTES } from './notes.js';

const VERSION = '1.0.0';
const CRITICAL_NOTE =
  ' As a critical behaviour it is never admitted into a baseline silently: while learning it is quarantined for review (`vigil baseline review`, `vigil learn --admit`), while checking it lifts the drift findings of the same event to its severity.';

/** An agent or interpreter starting a shell from a program that never started one. */
export const shellFromInterpreter = defineRule({
  meta: {
    ...CRITICAL_NOTES,
    id: 'vigil.critical.shell-from-interpreter',
    title: 'Shell spawned by an agent or interpreter',
    description: `An interpreter or agent runtime (python, node, …) started a shell, and the baseline knows no shell started by that program and argument shape.${CRITICAL_NOTE}`,
    severity: 'critical',
    version: VERSION,
    role: 'critical',
    areas: ['behaviour-drift', 'execution', 'agent-tool-misuse'],
    tags: { attack: ['T1059.004'], owaspAgentic: ['ASI05'], owaspLlm: ['LLM06'], atlas: ['AML.T0050'] },
    tuning:
      'Agents with a shell tool: admit the quarantined shell after review; what runs under it is then learned per starting program.',
  },
  kinds: ['process.exec'],
  onEvent(ev, ctx) {
    if (!isShellExec(ev.filename, ev.argv)) return;
    if (ctx.drift?.shell?.known === true) return;
    const parent =
      ctx.processes.get(ev.ppid)?.exe || (ev.exe !== '' && ev.exe !== ev.filename ? ev.exe : undefined);
    if (parent === undefined || !isInterpreter(parent)) return;
    ctx.report({
      subject: ev.filename,
      summary: `${basename(parent)} (pid ${ev.ppid}) started the shell ${ev.filename}`,
    });
  },
});

/** A program run from a writable temp location or from memory. */
export const execFromTemp = defineRule({
  meta: {
    ...CRITICAL_NOTES,
    id: 'vigil.critical.exec-from-temp',
    title: 'Program run from a writable temp location or from memory',
    description: `A program was run from /tmp, /var/tmp, /dev/shm or from memory (memfd, deleted file).${CRITICAL_NOTE}`,
    severity: 'critical',
    version: VERSION,
    role: 'critical',
    areas: ['behaviour-drift', 'execution', 'defense-evasion'],
    tags: { attack: ['T1105', 'T1620'], owaspAgentic: ['ASI05'] },
  },
  kinds: ['process.exec'],
  onEvent(ev, ctx) {
    if (ev.fileless === true || isFilelessPath(ev.filename))
      ctx.report({
        subject: ev.filename,
        summary: `${ev.filename} was run from memory (memfd or deleted file)`,
      });
    else if (isWritableTempPath(ev.filename))
      ctx.report({ subject: ev.filename, summary: `${ev.filename} was run from a writable temp location` });
  },
});

/** A credential file read. */
export const credentialRead = defineRule({
  meta: {
    ...CRITICAL_NOTES,
    id: 'vigil.critical.credential-read',
    title: 'Credential file read',
    description: `A process read a credential (service-account token, cloud or SSH keys, … from the shared vocabulary).${CRITICAL_NOTE}`,
    severity: 'critical',
    version: VERSION,
    role: 'critical',
    areas: ['behaviour-drift', 'credential-access'],
    tags: { attack: ['T1528', 'T1552.001'], owaspAgentic: ['ASI03'], owaspLlm: ['LLM02'] },
  },
  kinds: ['file.open'],
  onEvent(ev, ctx) {
    if (ev.result < 0 || !isCredentialPath(ev.path)) return;
    ctx.report({ subject: ev.path, summary: `read the credential ${ev.path}` });
  },
});

/** A credential read followed, within a window, by egress to a peer the baseline does not know. */
export const tokenThenEgress = defineRule({
  meta: {
    ...CRITICAL_NOTES,
    id: 'vigil.critical.token-then-egress',
    title: 'Credential read followed by egress to a new peer',
    description: `The workload connected to a peer its baseline does not know within \`windowSeconds\` of reading a credential.${CRITICAL_NOTE}`,
    severity: 'critical',
    version: '1.1.0',
    role: 'critical',
    areas: ['behaviour-drift', 'credential-access', 'exfiltration'],
    tags: { attack: ['T1528', 'T1041'], owaspAgentic: ['ASI03'], owaspLlm: ['LLM02'] },
    params: { windowSeconds: TOKEN_EGRESS_WINDOW_NS / 1e9 },
    tuning: 'Override `windowSeconds` to widen or narrow the window.',
  },
  kinds: ['file.open', 'net.connect'],
  onEvent(ev, ctx) {
    if (ev.kind === 'file.open') {
      if (ev.result >= 0 && isCredentialPath(ev.path)) ctx.state.set('read', ev);
      return;
    }
    if (ev.kind !== 'net.connect') return;
    const read = ctx.state.get<VigilEvent>('read');
    if (read === undefined || read.kind !== 'file.open') return;
    const windowNs = (ctx.params['windowSeconds'] ?? TOKEN_EGRESS_WINDOW_NS / 1e9) * 1e9;
    if (ev.ts - read.ts > windowNs || ev.ts < read.ts) return;
    if (ev.family === 'unix' || isLocalPeer(ev.daddr, ev.dport)) return;
    if (ctx.baseline?.seen(ev) === true) return;
    ctx.report({
      subject: `${ev.dnsName ?? ev.daddr}:${ev.dport}`,
      summary: `connected to the new peer ${ev.dnsName ?? ev.daddr}:${ev.dport} ${Math.round((ev.ts - read.ts) / 1e9)} s after reading ${read.path}`,
      events: [read, ev],
    });
  },
});

/** A kernel module loaded. */
export const kernelModuleLoad = defineRule({
  meta: {
    ...CRITICAL_NOTES,
    id: 'vigil.critical.kernel-module-load',
    title: 'Kernel module loaded',
    description: `A process loaded a kernel module.${CRITICAL_NOTE}`,
    severity: 'critical',
    version: VERSION,
    role: 'critical',
    areas: ['behaviour-drift', 'persistence', 'container-escape'],
    tags: { attack: ['T1547.006'] },
  },
  kinds: ['module.load'],
  onEvent(ev, ctx) {
    if (ev.result >= 0) ctx.report({ subject: ev.name, summary: `loaded the kernel module ${ev.name}` });
  },
});

/** ptrace attach or memory writes into another process. */
export const ptraceAttach = defineRule({
  meta: {
    ...CRITICAL_NOTES,
    id: 'vigil.critical.ptrace-attach',
    title: 'Another process attached to or written with ptrace',
    description: `A process attached to another with ptrace or wrote its memory or registers.${CRITICAL_NOTE}`,
    severity: 'high',
    version: VERSION,
    role: 'critical',
    areas: ['behaviour-drift', 'privilege-escalation', 'defense-evasion'],
    tags: { attack: ['T1055.008'] },
  },
  kinds: ['ptrace'],
  onEvent(ev, ctx) {
    if (PTRACE_WRITE_REQUESTS.has(ev.requestName))
      ctx.report({ subject: ev.requestName, summary: `${ev.requestName} on pid ${ev.targetPid}` });
  },
});

/** Entering another namespace, or creating a user namespace. */
export const namespaceChange = defineRule({
  meta: {
    ...CRITICAL_NOTES,
    id: 'vigil.critical.namespace-change',
    title: 'Namespace entered or user namespace created',
    description: `A process entered another namespace (setns) or created a user namespace.${CRITICAL_NOTE}`,
    severity: 'high',
    version: VERSION,
    role: 'critical',
    areas: ['behaviour-drift', 'container-escape'],
    tags: { attack: ['T1611'] },
  },
  kinds: ['ns.change'],
  onEvent(ev, ctx) {
    if (ev.result < 0) return;
    if (ev.syscall === 'setns')
      ctx.report({
        subject: 'setns',
        summary: `entered another namespace (${(ev.namespaces ?? []).join(', ') || 'setns'})`,
      });
    else if (ev.syscall === 'unshare' && (ev.namespaces ?? []).includes('CLONE_NEWUSER'))
      ctx.report({ subject: 'unshare', summary: 'created a user namespace' });
  },
});
