import {
  EVENT_KINDS,
  HOST_CONTROL_CAPABILITIES,
  isLocalToolCall,
  KERNEL_CHANGING_SYSCALLS,
} from '@vigil/core';
import { defineDriftRule } from '../../api/drift-rule.js';
import { defineRule } from '../../api/rule.js';
import { DRIFT_NOTES } from './notes.js';

const VERSION = '1.0.0';
const SENSITIVE_K8S =
  /^(secrets|pods\/exec|pods\/attach|pods\/portforward|serviceaccounts\/token|rolebindings|clusterrolebindings|roles|clusterroles|certificatesigningrequests)$/;
const SENSITIVE_CLOUD = /^(iam|sts|kms|secretsmanager|organizations)(\.amazonaws\.com)?$/i;

/** A DNS name under a domain the workload already resolved. */
export const dnsNewSubdomain = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.dns.new-subdomain',
    title: 'New name under a known domain',
    description: 'The workload looked up a new name under a domain it resolved while learning.',
    severity: 'low',
    version: VERSION,
    areas: ['behaviour-drift'],
  },
  domain: 'dns',
  kinds: ['dns.query'],
  assess(u) {
    const depth = u.coverage.depth ?? 0;
    if (depth < 2) return undefined;
    return {
      what: `looked up ${u.observation.concrete}, new but under the known domain ${[...u.observation.segments.slice(0, depth)].reverse().join('.')}`,
    };
  },
});

/** A DNS domain the workload never resolved. */
export const dnsNewDomain = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.dns.new-domain',
    title: 'New domain looked up',
    description: 'The workload looked up a domain it never resolved while learning.',
    severity: 'medium',
    version: VERSION,
    areas: ['behaviour-drift', 'network-egress'],
    tags: { attack: ['T1071.004'] },
  },
  domain: 'dns',
  kinds: ['dns.query'],
  assess(u) {
    const depth = u.coverage.depth ?? 0;
    const known = [...u.observation.segments.slice(0, depth)].reverse().join('.');
    return {
      what: `looked up ${u.observation.concrete}${depth > 0 ? ` (only .${known} was known)` : ''}, a domain it never resolved while learning`,
    };
  },
});

/** A capability the workload never raised. */
export const newCapability = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.capability.new',
    title: 'New capability',
    description:
      'The workload raised a capability it never used while learning: critical for capabilities that control the host (CAP_SYS_ADMIN, CAP_SYS_MODULE, …), high otherwise.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift', 'privilege-escalation'],
    tags: { attack: ['T1548'] },
  },
  domain: 'capabilities',
  kinds: ['priv.change'],
  assess(u) {
    const cap = u.observation.segments[0] ?? '?';
    return {
      severity: HOST_CONTROL_CAPABILITIES.has(cap) ? 'critical' : 'high',
      what: `raised the capability ${cap}, which it never used while learning`,
    };
  },
});

/** A privileged system call the workload never made. */
export const newSyscall = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.syscall.new',
    title: 'New privileged system call',
    description:
      'The workload made a privileged call it never made while learning (setuid and friends, capset, namespace changes, ptrace, module and BPF loads, memfd_create): critical for calls that change the kernel (module load, BPF, setns), high otherwise.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift', 'privilege-escalation'],
  },
  domain: 'syscalls',
  kinds: ['priv.change', 'ns.change', 'ptrace', 'module.load', 'bpf.load', 'memfd.create'],
  assess(u) {
    const crit = KERNEL_CHANGING_SYSCALLS.has(u.observation.segments[0] ?? '');
    return {
      severity: crit ? 'critical' : 'high',
      what: `made the call ${u.observation.concrete}, which it never made while learning`,
      tags: { attack: crit ? ['T1547.006'] : ['T1548'] },
    };
  },
});

/**
 * A function tool of the agent itself (run in its own process) that it never called while learning.
 * It is one of the tools the agent was built with, not a new server: low; what the call then did
 * (programs, files, peers under it) is judged by the per-tool drift rules.
 */
export const newLocalTool = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.tool.new-local-tool',
    title: 'New local tool of the agent',
    description:
      'The agent called one of its own function tools (in its process, from a model response or an OTel span) that it never called while learning. Low: the tool is part of the agent; what the call did is judged by the `vigil.drift.tool-call.*` rules.',
    severity: 'low',
    version: VERSION,
    areas: ['behaviour-drift', 'agent-tool-misuse'],
    tags: { owaspAgentic: ['ASI02'] },
  },
  domain: 'tools',
  kinds: ['tool.call'],
  assess: (_u, ev) =>
    ev.kind === 'tool.call' && isLocalToolCall(ev)
      ? { what: `called its own function tool ${ev.tool}, which it never called while learning` }
      : undefined,
});

/** A new tool of an MCP server the workload already used. */
export const newTool = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.tool.new-tool',
    title: 'New tool of a known MCP server',
    description: 'The workload invoked a tool it never invoked while learning, on a server it already used.',
    severity: 'medium',
    version: '1.1.0',
    areas: ['behaviour-drift', 'agent-tool-misuse'],
    tags: { owaspAgentic: ['ASI02'] },
  },
  domain: 'tools',
  kinds: ['tool.call'],
  assess(u, ev) {
    if ((u.coverage.depth ?? 0) < 1 || (ev.kind === 'tool.call' && isLocalToolCall(ev))) return undefined;
    return { what: `invoked the tool ${u.observation.concrete}, new on a server it already used` };
  },
});

/** An MCP server the workload never used. */
export const newServer = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.tool.new-server',
    title: 'New MCP server used',
    description: 'The workload invoked a tool of a server (or tool provider) it never used while learning.',
    severity: 'high',
    version: '1.1.0',
    areas: ['behaviour-drift', 'agent-tool-misuse'],
    tags: { owaspAgentic: ['ASI02', 'ASI04'], owaspLlm: ['LLM06'] },
  },
  domain: 'tools',
  kinds: ['tool.call'],
  assess: (u, ev) =>
    ev.kind === 'tool.call' && isLocalToolCall(ev)
      ? undefined
      : { what: `invoked ${u.observation.concrete} on a server it never used while learning` },
});

/** A new model of a provider the workload already called. */
export const newModel = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.model.new-model',
    title: 'New model from a known provider',
    description:
      'The workload called a model it never called while learning, from a provider it already used.',
    severity: 'medium',
    version: VERSION,
    areas: ['behaviour-drift'],
  },
  domain: 'models',
  kinds: ['model.call'],
  assess(u) {
    if ((u.coverage.depth ?? 0) < 1) return undefined;
    return { what: `called the model ${u.observation.concrete}, new from a provider it already used` };
  },
});

/** A model provider the workload never called. */
export const newProvider = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.model.new-provider',
    title: 'New model provider',
    description: 'The workload called a model provider it never used while learning.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift'],
    tags: { owaspLlm: ['LLM03'] },
  },
  domain: 'models',
  kinds: ['model.call'],
  assess: (u) => ({ what: `called ${u.observation.concrete}, a provider it never used while learning` }),
});

/** A retrieval data source the workload never read. */
export const newRetrievalSource = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.retrieval.new-source',
    title: 'New retrieval data source',
    description:
      'The workload read a retrieval data source it never read while learning: medium in a known store, high otherwise.',
    severity: 'high',
    version: '1.1.0',
    areas: ['behaviour-drift'],
    tags: { owaspLlm: ['LLM08'] },
  },
  domain: 'retrievals',
  kinds: ['retrieval'],
  assess(u) {
    const depth = u.coverage.depth ?? 0;
    // Segments are store / collection / operation / principal: a known collection is new-access's.
    if (depth >= 2) return undefined;
    const [store = '-', collection = '-', op = 'query'] = u.observation.segments;
    const verb =
      op === 'query' ? 'read' : op === 'upsert' ? 'wrote' : op === 'delete' ? 'deleted from' : `ran ${op} on`;
    return {
      severity: depth >= 1 ? 'medium' : 'high',
      what: `${verb} the data source ${store}/${collection} (${u.observation.concrete}), which it never used while learning`,
    };
  },
});

/** A new operation (the agent starts deleting) or a new role on a data source the workload already used. */
export const newRetrievalAccess = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.retrieval.new-access',
    title: 'New operation or role on a known data source',
    description:
      'The workload used a table or collection it used while learning, with an operation (query, upsert, delete, admin) or a role it never used on it: high for writes, deletes and admin statements, medium for reads under a new role.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift', 'least-privilege'],
    tags: { owaspLlm: ['LLM06', 'LLM08'], owaspAgentic: ['ASI02'] },
  },
  domain: 'retrievals',
  kinds: ['retrieval'],
  assess(u) {
    const depth = u.coverage.depth ?? 0;
    if (depth < 2) return undefined;
    const [store = '-', collection = '-', op = 'query', principal = '-'] = u.observation.segments;
    const what =
      depth === 2
        ? `ran ${op} on ${store}/${collection}, which it only used otherwise while learning`
        : `ran ${op} on ${store}/${collection} as ${principal}, a role it never used there while learning`;
    return { severity: op === 'query' ? 'medium' : 'high', what };
  },
});

/** A Kubernetes call on a sensitive resource the workload never touched. */
export const k8sSensitiveCall = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.k8s.sensitive-call',
    title: 'New Kubernetes call on a sensitive resource',
    description:
      'The workload made a Kubernetes call it never made while learning, on secrets, exec/attach/port-forward, tokens, RBAC or certificate signing requests.',
    severity: 'critical',
    version: VERSION,
    areas: ['behaviour-drift', 'kubernetes-api'],
    tags: { attack: ['T1552.007', 'T1609'], owaspAgentic: ['ASI03'] },
  },
  domain: 'k8s',
  kinds: ['k8s.api'],
  assess(u) {
    if (!SENSITIVE_K8S.test(u.observation.segments[1] ?? '')) return undefined;
    return {
      what: `made the Kubernetes call ${u.observation.concrete}, on a sensitive resource it never touched while learning`,
    };
  },
});

/** A new verb or namespace on a Kubernetes resource the workload already used. */
export const k8sNewVerb = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.k8s.new-verb',
    title: 'New Kubernetes verb or namespace on a known resource',
    description:
      'The workload made a Kubernetes call it never made while learning, on a resource it already used.',
    severity: 'medium',
    version: VERSION,
    areas: ['behaviour-drift', 'kubernetes-api'],
    tags: { owaspAgentic: ['ASI03'] },
  },
  domain: 'k8s',
  kinds: ['k8s.api'],
  assess(u) {
    if ((u.coverage.depth ?? 0) < 2) return undefined;
    return { what: `made the Kubernetes call ${u.observation.concrete}, which it never made while learning` };
  },
});

/** A Kubernetes resource the workload never used. */
export const k8sNewResource = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.k8s.new-resource',
    title: 'New Kubernetes resource',
    description: 'The workload made a Kubernetes call on a resource it never used while learning.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift', 'kubernetes-api'],
    tags: { owaspAgentic: ['ASI03'] },
  },
  domain: 'k8s',
  kinds: ['k8s.api'],
  assess: (u) => ({
    what: `made the Kubernetes call ${u.observation.concrete}, which it never made while learning`,
  }),
});

/** A cloud call on an identity or secrets service the workload never used. */
export const cloudSensitiveCall = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.cloud.sensitive-call',
    title: 'New identity or secrets cloud call',
    description:
      'The workload made a cloud call it never made while learning, on an identity or secrets service (IAM, STS, KMS, Secrets Manager, Organizations).',
    severity: 'critical',
    version: VERSION,
    areas: ['behaviour-drift'],
    tags: { attack: ['T1078.004'], owaspAgentic: ['ASI03'] },
  },
  domain: 'cloud',
  kinds: ['cloud.api'],
  assess(u) {
    if (!SENSITIVE_CLOUD.test(u.observation.segments[1] ?? '')) return undefined;
    return {
      what: `made the cloud call ${u.observation.concrete}, on an identity or secrets service it never used while learning`,
    };
  },
});

/** A new action on a cloud service the workload already used. */
export const cloudNewAction = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.cloud.new-action',
    title: 'New action on a known cloud service',
    description: 'The workload made a cloud call it never made while learning, on a service it already used.',
    severity: 'medium',
    version: VERSION,
    areas: ['behaviour-drift'],
    tags: { owaspAgentic: ['ASI03'] },
  },
  domain: 'cloud',
  kinds: ['cloud.api'],
  assess(u) {
    if ((u.coverage.depth ?? 0) < 2) return undefined;
    return { what: `made the cloud call ${u.observation.concrete}, which it never made while learning` };
  },
});

/** A cloud service the workload never used. */
export const cloudNewService = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.cloud.new-service',
    title: 'New cloud service',
    description: 'The workload called a cloud service it never used while learning.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift'],
    tags: { owaspAgentic: ['ASI03'] },
  },
  domain: 'cloud',
  kinds: ['cloud.api'],
  assess: (u) => ({
    what: `made the cloud call ${u.observation.concrete}, which it never made while learning`,
  }),
});

/** Anything uncovered no other drift rule recognised (outside the shells domain). */
export const otherDrift = defineRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.other',
    title: 'New behaviour',
    description:
      'Behaviour the baseline does not cover that no more specific drift rule recognised (for example the observations of a drift rule a user disabled).',
    severity: 'medium',
    version: VERSION,
    role: 'drift',
    areas: ['behaviour-drift'],
  },
  kinds: [...EVENT_KINDS],
  onEvent(_ev, ctx) {
    const drift = ctx.drift;
    if (drift === undefined) return;
    for (const u of drift.unclaimed()) {
      // Under a shell or a tool, the workload-wide observation of the same event speaks for it.
      if (u.observation.domain === 'shells' || u.observation.domain === 'toolEffects') continue;
      ctx.report({
        subject: u.observation.concrete,
        summary: u.observation.concrete,
        drift: { observation: u, what: u.observation.concrete },
      });
    }
  },
});
