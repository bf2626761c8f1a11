import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { VigilError } from '../errors/vigil-error.js';
import type { FindingCategory, Severity } from '../findings/finding.js';
import { type Finding, FindingCategorySchema, SeveritySchema, severityRank } from '../findings/finding.js';
import { countOf } from '../output/count-text.js';
import { lazySchema } from '../schemas/lazy.js';

/** Version of the {@link ResponsePlan} document. */
export const RESPONSE_PLAN_SCHEMA_VERSION = 1;

/**
 * One action of a plan. `kill-tree` kills the process tree of the finding's
 * process; `tighten-egress` enforces the workload's egress allowlist;
 * `isolate-network` refuses all of its egress; `kill-workload` kills every
 * process of its cgroup; `webhook` POSTs the finding as JSON; `custom` runs
 * a handler registered in code under `name`.
 */
export const ResponseActionSchema = lazySchema(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('kill-tree') }).strict(),
    z.object({ type: z.literal('kill-workload') }).strict(),
    z.object({ type: z.literal('tighten-egress') }).strict(),
    z.object({ type: z.literal('isolate-network') }).strict(),
    z
      .object({
        type: z.literal('webhook'),
        url: z
          .string()
          .url()
          .refine((u) => /^https?:/i.test(u), 'expected an http(s) URL'),
        headers: z.record(z.string(), z.string()).optional(),
        timeoutMs: z.number().int().positive().max(60_000).optional(),
      })
      .strict(),
    z.object({ type: z.literal('custom'), name: z.string().min(1).max(128) }).strict(),
  ]),
);
/** @see {@link ResponseActionSchema} */
export type ResponseAction =
  | {
      type: 'kill-tree';
    }
  | {
      type: 'kill-workload';
    }
  | {
      type: 'tighten-egress';
    }
  | {
      type: 'isolate-network';
    }
  | {
      type: 'webhook';
      url: string;
      headers?: Record<string, string> | undefined;
      timeoutMs?: number | undefined;
    }
  | {
      type: 'custom';
      name: string;
    };
/** The type of a {@link ResponseAction}. */
export type ResponseActionType = ResponseAction['type'];

/** When a rule of a plan applies to a finding. */
export const ResponseTriggerSchema = lazySchema(() =>
  z
    .object({
      /** The finding's severity is at least this. */
      minSeverity: SeveritySchema,
      /** Only findings of these categories (drift, detection, …); default all. */
      categories: z.array(FindingCategorySchema).optional(),
      /** Only findings of these rules; a trailing `*` matches a prefix (`vigil.drift.*`). */
      ruleIds: z.array(z.string().min(1)).optional(),
      /** Only findings of these workloads (workload ids); default all. */
      workloads: z.array(z.string().min(1)).optional(),
    })
    .strict(),
);
/** @see {@link ResponseTriggerSchema} */
export interface ResponseTrigger {
  /** The finding's severity is at least this. */
  minSeverity: Severity;
  /** Only findings of these categories (drift, detection, …); default all. */
  categories?: FindingCategory[] | undefined;
  /** Only findings of these rules; a trailing `*` matches a prefix (`vigil.drift.*`). */
  ruleIds?: string[] | undefined;
  /** Only findings of these workloads (workload ids); default all. */
  workloads?: string[] | undefined;
}

/**
 * What to do, automatically, about which findings: rules of a trigger and the
 * actions it starts, with a dry-run switch that logs what would be done.
 *
 * @example
 * ```ts
 * import { ResponsePlanSchema } from '@vigil/core';
 *
 * const plan = ResponsePlanSchema.parse({
 *   schemaVersion: 1, dryRun: false,
 *   rules: [{ id: 'contain', when: { minSeverity: 'critical' }, actions: [{ type: 'kill-tree' }, { type: 'isolate-network' }] }],
 * });
 * ```
 */
export const ResponsePlanSchema = lazySchema(() =>
  z
    .object({
      schemaVersion: z.literal(RESPONSE_PLAN_SCHEMA_VERSION),
      /** Log what would be done and do nothing. */
      dryRun: z.boolean(),
      rules: z
        .array(
          z
            .object({
              id: z.string().min(1).max(128),
              when: ResponseTriggerSchema,
              actions: z.array(ResponseActionSchema).min(1).max(16),
              /** The same rule acts at most once per workload within this many ms. Default 0: every finding. */
              cooldownMs: z.number().int().nonnegative().optional(),
            })
            .strict(),
        )
        .max(256),
    })
    .strict(),
);
/** @see {@link ResponsePlanSchema} */
export interface ResponsePlan {
  schemaVersion: 1;
  /** Log what would be done and do nothing. */
  dryRun: boolean;
  rules: {
    id: string;
    when: ResponseTrigger;
    actions: ResponseAction[];
    /** The same rule acts at most once per workload within this many ms. Default 0: every finding. */
    cooldownMs?: number | undefined;
  }[];
}

/**
 * One action taken (or, in dry-run, that would have been), with its cause.
 *
 * @example
 * ```ts
 * responder.on((r: ResponseRecord) => console.log(r.outcome, r.action, r.findingId, r.detail));
 * ```
 */
export interface ResponseRecord {
  /** ISO 8601. */
  readonly at: string;
  readonly planRule: string;
  readonly action: ResponseActionType;
  readonly outcome: 'done' | 'dry-run' | 'failed' | 'unavailable';
  readonly detail: string;
  readonly findingId: string;
  readonly ruleId: string;
  readonly severity: Finding['severity'];
  readonly workload: string;
  /** The finding's summary: why the action was taken. */
  readonly cause: string;
}

/**
 * Carries out one action type. Resolves with a line saying what was done;
 * throws (anything) when it failed.
 *
 * @example
 * ```ts
 * const page: ResponseHandler = async (finding) => { await pager.open(finding.title); return 'paged on-call'; };
 * ```
 */
export type ResponseHandler = (finding: Finding, action: ResponseAction) => Promise<string>;

/**
 * Runs a {@link ResponsePlan} against findings as they arrive: each finding
 * that meets a rule's trigger starts that rule's actions in order, each
 * logged as a {@link ResponseRecord} with its cause. Handlers for
 * `tighten-egress`, `isolate-network` and `kill-workload` need the enforcer
 * (`enforcementResponses` in `@vigil/ebpf-native`); `kill-tree` and `webhook`
 * are built in; anything else is registered with {@link Responder.register}.
 * An action without a handler is recorded as `unavailable`, never skipped
 * silently.
 *
 * @example
 * ```ts
 * import { Responder } from '@vigil/core';
 *
 * const responder = new Responder(plan).register('custom', async (f) => `ticket for ${f.id}`);
 * responder.on((r) => console.log(`${r.outcome} ${r.action}: ${r.detail} (because ${r.cause})`));
 * vigil.on('finding', (f) => void responder.handle(f));
 * ```
 */
export class Responder {
  readonly #plan: ResponsePlan;
  readonly #handlers = new Map<string, ResponseHandler>();
  readonly #listeners: ((r: ResponseRecord) => void)[] = [];
  readonly #records: ResponseRecord[] = [];
  readonly #last = new Map<string, number>();
  readonly #now: () => number;

  constructor(plan: ResponsePlan, options: { readonly now?: () => number } = {}) {
    this.#plan = ResponsePlanSchema.parse(plan);
    this.#now = options.now ?? Date.now;
    this.#handlers.set('kill-tree', killTreeHandler);
    this.#handlers.set('webhook', webhookHandler);
  }

  /** Sets the handler of an action type (`custom` handlers by their `name`: register `custom:NAME`, or `custom` for all). */
  register(type: ResponseActionType | `custom:${string}`, handler: ResponseHandler): this {
    this.#handlers.set(type, handler);
    return this;
  }

  /** Called with every record, as actions finish. */
  on(listener: (r: ResponseRecord) => void): this {
    this.#listeners.push(listener);
    return this;
  }

  /** Every record so far, in order. */
  records(): readonly ResponseRecord[] {
    return this.#records;
  }

  /** The plan rules a finding meets. */
  matches(finding: Finding): ResponsePlan['rules'] {
    return this.#plan.rules.filter((r) => triggers(r.when, finding));
  }

  /** Runs the actions of every rule the finding meets; resolves with their records. */
  async handle(finding: Finding): Promise<ResponseRecord[]> {
    const out: ResponseRecord[] = [];
    for (const rule of this.matches(finding)) {
      const key = `${rule.id}\u0000${finding.workload.id}`;
      const now = this.#now();
      const last = this.#last.get(key);
      if (rule.cooldownMs !== undefined && last !== undefined && now - last < rule.cooldownMs) continue;
      this.#last.set(key, now);
      for (const action of rule.actions) {
        const handler =
          action.type === 'custom'
            ? (this.#handlers.get(`custom:${action.name}`) ?? this.#handlers.get('custom'))
            : this.#handlers.get(action.type);
        let outcome: ResponseRecord['outcome'];
        let detail: string;
        if (this.#plan.dryRun) {
          outcome = 'dry-run';
          detail = `would run ${describeAction(action)}${handler ? '' : ' (no handler registered)'}`;
        } else if (!handler) {
          outcome = 'unavailable';
          detail = `no handler for ${describeAction(action)}: register one (enforcement actions need an Enforcer)`;
        } else {
          try {
            detail = await handler(finding, action);
            outcome = 'done';
          } catch (e) {
            outcome = 'failed';
            detail = `${describeAction(action)} failed: ${(e as Error).message}`;
          }
        }
        const rec: ResponseRecord = {
          at: new Date(this.#now()).toISOString(),
          planRule: rule.id,
          action: action.type,
          outcome,
          detail,
          findingId: finding.id,
          ruleId: finding.ruleId,
          severity: finding.severity,
          workload: finding.workload.id,
          cause: finding.summary,
        };
        this.#records.push(rec);
        out.push(rec);
        for (const l of this.#listeners) l(rec);
      }
    }
    return out;
  }
}

function describeAction(a: ResponseAction): string {
  switch (a.type) {
    case 'webhook':
      return `webhook ${a.url}`;
    case 'custom':
      return `custom action ${a.name}`;
    default:
      return a.type;
  }
}

function triggers(t: ResponseTrigger, f: Finding): boolean {
  if (severityRank(f.severity) < severityRank(t.minSeverity)) return false;
  if (t.categories && !t.categories.includes(f.category)) return false;
  if (t.workloads && !t.workloads.includes(f.workload.id)) return false;
  if (
    t.ruleIds &&
    !t.ruleIds.some((r) => (r.endsWith('*') ? f.ruleId.startsWith(r.slice(0, -1)) : f.ruleId === r))
  )
    return false;
  return true;
}

/**
 * The process a finding is about: the pid of its newest event evidence.
 *
 * @example
 * ```ts
 * const pid = findingPid(finding); // 4242, or undefined for findings without a process
 * ```
 */
export function findingPid(f: Finding): number | undefined {
  for (let i = f.evidence.length - 1; i >= 0; i--) {
    const pid = f.evidence[i]?.event?.pid;
    if (pid !== undefined && pid > 1) return pid;
  }
  return undefined;
}

/** Children of every process, from /proc (`PPid:` of each status file). */
function childrenMap(): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${name}/status`, 'utf8');
    } catch {
      continue;
    }
    const pp = /^PPid:\s+(\d+)/m.exec(status);
    if (!pp) continue;
    const parent = Number(pp[1]);
    const list = m.get(parent) ?? [];
    list.push(Number(name));
    m.set(parent, list);
  }
  return m;
}

/**
 * Kills a process and everything below it: stops each process top-down
 * (SIGSTOP, so nothing forks while the tree is walked), then kills them all
 * (SIGKILL). Returns the pids signalled. Refuses pid 1 and the calling
 * process and its ancestors.
 *
 * @example
 * ```ts
 * const killed = killProcessTree(4242);
 * ```
 */
export function killProcessTree(pid: number): number[] {
  if (!Number.isInteger(pid) || pid <= 1)
    throw new VigilError('USAGE', `will not kill process tree of pid ${pid}`);
  for (let p = process.pid; p > 1; ) {
    if (p === pid) throw new VigilError('USAGE', `pid ${pid} is an ancestor of this process; not killed`);
    const status = (() => {
      try {
        return readFileSync(`/proc/${p}/status`, 'utf8');
      } catch {
        return '';
      }
    })();
    const pp = /^PPid:\s+(\d+)/m.exec(status);
    if (!pp) break;
    p = Number(pp[1]);
  }
  const tree: number[] = [];
  const stack = [pid];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    try {
      process.kill(p, 'SIGSTOP');
    } catch {
      continue;
    }
    tree.push(p);
    for (const c of childrenMap().get(p) ?? []) stack.push(c);
  }
  for (const p of tree) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return tree;
}

const killTreeHandler: ResponseHandler = async (finding) => {
  const pid = findingPid(finding);
  if (pid === undefined) throw new Error('the finding names no process');
  const killed = killProcessTree(pid);
  if (killed.length === 0) return `process ${pid} had already exited`;
  return `killed the process tree of ${pid} (${countOf(killed.length, 'process')}: ${killed.slice(0, 8).join(', ')}${killed.length > 8 ? ', …' : ''})`;
};

const webhookHandler: ResponseHandler = async (finding, action) => {
  if (action.type !== 'webhook') throw new Error('not a webhook action');
  const res = await fetch(action.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...action.headers },
    body: JSON.stringify({ source: 'vigil', finding }),
    signal: AbortSignal.timeout(action.timeoutMs ?? 5000),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return `posted to ${action.url} (HTTP ${res.status})`;
};
