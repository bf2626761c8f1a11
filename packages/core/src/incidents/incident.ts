import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EventSchema, type VigilEvent } from '../events/schema.js';
import type { FindingTags, Risk } from '../findings/finding.js';
import {
  type ComplianceRef,
  ComplianceRefSchema,
  type Evidence,
  type Finding,
  FindingTagsSchema,
  RiskSchema,
  SEVERITIES,
  type Severity,
  SeveritySchema,
  severityRank,
} from '../findings/finding.js';
import { riskScore } from '../findings/risk-scale.js';
import { countOf, formatDuration } from '../output/count-text.js';
import { lazySchema } from '../schemas/lazy.js';
import type { ProcessTree } from '../stream/enricher.js';
import { isCredentialPath } from '../vocabulary/credentials.js';
import { formatPeer, isLocalPeer, LARGE_EGRESS_BYTES } from '../vocabulary/network.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import { WorkloadRefSchema } from '../workload/workload-ref.js';

/** Version of the incident document schema. */
export const INCIDENT_SCHEMA_VERSION = 1;

/** One step of an incident's chain: an event, with the findings it is evidence for. */
export const IncidentStepSchema = lazySchema(() =>
  z.object({
    ts: z.number().nonnegative(),
    kind: z.string(),
    pid: z.number().int().nonnegative(),
    comm: z.string(),
    /** What happened, as people read it. */
    description: z.string(),
    /** Ids of the findings this event is evidence for. */
    findings: z.array(z.string()),
    event: EventSchema.optional(),
  }),
);
/** @see {@link IncidentStepSchema} */
export interface IncidentStep {
  ts: number;
  kind: string;
  pid: number;
  comm: string;
  /** What happened, as people read it. */
  description: string;
  /** Ids of the findings this event is evidence for. */
  findings: string[];
  event?: VigilEvent | undefined;
}

/**
 * Findings about one process tree of one workload within a window, joined:
 * the chain of events in order, the highest severity the chain earns (which
 * can be more than its parts), an explanation, and the tags and compliance
 * references of every part.
 *
 * @example
 * ```ts
 * import { IncidentSchema } from '@vigil/core';
 *
 * const incident = IncidentSchema.parse(JSON.parse(text));
 * console.log(incident.severity, incident.summary);
 * ```
 */
export const IncidentSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(INCIDENT_SCHEMA_VERSION),
    kind: z.literal('vigil.incident'),
    /** Stable: a hash of the workload, the tree's root and the first finding. */
    id: z.string().min(1),
    title: z.string(),
    severity: SeveritySchema,
    workload: WorkloadRefSchema,
    /** The root of the process tree: the topmost known ancestor within the workload. */
    root: z.object({ pid: z.number().int().nonnegative(), exe: z.string().optional() }),
    firstTs: z.number().nonnegative(),
    lastTs: z.number().nonnegative(),
    /** The explanation: what the chain did and why it is rated as it is. */
    summary: z.string(),
    findings: z.array(
      z.object({
        id: z.string(),
        ruleId: z.string(),
        title: z.string(),
        severity: SeveritySchema,
        ts: z.number(),
      }),
    ),
    chain: z.array(IncidentStepSchema),
    tags: FindingTagsSchema,
    compliance: z.array(ComplianceRefSchema),
    risk: RiskSchema,
  }),
);
/** @see {@link IncidentSchema} */
export interface Incident {
  schemaVersion: 1;
  kind: 'vigil.incident';
  /** Stable: a hash of the workload, the tree's root and the first finding. */
  id: string;
  title: string;
  severity: Severity;
  workload: WorkloadRef;
  /** The root of the process tree: the topmost known ancestor within the workload. */
  root: {
    pid: number;
    exe?: string | undefined;
  };
  firstTs: number;
  lastTs: number;
  /** The explanation: what the chain did and why it is rated as it is. */
  summary: string;
  findings: {
    id: string;
    ruleId: string;
    title: string;
    severity: Severity;
    ts: number;
  }[];
  chain: IncidentStep[];
  tags: FindingTags;
  compliance: ComplianceRef[];
  risk: Risk;
}

/**
 * Options of {@link correlateIncidents}.
 *
 * @example
 * ```ts
 * const options: IncidentOptions = { processes: vigil.processes, windowMs: 600_000 };
 * ```
 */
export interface IncidentOptions {
  /** The pipeline's process tree (`Vigil.processes`); without it each pid is its own tree. */
  readonly processes?: ProcessTree | undefined;
  /** Findings further apart than this (stream time) start a new incident. Default 10 minutes. */
  readonly windowMs?: number;
  /** Findings below this severity are not joined. Default `low`. */
  readonly minSeverity?: Severity;
}

function describeEvent(ev: VigilEvent): string {
  const who = `${ev.comm} (pid ${ev.pid})`;
  switch (ev.kind) {
    case 'process.exec':
      return `${who} ran ${[ev.filename, ...ev.argv.slice(1)].join(' ').slice(0, 160)}`;
    case 'file.open':
      return `${who} opened ${ev.path} (${ev.access})`;
    case 'net.connect':
      return `${who} connected to ${ev.family === 'unix' ? 'the local socket ' : ''}${formatPeer(ev)}`;
    case 'dns.query':
      return `${who} looked up ${ev.name}`;
    case 'tool.call':
      return `${who} called the tool ${ev.server}/${ev.tool}`;
    case 'k8s.api':
      return `${who} called the Kubernetes API: ${ev.verb} ${ev.resource}`;
    case 'retrieval':
      return `${who} ${ev.operation === 'upsert' ? 'wrote' : ev.operation === 'delete' ? 'deleted from' : 'retrieved from'} ${ev.store ?? 'store'}/${ev.dataSource}${ev.documents !== undefined ? ` (${countOf(ev.documents, 'row')})` : ''}${ev.principal ? ` as ${ev.principal}` : ''}`;
    case 'net.transfer':
      return `${who} sent ${ev.bytesSent} bytes to ${ev.daddr !== undefined ? `${ev.daddr}:${ev.dport}` : (ev.endpoint ?? 'a TLS peer')}`;
    default:
      return `${who}: ${ev.kind}`;
  }
}

function eventsOf(f: Finding): VigilEvent[] {
  const out: VigilEvent[] = [];
  for (const e of f.evidence) if (e.event !== undefined) out.push(e.event);
  return out;
}

function eventKey(ev: VigilEvent): string {
  return `${ev.ts}\u0000${ev.pid}\u0000${ev.kind}`;
}

function bump(s: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.length - 1, severityRank(s) + 1)]!;
}

/** A credential read that comes before egress in the chain: the shape of exfiltration. */
function readThenEgress(chain: readonly VigilEvent[]): boolean {
  let read = false;
  for (const ev of chain) {
    if (ev.kind === 'file.open' && ev.result >= 0 && isCredentialPath(ev.path)) read = true;
    else if (read && ev.kind === 'net.connect' && ev.family !== 'unix' && !isLocalPeer(ev.daddr, ev.dport))
      return true;
  }
  return false;
}

/** A retrieval that returned data, then a large transfer: the shape of corpus exfiltration. */
function retrievalThenLargeEgress(chain: readonly VigilEvent[]): boolean {
  let retrieved = false;
  for (const ev of chain) {
    if (ev.kind === 'retrieval' && (ev.operation ?? 'query') === 'query' && ev.error === undefined)
      retrieved = true;
    else if (retrieved && ev.kind === 'net.transfer' && ev.bytesSent >= LARGE_EGRESS_BYTES) return true;
  }
  return false;
}

interface Group {
  readonly key: string;
  readonly root: number;
  readonly findings: Finding[];
  lastTs: number;
}

/**
 * Joins findings about the same process tree (by root ancestor within the
 * workload, from the pipeline's process tree) within a window into
 * {@link Incident}s. A group becomes an incident when it holds two findings
 * or more, or one finding whose evidence is a chain of events from more than
 * one process or of more than one kind. Its severity is the highest of its
 * parts, raised one step when two different rules at medium or above agree
 * (provisional drift, against a baseline still learning, does not count),
 * and at least high when a credential read is followed by egress or a
 * retrieval by a large transfer (`LARGE_EGRESS_BYTES` sent on one connection).
 *
 * @example
 * ```ts
 * import { correlateIncidents, Vigil } from '@vigil/core';
 *
 * const vigil = new Vigil({ source, consumers: [engine] });
 * await vigil.run();
 * for (const i of correlateIncidents(engine.findings(), { processes: vigil.processes })) console.log(i.severity, i.summary);
 * ```
 */
export function correlateIncidents(findings: readonly Finding[], options: IncidentOptions = {}): Incident[] {
  const window = (options.windowMs ?? 600_000) * 1e6;
  const min = severityRank(options.minSeverity ?? 'low');
  const tree = options.processes;
  const sorted = findings
    .filter((f) => severityRank(f.severity) >= min && f.evidence.some((e) => e.event !== undefined))
    .slice()
    .sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
  const open = new Map<string, Group>();
  const groups: Group[] = [];
  for (const f of sorted) {
    const first = eventsOf(f).sort((a, b) => a.ts - b.ts)[0]!;
    const root = tree?.root(first.pid) ?? first.pid;
    const key = `${f.workload.id}\u0000${root}`;
    let g = open.get(key);
    if (g === undefined || f.ts - g.lastTs > window) {
      g = { key, root, findings: [], lastTs: f.ts };
      open.set(key, g);
      groups.push(g);
    }
    g.findings.push(f);
    g.lastTs = Math.max(g.lastTs, f.lastSeen ?? f.ts, f.ts);
  }
  const out: Incident[] = [];
  for (const g of groups) {
    const steps = new Map<string, { ev: VigilEvent; findings: string[] }>();
    for (const f of g.findings)
      for (const ev of eventsOf(f)) {
        const k = eventKey(ev);
        const s = steps.get(k);
        if (s === undefined) steps.set(k, { ev, findings: [f.id] });
        else if (!s.findings.includes(f.id)) s.findings.push(f.id);
      }
    const ordered = [...steps.values()].sort((a, b) => a.ev.ts - b.ev.ts);
    const chainEvents = ordered.map((s) => s.ev);
    const multiStep =
      new Set(chainEvents.map((e) => e.pid)).size > 1 || new Set(chainEvents.map((e) => e.kind)).size > 1;
    if (g.findings.length < 2 && !multiStep) continue;
    out.push(buildIncident(g, ordered, chainEvents, tree));
  }
  return out.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.firstTs - b.firstTs);
}

/** Drift reported against a baseline still learning (a drift finding whose `drift.provisional` is set). */
function isProvisional(f: Finding): boolean {
  return (f as { readonly drift?: { readonly provisional?: boolean } }).drift?.provisional === true;
}

function buildIncident(
  g: Group,
  ordered: readonly { ev: VigilEvent; findings: string[] }[],
  chainEvents: readonly VigilEvent[],
  tree: ProcessTree | undefined,
): Incident {
  const parts = g.findings;
  let severity: Severity = 'info';
  for (const f of parts) if (severityRank(f.severity) > severityRank(severity)) severity = f.severity;
  const reasons: string[] = [`highest part: ${severity}`];
  // Drift against a baseline that is still learning is capped (provisional): agreement among such
  // findings is not evidence enough to lift the incident past that cap.
  const strongRules = new Set(
    parts
      .filter((f) => severityRank(f.severity) >= severityRank('medium') && !isProvisional(f))
      .map((f) => f.ruleId),
  );
  if (strongRules.size >= 2) {
    const raised = bump(severity);
    if (raised !== severity)
      reasons.push(`raised to ${raised}: ${strongRules.size} rules at medium or above agree`);
    severity = raised;
  }
  if (readThenEgress(chainEvents) && severityRank(severity) < severityRank('high')) {
    severity = 'high';
    reasons.push('raised to high: a credential read followed by egress');
  }
  if (retrievalThenLargeEgress(chainEvents) && severityRank(severity) < severityRank('high')) {
    severity = 'high';
    reasons.push(`raised to high: a retrieval followed by ${LARGE_EGRESS_BYTES} bytes or more sent`);
  }
  const tags = {
    owaspLlm: [] as string[],
    owaspAgentic: [] as string[],
    atlas: [] as string[],
    attack: [] as string[],
  };
  const compliance: ComplianceRef[] = [];
  const seen = new Set<string>();
  for (const f of parts) {
    for (const k of ['owaspLlm', 'owaspAgentic', 'atlas', 'attack'] as const)
      for (const v of f.tags[k]) if (!tags[k].includes(v)) tags[k].push(v);
    for (const c of f.compliance) {
      const k = `${c.framework}\u0000${c.control}`;
      if (!seen.has(k)) {
        seen.add(k);
        compliance.push(c);
      }
    }
  }
  const first = parts[0]!;
  const rootInfo = tree?.get(g.root);
  const workload = first.workload;
  const name = workload.name ?? workload.pod ?? workload.id;
  const firstTs = Math.min(...chainEvents.map((e) => e.ts), ...parts.map((f) => f.ts));
  const lastTs = Math.max(...chainEvents.map((e) => e.ts), ...parts.map((f) => f.lastSeen ?? f.ts));
  const titles = [...new Set(parts.map((f) => f.title))];
  const rootLabel = `pid ${g.root}${rootInfo?.exe ? ` (${rootInfo.exe})` : ''}`;
  const summary = `${countOf(parts.length, 'finding')} about the process tree of ${rootLabel} in ${name} within ${formatDuration((lastTs - firstTs) / 1e9)}: ${titles.join(' → ')}. Chain: ${ordered
    .map((s) => describeEvent(s.ev))
    .join('; ')}. Rated ${severity}: ${reasons.join('; ')}.`;
  return {
    schemaVersion: INCIDENT_SCHEMA_VERSION,
    kind: 'vigil.incident',
    id: `incident-${createHash('sha256').update(`${g.key}\u0000${first.id}`).digest('hex').slice(0, 20)}`,
    title: titles.length === 1 ? titles[0]! : `${titles[0]!} and ${titles.length - 1} more`,
    severity,
    workload,
    root: { pid: g.root, ...(rootInfo?.exe ? { exe: rootInfo.exe } : {}) },
    firstTs,
    lastTs,
    summary,
    findings: parts.map((f) => ({
      id: f.id,
      ruleId: f.ruleId,
      title: f.title,
      severity: f.severity,
      ts: f.ts,
    })),
    chain: ordered.map((s) => ({
      ts: s.ev.ts,
      kind: s.ev.kind,
      pid: s.ev.pid,
      comm: s.ev.comm,
      description: describeEvent(s.ev),
      findings: s.findings,
      event: s.ev,
    })),
    tags,
    compliance,
    risk: { score: riskScore(severity, 5 * (parts.length - 1)), reasons },
  };
}

/**
 * An incident as a {@link Finding} (rule `vigil.incident.process-tree`), for
 * the reporters and formats that carry findings only (SARIF, OCSF, exit codes):
 * its chain is the evidence.
 *
 * @example
 * ```ts
 * const all = [...findings, ...incidents.map(incidentFinding)];
 * ```
 */
export function incidentFinding(incident: Incident): Finding {
  const evidence: Evidence[] = incident.chain.map((s, i) => ({
    type: 'event',
    description: `step ${i + 1} of ${incident.chain.length}: ${s.description}`,
    ...(s.event ? { event: s.event } : {}),
  }));
  evidence.push({
    type: 'note',
    description: `joins ${incident.findings.map((f) => `${f.ruleId} (${f.severity})`).join(', ')}`,
  });
  return {
    id: incident.id,
    ruleId: 'vigil.incident.process-tree',
    title: `Incident: ${incident.title}`,
    severity: incident.severity,
    category: 'detection',
    workload: incident.workload,
    ts: incident.firstTs,
    summary: incident.summary,
    evidence,
    tags: incident.tags,
    compliance: incident.compliance,
    risk: incident.risk,
    lastSeen: incident.lastTs,
  };
}
