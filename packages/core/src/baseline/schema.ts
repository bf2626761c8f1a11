import { z } from 'zod';
import type { VigilEvent } from '../events/schema.js';
import { EventSchema } from '../events/schema.js';
import type { Severity } from '../findings/finding.js';
import { SeveritySchema } from '../findings/finding.js';
import { PayloadModeSchema } from '../payload/chunk.js';
import { lazySchema } from '../schemas/lazy.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import { WorkloadRefSchema } from '../workload/workload-ref.js';
import type { BaselineDomain, GeneralisationConfig } from './generalise.js';
import { BaselineDomainSchema, GeneralisationConfigSchema } from './generalise.js';

/**
 * Version of the baseline document schema. Bumped on any incompatible change.
 * Version 2 added `reviews`, version 3 `coverage`; documents of versions 1 and 2
 * are still read (they have neither: their coverage is unknown).
 */
export const BASELINE_SCHEMA_VERSION = 3;

/** Baseline schema versions this build reads. */
export const READABLE_BASELINE_VERSIONS: readonly number[] = [1, 2, 3];

const schemaVersion = () => z.union([z.literal(1), z.literal(2), z.literal(BASELINE_SCHEMA_VERSION)]);

const ns = () => z.number().nonnegative();
const count = () => z.number().int().nonnegative();

/** A compact reference to the event that introduced a baseline entry. */
export const IntroducerSchema = lazySchema(() =>
  z.object({
    ts: ns(),
    pid: count(),
    comm: z.string(),
    exe: z.string(),
    kind: z.string(),
    /** The concrete value the event showed. */
    value: z.string(),
  }),
);

/** One generalised pattern a workload was seen using, with its statistics. */
export const BaselineEntryDocumentSchema = lazySchema(() =>
  z.object({
    /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
    pattern: z.array(z.string()),
    /** Observations per origin (learner instance). Merges take the maximum per origin. */
    counts: z.record(z.string(), count()),
    firstSeen: ns(),
    lastSeen: ns(),
    /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
    examples: z.array(z.string()).optional(),
    /** The earliest events that introduced the entry. */
    introducedBy: z.array(IntroducerSchema).optional(),
  }),
);
/** @see {@link BaselineEntryDocumentSchema} */
export interface BaselineEntryDocument {
  /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
  pattern: string[];
  /** Observations per origin (learner instance). Merges take the maximum per origin. */
  counts: Record<string, number>;
  firstSeen: number;
  lastSeen: number;
  /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
  examples?: string[] | undefined;
  /** The earliest events that introduced the entry. */
  introducedBy?:
    | {
        ts: number;
        pid: number;
        comm: string;
        exe: string;
        kind: string;
        /** The concrete value the event showed. */
        value: string;
      }[]
    | undefined;
}

/** When learning counts as done. */
export const StabilityPolicySchema = lazySchema(() =>
  z.object({
    /** Observations a learner needs before it may call the baseline stable. */
    minObservations: count(),
    /** Seconds of event time a learner needs before it may call the baseline stable. */
    minDurationSec: z.number().nonnegative(),
    /** Seconds after which the baseline is called stable whatever the novelty rate (reason `max-duration`). */
    maxDurationSec: z.number().positive(),
    /** The novelty rate is measured over this many most recent observations. */
    windowObservations: z.number().int().positive().max(1_000_000),
    /** Stable when at most this fraction of the recent observations were new behaviour. */
    maxNoveltyRate: z.number().min(0).max(1),
    /**
     * Runs (a `vigil record` run, a container, a pod replica) a learner needs
     * before short runs can make the baseline stable without `minDurationSec`
     * (reason `quiet-runs`). Absent: only the time criterion applies.
     */
    minRuns: z.number().int().min(1).optional(),
    /** Consecutive completed runs whose own novelty rate was at most `maxNoveltyRate`, for `quiet-runs`. */
    quietRuns: z.number().int().min(1).optional(),
  }),
);
/** @see {@link StabilityPolicySchema} */
export interface StabilityPolicy {
  /** Observations a learner needs before it may call the baseline stable. */
  minObservations: number;
  /** Seconds of event time a learner needs before it may call the baseline stable. */
  minDurationSec: number;
  /** Seconds after which the baseline is called stable whatever the novelty rate (reason `max-duration`). */
  maxDurationSec: number;
  /** The novelty rate is measured over this many most recent observations. */
  windowObservations: number;
  /** Stable when at most this fraction of the recent observations were new behaviour. */
  maxNoveltyRate: number;
  /**
   * Runs (a `vigil record` run, a container, a pod replica) a learner needs
   * before short runs can make the baseline stable without `minDurationSec`
   * (reason `quiet-runs`). Absent: only the time criterion applies.
   */
  minRuns?: number | undefined;
  /** Consecutive completed runs whose own novelty rate was at most `maxNoveltyRate`, for `quiet-runs`. */
  quietRuns?: number | undefined;
}

/** Learning progress of one origin. */
export const LearningStateSchema = lazySchema(() =>
  z.object({
    observations: count(),
    /** Observations that added new behaviour. */
    novel: count(),
    firstSeen: ns(),
    lastSeen: ns(),
    /** When new behaviour last appeared. */
    lastNovel: ns(),
    /** New behaviour per observation over the recent window. */
    noveltyRate: z.number().min(0).max(1),
    /** Novel observations inside the recent window (to resume measuring exactly). */
    windowNovel: count().optional(),
    status: z.enum(['learning', 'stable']),
    stableSince: ns().optional(),
    /**
     * `converged`: the novelty rate fell below the threshold after the minimum time; `quiet-runs`: enough
     * runs, the last of them with novelty below the threshold; `max-duration`: time ran out; `manual`:
     * set by a person.
     */
    stableReason: z.enum(['converged', 'quiet-runs', 'max-duration', 'manual']).optional(),
    /** Runs this origin has seen (each `vigil record` run, container or replica counts once). */
    runs: count().optional(),
    /** Consecutive most recent completed runs whose own novelty rate was at most the threshold. */
    quietRuns: count().optional(),
    /** Observations of the run in progress. */
    runObservations: count().optional(),
    /** Novel observations of the run in progress. */
    runNovel: count().optional(),
    /** Entries the run in progress added to the baseline. */
    runEntries: count().optional(),
    /**
     * The last time a baseline that kept learning after it was judged stable (by `quiet-runs` or
     * `converged`) went back to learning: a run after that point was not quiet.
     */
    reopened: z
      .object({
        /** When (the last event of the run that was not quiet). */
        ts: ns(),
        /** Why it had been stable. */
        after: z.enum(['converged', 'quiet-runs']),
        /** Since when it had been stable. */
        stableSince: ns(),
        /** The run that was not quiet, counted from 1 (see `runs`). */
        run: count(),
        /** Its cgroup path or workload id, when the learner knew it. */
        runId: z.string().optional(),
        /** Its observations after the baseline was judged stable, the novel ones and the entries they added. */
        observations: count(),
        novel: count(),
        entries: count(),
      })
      .optional(),
  }),
);
/** @see {@link LearningStateSchema} */
export interface LearningState {
  observations: number;
  /** Observations that added new behaviour. */
  novel: number;
  firstSeen: number;
  lastSeen: number;
  /** When new behaviour last appeared. */
  lastNovel: number;
  /** New behaviour per observation over the recent window. */
  noveltyRate: number;
  /** Novel observations inside the recent window (to resume measuring exactly). */
  windowNovel?: number | undefined;
  status: 'learning' | 'stable';
  stableSince?: number | undefined;
  /**
   * `converged`: the novelty rate fell below the threshold after the minimum time; `quiet-runs`: enough
   * runs, the last of them with novelty below the threshold; `max-duration`: time ran out; `manual`:
   * set by a person.
   */
  stableReason?: 'converged' | 'quiet-runs' | 'max-duration' | 'manual' | undefined;
  /** Runs this origin has seen (each `vigil record` run, container or replica counts once). */
  runs?: number | undefined;
  /** Consecutive most recent completed runs whose own novelty rate was at most the threshold. */
  quietRuns?: number | undefined;
  /** Observations of the run in progress. */
  runObservations?: number | undefined;
  /** Novel observations of the run in progress. */
  runNovel?: number | undefined;
  /** Entries the run in progress added to the baseline. */
  runEntries?: number | undefined;
  /**
   * The last time a baseline that kept learning after it was judged stable (by `quiet-runs` or
   * `converged`) went back to learning: a run after that point was not quiet.
   */
  reopened?: LearningReopened | undefined;
}

/** @see {@link LearningState.reopened} */
export interface LearningReopened {
  /** When (the last event of the run that was not quiet). */
  ts: number;
  /** Why it had been stable. */
  after: 'converged' | 'quiet-runs';
  /** Since when it had been stable. */
  stableSince: number;
  /** The run that was not quiet, counted from 1 (see `runs`). */
  run: number;
  /** Its cgroup path or workload id, when the learner knew it. */
  runId?: string | undefined;
  /** Its observations after the baseline was judged stable, the novel ones and the entries they added. */
  observations: number;
  novel: number;
  entries: number;
}

/** An observation held out of the baseline. */
export const QuarantinedObservationSchema = lazySchema(() =>
  z.object({
    domain: BaselineDomainSchema,
    pattern: z.array(z.string()),
  }),
);

/** Behaviour seen during learning that a critical check flagged: held for review, not admitted. */
export const QuarantineItemDocumentSchema = lazySchema(() =>
  z.object({
    /** Id of the critical behaviour that flagged it, e.g. `vigil.critical.shell-from-interpreter`. */
    behaviour: z.string(),
    title: z.string(),
    severity: SeveritySchema,
    /** Why, in one sentence. */
    reason: z.string(),
    observations: z.array(QuarantinedObservationSchema),
    counts: z.record(z.string(), count()),
    firstSeen: ns(),
    lastSeen: ns(),
    /** The earliest events behind it (the flagged event and any earlier ones it depends on). */
    // `z.lazy`: the event schema (the largest Vigil builds) is built when a quarantined event is
    // read, not whenever a baseline is, since most baselines quarantine nothing.
    events: z.array(z.lazy(() => EventSchema)),
  }),
);
/** @see {@link QuarantineItemDocumentSchema} */
export interface QuarantineItemDocument {
  /** Id of the critical behaviour that flagged it, e.g. `vigil.critical.shell-from-interpreter`. */
  behaviour: string;
  title: string;
  severity: Severity;
  /** Why, in one sentence. */
  reason: string;
  observations: {
    domain: BaselineDomain;
    pattern: string[];
  }[];
  counts: Record<string, number>;
  firstSeen: number;
  lastSeen: number;
  /** The earliest events behind it (the flagged event and any earlier ones it depends on). */
  events: VigilEvent[];
}

/**
 * A reviewer's decision on a quarantined item: who admitted it, why and when.
 * The baseline keeps it so an admitted behaviour's history stays auditable.
 *
 * @example
 * ```ts
 * const r: ReviewRecord = { item: 'q-3f2a…', behaviour: 'vigil.critical.shell-from-interpreter', observations: [], decision: 'admit', by: 'alice', reason: 'the shell tool is part of the job', at: 0 };
 * ```
 */
export const ReviewRecordSchema = lazySchema(() =>
  z.object({
    /** The quarantine item's stable id (`q-` and 16 hex digits). */
    item: z.string().min(1),
    behaviour: z.string(),
    observations: z.array(QuarantinedObservationSchema),
    decision: z.literal('admit'),
    by: z.string().min(1),
    reason: z.string().min(1),
    /** Nanoseconds since the epoch. */
    at: ns(),
  }),
);
/** @see {@link ReviewRecordSchema} */
export interface ReviewRecord {
  /** The quarantine item's stable id (`q-` and 16 hex digits). */
  item: string;
  behaviour: string;
  observations: {
    domain: BaselineDomain;
    pattern: string[];
  }[];
  decision: 'admit';
  by: string;
  reason: string;
  /** Nanoseconds since the epoch. */
  at: number;
}

const entryList = () => z.array(BaselineEntryDocumentSchema).optional();

/** The entries of a baseline, by domain. Empty domains may be omitted. */
export const BaselineEntriesSchema = lazySchema(() =>
  z.object({
    processes: entryList(),
    files: entryList(),
    peers: entryList(),
    dns: entryList(),
    syscalls: entryList(),
    capabilities: entryList(),
    tools: entryList(),
    models: entryList(),
    retrievals: entryList(),
    k8s: entryList(),
    cloud: entryList(),
    /** What ran under a shell, per the program that started it (see `shellContextOf`). */
    shells: entryList(),
    /** What each tool call did, per tool (`server/tool`), where attribution placed events in calls (see `toolEffectObservations`). */
    toolEffects: entryList(),
  }),
);
/** @see {@link BaselineEntriesSchema} */
export interface BaselineEntries {
  processes?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  files?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  peers?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  dns?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  syscalls?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  capabilities?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  tools?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  models?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  retrievals?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  k8s?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  cloud?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  /** What ran under a shell, per the program that started it (see `shellContextOf`). */
  shells?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
  /** What each tool call did, per tool (`server/tool`), where attribution placed events in calls (see `toolEffectObservations`). */
  toolEffects?:
    | {
        /** Generalised segments; `*` is a one-segment wildcard, `<num>`, `<hex>`, `<uuid>`, `<tmp>`, `<str>` placeholders. */
        pattern: string[];
        /** Observations per origin (learner instance). Merges take the maximum per origin. */
        counts: Record<string, number>;
        firstSeen: number;
        lastSeen: number;
        /** Concrete values the pattern covers (smallest first); omitted when the only one is the pattern itself. */
        examples?: string[] | undefined;
        /** The earliest events that introduced the entry. */
        introducedBy?:
          | {
              ts: number;
              pid: number;
              comm: string;
              exe: string;
              kind: string;
              /** The concrete value the event showed. */
              value: string;
            }[]
          | undefined;
      }[]
    | undefined;
}

/**
 * One workload's behavioural baseline for one image/model version: what it
 * was seen doing, generalised; how far learning got; what was quarantined.
 *
 * @example
 * ```ts
 * import { BaselineDocumentSchema } from '@vigil/core';
 *
 * const doc = BaselineDocumentSchema.parse(JSON.parse(text));
 * console.log(doc.subject, doc.versionKey, doc.entries.processes?.length);
 * ```
 */
export const BaselineDocumentSchema = lazySchema(() =>
  z.object({
    schemaVersion: schemaVersion(),
    /** What the baseline describes, stable across replicas, e.g. `k8s:ai/agent/agent`. */
    subject: z.string().min(1),
    /** Image and model version the behaviour belongs to; an upgrade starts a new baseline. */
    versionKey: z.string().min(1),
    /** A representative workload (the one with the smallest id). */
    workload: WorkloadRefSchema,
    /** Ids of workloads that contributed (smallest first, at most 16). */
    workloads: z.array(z.string()),
    generalisation: GeneralisationConfigSchema,
    stability: StabilityPolicySchema,
    /** Learning progress per origin. The baseline is stable when any origin is. */
    learning: z.record(z.string(), LearningStateSchema),
    entries: BaselineEntriesSchema,
    quarantine: z.array(QuarantineItemDocumentSchema),
    /** Review decisions on quarantined items (schema version 2; absent in version 1). */
    reviews: z.array(ReviewRecordSchema).optional(),
    /**
     * What the recordings it was learned from could show: event families and payload modes (schema
     * version 3). Absent: unknown (learned by an older Vigil, or from events whose recording was not said).
     */
    coverage: z
      .object({
        families: z.array(z.enum(['syscalls', 'payloads', 'audit'])),
        payloadModes: z.array(PayloadModeSchema),
      })
      .optional(),
  }),
);
/** @see {@link BaselineDocumentSchema} */
export interface BaselineDocument {
  schemaVersion: 1 | 2 | 3;
  /** What the baseline describes, stable across replicas, e.g. `k8s:ai/agent/agent`. */
  subject: string;
  /** Image and model version the behaviour belongs to; an upgrade starts a new baseline. */
  versionKey: string;
  /** A representative workload (the one with the smallest id). */
  workload: WorkloadRef;
  /** Ids of workloads that contributed (smallest first, at most 16). */
  workloads: string[];
  generalisation: GeneralisationConfig;
  stability: StabilityPolicy;
  /** Learning progress per origin. The baseline is stable when any origin is. */
  learning: Record<string, LearningState>;
  entries: {
    processes?: BaselineEntryDocument[] | undefined;
    files?: BaselineEntryDocument[] | undefined;
    peers?: BaselineEntryDocument[] | undefined;
    dns?: BaselineEntryDocument[] | undefined;
    syscalls?: BaselineEntryDocument[] | undefined;
    capabilities?: BaselineEntryDocument[] | undefined;
    tools?: BaselineEntryDocument[] | undefined;
    models?: BaselineEntryDocument[] | undefined;
    retrievals?: BaselineEntryDocument[] | undefined;
    k8s?: BaselineEntryDocument[] | undefined;
    cloud?: BaselineEntryDocument[] | undefined;
    /** What ran under a shell, per the program that started it (see `shellContextOf`). */
    shells?: BaselineEntryDocument[] | undefined;
    /** What each tool call did, per tool (`server/tool`), where attribution placed events in calls (see `toolEffectObservations`). */
    toolEffects?: BaselineEntryDocument[] | undefined;
  };
  quarantine: QuarantineItemDocument[];
  /** Review decisions on quarantined items (schema version 2; absent in version 1). */
  reviews?: ReviewRecord[] | undefined;
  /**
   * What the recordings it was learned from could show: event families and payload modes (schema
   * version 3). Absent: unknown (learned by an older Vigil, or from events whose recording was not said).
   */
  coverage?:
    | {
        families: ('syscalls' | 'payloads' | 'audit')[];
        payloadModes: ('off' | 'meta' | 'content')[];
      }
    | undefined;
}

/**
 * The file `vigil learn` writes: baselines for any number of workloads.
 *
 * @example
 * ```ts
 * import { BaselineSetDocumentSchema } from '@vigil/core';
 *
 * const set = BaselineSetDocumentSchema.parse(JSON.parse(text));
 * for (const b of set.baselines) console.log(b.subject);
 * ```
 */
export const BaselineSetDocumentSchema = lazySchema(() =>
  z.object({
    schemaVersion: schemaVersion(),
    kind: z.literal('vigil.baseline-set'),
    baselines: z.array(BaselineDocumentSchema),
  }),
);
/** @see {@link BaselineSetDocumentSchema} */
export interface BaselineSetDocument {
  schemaVersion: 1 | 2 | 3;
  kind: 'vigil.baseline-set';
  baselines: BaselineDocument[];
}
