import { z } from 'zod';
import { lazySchema } from '../schemas/lazy.js';

/**
 * The behaviour domains a baseline records. Each domain keeps its own
 * generalised patterns.
 */
export const BaselineDomainSchema = lazySchema(() =>
  z.enum([
    'processes',
    'files',
    'peers',
    'dns',
    'syscalls',
    'capabilities',
    'tools',
    'models',
    'retrievals',
    'k8s',
    'cloud',
    'shells',
    'toolEffects',
  ]),
);
/** @see {@link BaselineDomainSchema} */
export type BaselineDomain =
  | 'tools'
  | 'dns'
  | 'processes'
  | 'files'
  | 'peers'
  | 'syscalls'
  | 'capabilities'
  | 'models'
  | 'retrievals'
  | 'k8s'
  | 'cloud'
  | 'shells'
  | 'toolEffects';

/**
 * Every domain, in a stable order.
 *
 * @example
 * ```ts
 * for (const d of BASELINE_DOMAINS) console.log(d, baseline.size(d));
 * ```
 */
export const BASELINE_DOMAINS: readonly BaselineDomain[] = BaselineDomainSchema.options;

/**
 * A fan-out threshold for the children of pattern nodes whose path starts
 * with `prefix` (longest prefix wins). `maxChildren: null` never collapses.
 */
export const CollapseRuleSchema = lazySchema(() =>
  z.object({
    domain: BaselineDomainSchema,
    /** Compared with the node's display path, e.g. `/tmp/` for files or `ingress ` for peers. */
    prefix: z.string(),
    /** Distinct children a node keeps before they become one wildcard; `null` never collapses. */
    maxChildren: z.number().int().positive().nullable(),
  }),
);
/** @see {@link CollapseRuleSchema} */
export interface CollapseRule {
  domain: BaselineDomain;
  /** Compared with the node's display path, e.g. `/tmp/` for files or `ingress ` for peers. */
  prefix: string;
  /** Distinct children a node keeps before they become one wildcard; `null` never collapses. */
  maxChildren: number | null;
}

/**
 * How observations are generalised into patterns. Stored in every baseline so
 * a baseline explains itself; baselines merge only when their configurations
 * are equal.
 */
export const GeneralisationConfigSchema = lazySchema(() =>
  z.object({
    /** Distinct children a pattern node keeps before they collapse into `*`. */
    defaultMaxChildren: z.number().int().positive(),
    /** Per-prefix thresholds (longest matching prefix wins). */
    rules: z.array(CollapseRuleSchema),
    /** Concrete values each entry keeps as examples of what it covers. */
    examplesPerEntry: z.number().int().min(0).max(64),
    /** Events kept per entry as the ones that introduced it. */
    introducersPerEntry: z.number().int().min(0).max(16),
    /** Arguments of a command line kept in its pattern (the rest become `…`). */
    maxArgs: z.number().int().positive(),
  }),
);
/** @see {@link GeneralisationConfigSchema} */
export interface GeneralisationConfig {
  /** Distinct children a pattern node keeps before they collapse into `*`. */
  defaultMaxChildren: number;
  /** Per-prefix thresholds (longest matching prefix wins). */
  rules: CollapseRule[];
  /** Concrete values each entry keeps as examples of what it covers. */
  examplesPerEntry: number;
  /** Events kept per entry as the ones that introduced it. */
  introducersPerEntry: number;
  /** Arguments of a command line kept in its pattern (the rest become `…`). */
  maxArgs: number;
}

/**
 * The default generalisation: directories collapse after 20 distinct
 * children; temp folders after 4; per-process folders under `/proc` after 8;
 * credential and configuration folders never (a new file there is always news);
 * command lines of one binary after 12 distinct argument patterns; inbound
 * peers after 4 addresses per octet.
 */
export const DEFAULT_GENERALISATION: GeneralisationConfig = Object.freeze({
  defaultMaxChildren: 20,
  rules: [
    { domain: 'files', prefix: '/tmp/', maxChildren: 4 },
    { domain: 'files', prefix: '/var/tmp/', maxChildren: 4 },
    { domain: 'files', prefix: '/dev/shm/', maxChildren: 4 },
    { domain: 'files', prefix: '/proc/', maxChildren: 8 },
    { domain: 'files', prefix: '/etc/', maxChildren: null },
    { domain: 'files', prefix: '/root/', maxChildren: null },
    { domain: 'files', prefix: '/var/run/secrets/', maxChildren: null },
    { domain: 'files', prefix: '/run/secrets/', maxChildren: null },
    { domain: 'processes', prefix: '/tmp/', maxChildren: 4 },
    { domain: 'processes', prefix: '/dev/shm/', maxChildren: null },
    { domain: 'peers', prefix: 'ingress ', maxChildren: 4 },
    { domain: 'dns', prefix: '', maxChildren: 16 },
    { domain: 'syscalls', prefix: '', maxChildren: null },
    { domain: 'capabilities', prefix: '', maxChildren: null },
    { domain: 'tools', prefix: '', maxChildren: null },
    { domain: 'models', prefix: '', maxChildren: null },
    { domain: 'k8s', prefix: '', maxChildren: null },
    { domain: 'cloud', prefix: '', maxChildren: 12 },
  ] as CollapseRule[],
  examplesPerEntry: 4,
  introducersPerEntry: 1,
  maxArgs: 12,
}) as GeneralisationConfig;

/**
 * Threshold lookup compiled from a configuration: longest matching prefix per domain.
 *
 * @example
 * ```ts
 * const policy = new CollapsePolicy(DEFAULT_GENERALISATION);
 * policy.maxChildren('files', '/tmp/'); // 4
 * policy.maxChildren('files', '/etc/'); // Infinity
 * ```
 */
export class CollapsePolicy {
  readonly config: GeneralisationConfig;
  readonly #byDomain = new Map<BaselineDomain, CollapseRule[]>();

  constructor(config: GeneralisationConfig) {
    this.config = config;
    for (const r of config.rules) {
      let list = this.#byDomain.get(r.domain);
      if (!list) {
        list = [];
        this.#byDomain.set(r.domain, list);
      }
      list.push(r);
    }
    for (const list of this.#byDomain.values()) list.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Most distinct children a node at `nodePath` keeps (`Infinity`: never collapses). */
  maxChildren(domain: BaselineDomain, nodePath: string): number {
    const list = this.#byDomain.get(domain);
    if (list) {
      for (const r of list) {
        if (nodePath.startsWith(r.prefix)) return r.maxChildren ?? Number.POSITIVE_INFINITY;
      }
    }
    return this.config.defaultMaxChildren;
  }
}

/**
 * True when two configurations generalise identically (rule order does not matter).
 *
 * @example
 * ```ts
 * sameGeneralisation(DEFAULT_GENERALISATION, { ...DEFAULT_GENERALISATION }); // true
 * ```
 */
export function sameGeneralisation(a: GeneralisationConfig, b: GeneralisationConfig): boolean {
  return JSON.stringify(canonicalConfig(a)) === JSON.stringify(canonicalConfig(b));
}

function canonicalConfig(c: GeneralisationConfig): unknown {
  return {
    d: c.defaultMaxChildren,
    r: [...c.rules]
      .map((r) => [r.domain, r.prefix, r.maxChildren])
      .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)),
    e: c.examplesPerEntry,
    i: c.introducersPerEntry,
    a: c.maxArgs,
  };
}
