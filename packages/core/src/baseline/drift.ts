import { createHash } from 'node:crypto';
import type { VigilEvent } from '../events/schema.js';
import { complianceRefs } from '../findings/compliance.js';
import type { Evidence, Finding, FindingTags, Severity } from '../findings/finding.js';
import { severityRank } from '../findings/finding.js';
import { riskScore } from '../findings/risk-scale.js';
import type { Consumer, ConsumerContext } from '../pipeline/vigil.js';
import {
  HOST_CONTROL_CAPABILITIES,
  isCredentialPath,
  isShellExec,
  KERNEL_CHANGING_SYSCALLS,
} from '../vocabulary/public.js';
import type { Baseline, BaselineCoverage } from './baseline.js';
import {
  type CriticalBehaviour,
  CriticalGuard,
  type CriticalHit,
  DEFAULT_CRITICAL_BEHAVIOURS,
} from './critical.js';
import { explainLearning } from './explain.js';
import { ARGS_MARK, type BaselineDomain, WILDCARD } from './generalise.js';
import { type NearestBaseline, nearestBaselines } from './nearest.js';
import { type BaselineObservation, describePattern, eventKey, observeEvent } from './observation.js';
import { type BaselineKeyFn, baselineKeyString, defaultBaselineKey } from './subject.js';

/** What a drift finding says drifted, beyond the common {@link Finding} fields. */
export interface DriftDetail {
  /** The domain that drifted (absent on the `info` notes about missing or learning baselines). */
  readonly domain?: BaselineDomain;
  /** The generalised pattern of the new behaviour. */
  readonly pattern: readonly string[];
  /** The pattern as people read it. */
  readonly display: string;
  /**
   * What repeats aggregate under, as people read it: the first new folder for files
   * (`/usr/lib/locale/** (read)`), the program for new arguments, the known domain for new subdomains.
   */
  readonly aggregate?: string;
  readonly subject: string;
  readonly versionKey: string;
  /** Content hash of the baseline the behaviour was checked against. */
  readonly baselineVersion: string;
  readonly baselineStatus: 'learning' | 'stable';
  /** The closest behaviour the baseline knows, when there is one. */
  readonly nearest?: string;
  /** Leading pattern segments that matched the baseline (how far the behaviour is from known ground). */
  readonly matchedSegments: number;
  /** Set when the same behaviour was quarantined while the baseline was learned. */
  readonly quarantined?: boolean;
  /** Critical behaviours the event matched. */
  readonly critical?: readonly string[];
  /** Set when the baseline is still learning: the severity is capped at {@link PROVISIONAL_CAP}. */
  readonly provisional?: boolean;
}

/** The highest severity drift against a baseline still learning can have. */
export const PROVISIONAL_CAP: Severity = 'medium';

/**
 * A {@link Finding} with category `drift`: behaviour a workload's stable
 * baseline does not cover. Its `id` is stable (a hash of the baseline
 * subject, version key and the generalised pattern), so repeats aggregate
 * into `count` and `lastSeen` instead of new findings.
 *
 * @example
 * ```ts
 * detector.findings().filter((f) => f.drift.domain === 'peers').map((f) => f.summary);
 * ```
 */
export interface DriftFinding extends Finding {
  readonly category: 'drift';
  readonly drift: DriftDetail;
}

/** Looks a workload's baseline up. */
export interface BaselineLookup {
  get(subject: string, versionKey: string): Baseline | undefined;
}

/** Options for {@link DriftDetector}. */
export interface DriftDetectorOptions {
  /** The baselines to check against (or a lookup). */
  readonly baselines: Iterable<Baseline> | BaselineLookup;
  /** How workloads map to baselines; must match the learner's. */
  readonly key?: BaselineKeyFn;
  /** Critical behaviours that lift a drift to `critical`. Default {@link DEFAULT_CRITICAL_BEHAVIOURS}. */
  readonly critical?: readonly CriticalBehaviour[];
  /** Check against baselines still learning as if they were stable (default false). */
  readonly allowLearning?: boolean;
  /**
   * What to do with a baseline still learning, unless `allowLearning`:
   * `provisional` (default) reports its drift labelled provisional with the
   * severity capped at {@link PROVISIONAL_CAP}, after one `info` finding that
   * says why the baseline is not stable and what makes it so; `skip` reports
   * only that `info` finding.
   */
  readonly learning?: 'provisional' | 'skip';
  /** Events kept as evidence per finding. Default 5. */
  readonly maxEvidence?: number;
  /**
   * `first` (default) reports a finding through the pipeline when it first
   * appears (later repeats update the same object); `finish` reports every
   * finding once the stream ends, with final counts.
   */
  readonly report?: 'first' | 'finish';
}

const SENSITIVE_K8S =
  /^(secrets|pods\/exec|pods\/attach|pods\/portforward|serviceaccounts\/token|rolebindings|clusterrolebindings|roles|clusterroles|certificatesigningrequests)$/;
const SENSITIVE_CLOUD = /^(iam|sts|kms|secretsmanager|organizations)(\.amazonaws\.com)?$/i;
const SYSTEM_WRITE = /^\/(etc|usr|bin|sbin|lib|lib64|boot)\//;
const MAX_DETECTOR_FINDINGS = 100_000;

interface Assessment {
  severity: Severity;
  ruleId: string;
  title: string;
  what: string;
  tags: Partial<FindingTags>;
}

function tail(segs: readonly string[], from: number): string {
  return segs.slice(from).join('.');
}

/**
 * Decides how serious one uncovered observation is, from what drifted and
 * how far it is from what the baseline knows.
 *
 * @example
 * ```ts
 * const obs = observeEvent(event, baseline.generalisation)[0]!;
 * const a = assessDrift(obs, baseline.coversObservation(obs), event);
 * console.log(a.severity, a.ruleId); // e.g. 'high' 'vigil.drift.peer.new-egress-domain'
 * ```
 */
export function assessDrift(
  obs: BaselineObservation,
  coverage: BaselineCoverage,
  event: VigilEvent,
): Assessment {
  const segs = obs.segments;
  const depth = coverage.depth ?? 0;
  const near = coverage.nearest?.display;
  switch (obs.domain) {
    case 'processes': {
      const argsAt = segs.indexOf(ARGS_MARK);
      if (event.kind === 'process.exec' && isShellExec(event.filename, event.argv) && depth <= argsAt)
        return {
          severity: 'critical',
          ruleId: 'vigil.drift.process.new-shell',
          title: 'New shell',
          what: `started the shell ${event.filename}, which it never ran while learning`,
          tags: { attack: ['T1059.004'], owaspAgentic: ['ASI05'] },
        };
      if (depth > argsAt)
        return {
          severity: 'low',
          ruleId: 'vigil.drift.process.new-arguments',
          title: 'Known program, new arguments',
          what: `ran ${describePattern('processes', segs.slice(0, argsAt))} with new arguments (${segs[argsAt + 1] ?? ''})${near ? `; it was seen as ${near}` : ''}`,
          tags: {},
        };
      return {
        severity: 'high',
        ruleId: 'vigil.drift.process.new-binary',
        title: 'New program',
        what: `ran ${describePattern('processes', segs.slice(0, argsAt))}, a program it never ran while learning`,
        tags: { attack: ['T1059'], owaspAgentic: ['ASI05'] },
      };
    }
    case 'files': {
      const access = (segs[segs.length - 1] ?? '@read').slice(1);
      const path = event.kind === 'file.open' ? event.path : describePattern('files', segs);
      if (event.kind === 'file.open' && isCredentialPath(event.path) && access !== 'exec')
        return {
          severity: 'critical',
          ruleId: 'vigil.drift.file.credential-read',
          title: 'New credential read',
          what: `read the credential ${path}, which it never read while learning`,
          tags: { attack: ['T1528', 'T1552.001'], owaspAgentic: ['ASI03'] },
        };
      if (access === 'exec')
        return {
          severity: 'high',
          ruleId: 'vigil.drift.file.new-exec',
          title: 'New file mapped for execution',
          what: `opened ${path} for execution, which it never did while learning`,
          tags: { attack: ['T1129'] },
        };
      const dirsKnown = depth >= segs.length - 2;
      if (dirsKnown)
        return {
          severity: 'low',
          ruleId: `vigil.drift.file.new-${access}`,
          title: `New file ${access === 'write' ? 'written' : 'read'} in a known folder`,
          what: `${access === 'write' ? 'wrote' : 'read'} ${path}, new but in a folder it already used${near ? ` (e.g. ${near})` : ''}`,
          tags: {},
        };
      if (access === 'write' && SYSTEM_WRITE.test(path))
        return {
          severity: 'high',
          ruleId: 'vigil.drift.file.system-write',
          title: 'Write to a system location',
          what: `wrote ${path}, a system location it never wrote while learning`,
          tags: { attack: ['T1222'] },
        };
      return {
        severity: access === 'write' || depth === 0 ? 'medium' : 'low',
        ruleId: `vigil.drift.file.new-${access}`,
        title: `New file location ${access === 'write' ? 'written' : 'read'}`,
        what: `${access === 'write' ? 'wrote' : 'read'} ${path}, outside every folder it used while learning`,
        tags: {},
      };
    }
    case 'peers': {
      const dir = segs[0];
      if (dir === 'egress') {
        const kind = segs[2];
        const hostEnd = segs.length - (kind === 'unix' ? 0 : 1);
        if (depth >= hostEnd)
          return {
            severity: 'medium',
            ruleId: 'vigil.drift.peer.new-port',
            title: 'Known host, new port',
            what: `connected to a known host on a new port (${describePattern('peers', segs)})`,
            tags: { attack: ['T1571'] },
          };
        const hostMatched = depth - 3;
        if (kind === 'dns' && hostMatched >= 2)
          return {
            severity: 'low',
            ruleId: 'vigil.drift.peer.new-subdomain',
            title: 'New host under a known domain',
            what: `connected to ${egressTarget(segs)}, a new host under the known domain ${[...segs.slice(3, 3 + hostMatched)].reverse().join('.')}`,
            tags: {},
          };
        if (kind === 'ip4' && hostMatched >= 3)
          return {
            severity: 'low',
            ruleId: 'vigil.drift.peer.new-address-in-known-range',
            title: 'New address in a known range',
            what: `connected to ${egressTarget(segs)}, a new address in a /24 it already used`,
            tags: {},
          };
        return {
          severity: 'high',
          ruleId:
            kind === 'dns' ? 'vigil.drift.peer.new-egress-domain' : 'vigil.drift.peer.new-egress-address',
          title: kind === 'dns' ? 'New egress domain' : 'New egress address',
          what: `connected out to ${egressTarget(segs)}, a destination it never used while learning`,
          tags: { attack: ['T1071', 'T1041'], owaspAgentic: ['ASI10'] },
        };
      }
      if (dir === 'ingress') {
        const portKnown = depth >= 3;
        return {
          severity: portKnown ? 'low' : 'high',
          ruleId: portKnown ? 'vigil.drift.peer.new-client' : 'vigil.drift.peer.new-ingress-port',
          title: portKnown ? 'New client on a known port' : 'Inbound connection on a new port',
          what: `accepted ${describePattern('peers', segs)}${portKnown ? ', a new client on a port it already served' : ', on a port it never served while learning'}`,
          tags: portKnown ? {} : { attack: ['T1133'] },
        };
      }
      return {
        severity: 'high',
        ruleId: 'vigil.drift.peer.new-listener',
        title: 'New listening socket',
        what: `listened on ${describePattern('peers', segs)}, which it never did while learning`,
        tags: { attack: ['T1571'] },
      };
    }
    case 'dns': {
      if (depth >= 2)
        return {
          severity: 'low',
          ruleId: 'vigil.drift.dns.new-subdomain',
          title: 'New name under a known domain',
          what: `looked up ${obs.concrete}, new but under the known domain ${[...segs.slice(0, depth)].reverse().join('.')}`,
          tags: {},
        };
      return {
        severity: 'medium',
        ruleId: 'vigil.drift.dns.new-domain',
        title: 'New domain looked up',
        what: `looked up ${obs.concrete}${depth > 0 ? ` (only .${tail([...segs].slice(0, depth).reverse(), 0)} was known)` : ''}, a domain it never resolved while learning`,
        tags: { attack: ['T1071.004'] },
      };
    }
    case 'capabilities':
      return {
        severity: HOST_CONTROL_CAPABILITIES.has(segs[0] ?? '') ? 'critical' : 'high',
        ruleId: 'vigil.drift.capability.new',
        title: 'New capability',
        what: `raised the capability ${segs[0] ?? '?'}, which it never used while learning`,
        tags: { attack: ['T1548'] },
      };
    case 'syscalls': {
      const crit = KERNEL_CHANGING_SYSCALLS.has(segs[0] ?? '');
      return {
        severity: crit ? 'critical' : 'high',
        ruleId: `vigil.drift.syscall.${(segs[0] ?? 'other').replace(/[^a-z0-9_.-]/gi, '')}`,
        title: 'New privileged system call',
        what: `made the call ${obs.concrete}, which it never made while learning`,
        tags: { attack: crit ? ['T1547.006'] : ['T1548'] },
      };
    }
    case 'tools':
      return depth >= 1
        ? {
            severity: 'medium',
            ruleId: 'vigil.drift.tool.new-tool',
            title: 'New tool of a known MCP server',
            what: `invoked the tool ${obs.concrete}, new on a server it already used`,
            tags: { owaspAgentic: ['ASI02'] },
          }
        : {
            severity: 'high',
            ruleId: 'vigil.drift.tool.new-server',
            title: 'New MCP server used',
            what: `invoked ${obs.concrete} on a server it never used while learning`,
            tags: { owaspAgentic: ['ASI02', 'ASI04'], owaspLlm: ['LLM06'] },
          };
    case 'models':
      return depth >= 1
        ? {
            severity: 'medium',
            ruleId: 'vigil.drift.model.new-model',
            title: 'New model from a known provider',
            what: `called the model ${obs.concrete}, new from a provider it already used`,
            tags: {},
          }
        : {
            severity: 'high',
            ruleId: 'vigil.drift.model.new-provider',
            title: 'New model provider',
            what: `called ${obs.concrete}, a provider it never used while learning`,
            tags: { owaspLlm: ['LLM03'] },
          };
    case 'retrievals':
      return {
        severity: depth >= 1 ? 'medium' : 'high',
        ruleId: 'vigil.drift.retrieval.new-source',
        title: 'New retrieval data source',
        what: `read the data source ${obs.concrete}, which it never read while learning`,
        tags: { owaspLlm: ['LLM08'] },
      };
    case 'k8s': {
      const resource = segs[1] ?? '';
      if (SENSITIVE_K8S.test(resource))
        return {
          severity: 'critical',
          ruleId: 'vigil.drift.k8s.sensitive-call',
          title: 'New Kubernetes call on a sensitive resource',
          what: `made the Kubernetes call ${obs.concrete}, on a sensitive resource it never touched while learning`,
          tags: { attack: ['T1552.007', 'T1609'], owaspAgentic: ['ASI03'] },
        };
      return {
        severity: depth >= 2 ? 'medium' : 'high',
        ruleId: depth >= 2 ? 'vigil.drift.k8s.new-verb' : 'vigil.drift.k8s.new-resource',
        title:
          depth >= 2 ? 'New Kubernetes verb or namespace on a known resource' : 'New Kubernetes resource',
        what: `made the Kubernetes call ${obs.concrete}, which it never made while learning`,
        tags: { owaspAgentic: ['ASI03'] },
      };
    }
    case 'cloud': {
      const service = segs[1] ?? '';
      if (SENSITIVE_CLOUD.test(service))
        return {
          severity: 'critical',
          ruleId: 'vigil.drift.cloud.sensitive-call',
          title: 'New identity or secrets cloud call',
          what: `made the cloud call ${obs.concrete}, on an identity or secrets service it never used while learning`,
          tags: { attack: ['T1078.004'], owaspAgentic: ['ASI03'] },
        };
      return {
        severity: depth >= 2 ? 'medium' : 'high',
        ruleId: depth >= 2 ? 'vigil.drift.cloud.new-action' : 'vigil.drift.cloud.new-service',
        title: depth >= 2 ? 'New action on a known cloud service' : 'New cloud service',
        what: `made the cloud call ${obs.concrete}, which it never made while learning`,
        tags: { owaspAgentic: ['ASI03'] },
      };
    }
    default:
      return {
        severity: 'medium',
        ruleId: 'vigil.drift.other',
        title: 'New behaviour',
        what: obs.concrete,
        tags: {},
      };
  }
}

/**
 * The pattern drift of `obs` aggregates under: for files, the first folder the
 * baseline does not know (or the known folder, when only the file name is
 * new) with `**`; for new arguments, the program; for new subdomains, the
 * known domain; otherwise the pattern itself.
 */
function aggregationPattern(obs: BaselineObservation, depth: number): readonly string[] {
  const s = obs.segments;
  switch (obs.domain) {
    case 'files': {
      const nameAt = s.length - 2;
      if (nameAt < 0) return s;
      return [...s.slice(0, Math.min(depth + 1, nameAt)), '**', s[s.length - 1]!];
    }
    case 'processes': {
      const i = s.indexOf(ARGS_MARK);
      return i >= 0 && depth > i ? [...s.slice(0, i + 1), WILDCARD] : s;
    }
    case 'dns':
      return depth >= 2 && depth < s.length ? [...s.slice(0, depth), WILDCARD] : s;
    default:
      return s;
  }
}

function egressTarget(segs: readonly string[]): string {
  return describePattern('peers', segs).replace(/^egress (\S+) (.*)$/, '$2 ($1)');
}

/**
 * Stable finding id for drift of `pattern` in `domain` against a baseline key.
 *
 * @example
 * ```ts
 * driftFindingId('k8s:ai/agent/agent', 'img:1', 'tools', ['github', 'create_issue']); // 'drift-…' (20 hex digits)
 * ```
 */
export function driftFindingId(
  subject: string,
  versionKey: string,
  domain: string,
  pattern: readonly string[],
): string {
  return `drift-${createHash('sha256')
    .update(`${subject}\u0000${versionKey}\u0000${domain}\u0000${pattern.join('\u0001')}`)
    .digest('hex')
    .slice(0, 20)}`;
}

function tagsOf(...parts: Partial<FindingTags>[]): FindingTags {
  const out: FindingTags = { owaspLlm: [], owaspAgentic: [], atlas: [], attack: [] };
  for (const p of parts) {
    for (const k of ['owaspLlm', 'owaspAgentic', 'atlas', 'attack'] as const) {
      for (const v of p[k] ?? []) if (!out[k].includes(v)) out[k].push(v);
    }
  }
  return out;
}

function workloadName(ev: VigilEvent): string {
  return ev.workload.name ?? ev.workload.pod ?? ev.workload.id;
}

interface Slot {
  finding: DriftFinding & { count: number; lastSeen: number; evidence: Evidence[] };
  key: string | undefined;
}

/**
 * Checks a stream against stable baselines and reports every observation
 * they do not cover as a {@link DriftFinding}: severity from what drifted and
 * how far from known ground, the baseline version, evidence events and a
 * one-sentence explanation. Repeats aggregate into one finding.
 *
 * @example
 * ```ts
 * import { DnsEnricher, DriftDetector, ReplaySource, Vigil } from '@vigil/core';
 *
 * const drift = new DriftDetector({ baselines: set.baselines() });
 * await new Vigil({ source: new ReplaySource(['today.vcap']), enrichers: [new DnsEnricher()], consumers: [drift] }).run();
 * for (const f of drift.findings()) console.log(f.severity, f.summary);
 * ```
 */
export class DriftDetector implements Consumer {
  readonly name = 'drift';
  readonly #lookup: BaselineLookup;
  readonly #key: BaselineKeyFn;
  // Every baseline, to name the nearest ones when a workload has none.
  #all: () => Baseline[] = () => [];
  readonly #guard: CriticalGuard;
  readonly #allowLearning: boolean;
  readonly #learningMode: 'provisional' | 'skip';
  readonly #maxEvidence: number;
  readonly #reportMode: 'first' | 'finish';
  readonly #byWorkload = new Map<string, Baseline | null>();
  readonly #findings = new Map<string, Slot>();
  readonly #byEventKey = new Map<string, Slot>();
  readonly #noted = new Set<string>();
  #lastWorkload: object | undefined;
  #lastBaseline: Baseline | null = null;
  #events = 0;
  #uncovered = 0;

  constructor(options: DriftDetectorOptions) {
    const b = options.baselines;
    if (typeof (b as BaselineLookup).get === 'function' && !(Symbol.iterator in (b as object))) {
      this.#lookup = b as BaselineLookup;
      const all = (b as { baselines?: () => Baseline[] }).baselines;
      if (typeof all === 'function') this.#all = () => all.call(b);
    } else {
      const map = new Map<string, Baseline>();
      for (const x of b as Iterable<Baseline>) map.set(baselineKeyString(x), x);
      this.#all = () => [...map.values()];
      this.#lookup = { get: (subject, versionKey) => map.get(baselineKeyString({ subject, versionKey })) };
    }
    this.#key = options.key ?? defaultBaselineKey;
    this.#guard = new CriticalGuard(options.critical ?? DEFAULT_CRITICAL_BEHAVIOURS);
    this.#allowLearning = options.allowLearning ?? false;
    this.#learningMode = options.learning ?? 'provisional';
    this.#maxEvidence = options.maxEvidence ?? 5;
    this.#reportMode = options.report ?? 'first';
  }

  onBatch(batch: readonly VigilEvent[], ctx: ConsumerContext): void {
    for (const ev of batch) this.observe(ev, ctx);
  }

  finish(ctx: ConsumerContext): void {
    if (this.#reportMode === 'finish') for (const f of this.findings()) ctx.report(f);
  }

  /** Events checked and events not covered so far. */
  stats(): { events: number; uncovered: number; findings: number } {
    return { events: this.#events, uncovered: this.#uncovered, findings: this.#findings.size };
  }

  /** Every finding so far, most severe first, then by first sight. */
  findings(): DriftFinding[] {
    return [...this.#findings.values()]
      .map((s) => s.finding)
      .sort(
        (a, b) =>
          severityRank(b.severity) - severityRank(a.severity) || a.ts - b.ts || (a.id < b.id ? -1 : 1),
      );
  }

  #baselineFor(ev: VigilEvent): Baseline | null {
    // Events of one workload usually share its WorkloadRef object: skip the map on a run of them.
    if (ev.workload === this.#lastWorkload) return this.#lastBaseline;
    let b = this.#byWorkload.get(ev.workload.id);
    if (b === undefined) {
      const k = this.#key(ev.workload);
      b = this.#lookup.get(k.subject, k.versionKey) ?? null;
      this.#byWorkload.set(ev.workload.id, b);
    }
    this.#lastWorkload = ev.workload;
    this.#lastBaseline = b;
    return b;
  }

  /** Checks one event; reports new findings through `ctx` when given. */
  observe(ev: VigilEvent, ctx?: ConsumerContext): void {
    this.#events++;
    const baseline = this.#baselineFor(ev);
    if (baseline === null) {
      if (!this.#noted.has(ev.workload.id)) this.#note(ev, 'no-baseline', ctx);
      return;
    }
    if (baseline.status !== 'stable' && !this.#allowLearning) {
      if (!this.#noted.has(ev.workload.id)) this.#note(ev, 'not-stable', ctx, baseline);
      if (this.#learningMode === 'skip') return;
    }
    if (baseline.isCovered(ev)) {
      // Covered behaviour matches no critical behaviour's first step, but the process map must follow it.
      if (ev.kind === 'process.exec' || ev.kind === 'process.fork') this.#guard.track(ev);
      return;
    }
    this.#uncovered++;
    const key = eventKey(ev);
    if (key !== undefined) {
      const slot = this.#byEventKey.get(key);
      if (slot !== undefined && slot.finding.workload.id === ev.workload.id) {
        this.#repeat(slot, ev);
        return;
      }
    }
    const hits = this.#guard.check(ev, baseline);
    const secret = ev.kind === 'file.open' && isCredentialPath(ev.path);
    for (const obs of observeEvent(ev, baseline.generalisation)) {
      const coverage = baseline.coversObservation(obs, secret && obs.domain === 'files');
      if (coverage.covered) continue;
      this.#drift(ev, obs, coverage, baseline, hits, key, ctx);
    }
  }

  #repeat(slot: Slot, ev: VigilEvent): void {
    const f = slot.finding;
    f.count++;
    if (ev.ts > f.lastSeen) f.lastSeen = ev.ts;
    if (f.evidence.length < this.#maxEvidence + 1)
      f.evidence.push({
        type: 'event',
        description: `repeat: ${ev.kind} by ${ev.comm} (pid ${ev.pid})`,
        event: ev,
      });
  }

  #drift(
    ev: VigilEvent,
    obs: BaselineObservation,
    coverage: BaselineCoverage,
    baseline: Baseline,
    hits: readonly CriticalHit[],
    key: string | undefined,
    ctx: ConsumerContext | undefined,
  ): void {
    const a = assessDrift(obs, coverage, ev);
    // One finding per rule, critical behaviours and aggregate: thirty new locale files under one new
    // folder are one drift, not thirty.
    const aggregate = aggregationPattern(obs, coverage.depth ?? 0);
    const id = driftFindingId(baseline.subject, baseline.versionKey, `${obs.domain}\u0000${a.ruleId}`, [
      ...aggregate,
      ...hits.map((h) => `!${h.behaviour.id}`),
    ]);
    const existing = this.#findings.get(id);
    if (existing) {
      this.#repeat(existing, ev);
      if (key !== undefined && this.#byEventKey.size < MAX_DETECTOR_FINDINGS)
        this.#byEventKey.set(key, existing);
      return;
    }
    if (this.#findings.size >= MAX_DETECTOR_FINDINGS) return;
    let severity = a.severity;
    const reasons = [`${a.title.toLowerCase()} (${obs.domain})`];
    const provisional = baseline.status !== 'stable' && !this.#allowLearning;
    const quarantined = baseline
      .quarantined()
      .some((q) =>
        q.observations.some((o) => o.domain === obs.domain && samePattern(o.pattern, obs.segments)),
      );
    const critical: string[] = [];
    let extra = '';
    for (const h of hits) {
      critical.push(h.behaviour.id);
      if (severityRank(h.behaviour.severity) > severityRank(severity)) severity = h.behaviour.severity;
      reasons.push(`critical behaviour ${h.behaviour.id}: ${h.match.reason}`);
      if (!extra && severityRank(h.behaviour.severity) > severityRank(a.severity))
        extra = ` (${h.match.reason})`;
    }
    if (quarantined) {
      reasons.push('quarantined while the baseline was learned');
      if (severityRank(severity) < severityRank('high')) severity = 'high';
    }
    if (provisional && severityRank(severity) > severityRank(PROVISIONAL_CAP)) {
      reasons.push(
        `provisional: capped at ${PROVISIONAL_CAP} from ${severity} while the baseline is learning`,
      );
      severity = PROVISIONAL_CAP;
    }
    const summary = `${workloadName(ev)} ${a.what}${extra}${quarantined ? '; it was quarantined during learning and never admitted' : ''}${provisional ? ' (provisional: the baseline is still learning)' : ''}.`;
    const evidence: Evidence[] = [];
    for (const h of hits)
      for (const r of h.match.related ?? [])
        evidence.push({
          type: 'event',
          description: `earlier: ${r.kind} by ${r.comm} (pid ${r.pid})`,
          event: r,
        });
    evidence.push({
      type: 'event',
      description: `${ev.kind} by ${ev.comm} (pid ${ev.pid}): ${obs.concrete}`,
      event: ev,
    });
    evidence.push({
      type: 'baseline',
      description: `baseline ${baseline.subject} @ ${baseline.versionKey}, version ${baseline.version} (${baseline.status})${
        coverage.nearest ? `; nearest known: ${coverage.nearest.display}` : '; nothing similar known'
      }`,
    });
    const detail: DriftDetail = {
      domain: obs.domain,
      pattern: obs.segments,
      display: describePattern(obs.domain, obs.segments),
      aggregate: describePattern(obs.domain, aggregate),
      subject: baseline.subject,
      versionKey: baseline.versionKey,
      baselineVersion: baseline.version,
      baselineStatus: baseline.status,
      matchedSegments: coverage.depth ?? 0,
      ...(coverage.nearest ? { nearest: coverage.nearest.display } : {}),
      ...(quarantined ? { quarantined: true } : {}),
      ...(critical.length > 0 ? { critical } : {}),
      ...(provisional ? { provisional: true } : {}),
    };
    const finding = {
      id,
      ruleId: a.ruleId,
      title: provisional ? `Provisional: ${a.title}` : a.title,
      severity,
      category: 'drift' as const,
      workload: ev.workload,
      ts: ev.ts,
      summary,
      evidence,
      tags: tagsOf(a.tags, ...hits.map((h) => h.behaviour.tags ?? {})),
      compliance:
        severityRank(severity) >= severityRank('medium')
          ? complianceRefs({ tags: a.tags, areas: ['behaviour-drift'] })
          : [],
      risk: { score: riskScore(severity), reasons },
      count: 1,
      lastSeen: ev.ts,
      drift: detail,
    };
    const slot: Slot = { finding, key };
    this.#findings.set(id, slot);
    if (key !== undefined && this.#byEventKey.size < MAX_DETECTOR_FINDINGS) this.#byEventKey.set(key, slot);
    if (ctx && this.#reportMode === 'first') ctx.report(finding);
  }

  #note(
    ev: VigilEvent,
    why: 'no-baseline' | 'not-stable',
    ctx: ConsumerContext | undefined,
    baseline?: Baseline,
  ): void {
    this.#noted.add(ev.workload.id);
    const k = this.#key(ev.workload);
    const id = driftFindingId(k.subject, k.versionKey, why, [ev.workload.id]);
    const near = why === 'no-baseline' ? nearestBaselines(ev.workload, this.#all(), { key: this.#key }) : [];
    const summary =
      why === 'no-baseline'
        ? `${workloadName(ev)} has no baseline for ${k.subject} @ ${k.versionKey}, so its behaviour was not checked for drift. ${describeNearest(near, this.#all().length)}`
        : this.#learningMode === 'skip'
          ? `${workloadName(ev)}'s baseline ${k.subject} @ ${k.versionKey} is still learning, so its behaviour was not checked for drift: ${explainLearning(baseline!).text}.`
          : `${workloadName(ev)}'s baseline ${k.subject} @ ${k.versionKey} is ${explainLearning(baseline!).text}. Drift against it is reported as provisional, capped at ${PROVISIONAL_CAP}.`;
    const finding: DriftFinding & { count: number; lastSeen: number; evidence: Evidence[] } = {
      id,
      ruleId: why === 'no-baseline' ? 'vigil.drift.no-baseline' : 'vigil.drift.baseline-learning',
      title: why === 'no-baseline' ? 'No baseline' : 'Baseline still learning',
      severity: 'info',
      category: 'drift',
      workload: ev.workload,
      ts: ev.ts,
      summary,
      evidence: [
        { type: 'event', description: `first event: ${ev.kind}`, event: ev },
        ...near.map((n) => ({
          type: 'baseline' as const,
          description: `nearest baseline ${n.baseline.subject} @ ${n.baseline.versionKey} (${n.baseline.status}): ${n.reasons.join('; ')}`,
        })),
      ],
      tags: tagsOf(),
      compliance: [],
      risk: { score: riskScore('info'), reasons: [why] },
      count: 1,
      lastSeen: ev.ts,
      drift: {
        pattern: [],
        display: '',
        subject: k.subject,
        versionKey: k.versionKey,
        baselineVersion: baseline?.version ?? '',
        baselineStatus: baseline?.status ?? 'learning',
        matchedSegments: 0,
      },
    };
    this.#findings.set(id, { finding, key: undefined });
    if (ctx && this.#reportMode === 'first') ctx.report(finding);
  }
}

function describeNearest(near: readonly NearestBaseline[], total: number): string {
  if (total === 0) return 'The baseline file holds no baselines.';
  if (near.length === 0)
    return `None of the ${total} baseline(s) looks like it (no shared program or name); learn one from captures of this workload, recorded under one workload name.`;
  const list = near
    .map((n) => `${n.baseline.subject} @ ${n.baseline.versionKey} (${n.reasons.join('; ')})`)
    .join(', ');
  return `Nearest: ${list}. If this is the same workload under another name, check against one with --use-baseline ${near[0]!.baseline.subject}, and record its next runs with the same --name.`;
}

function samePattern(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
