import type { VigilEvent } from '../events/schema.js';
import type { Finding } from '../findings/finding.js';
import type { ProcessTree } from './enricher.js';

/** What a consumer can do besides reading events. */
export interface ConsumerContext {
  /** Hands a finding to the pipeline, which emits it as `finding`. */
  report(finding: Finding): void;
  /** The process tree the pipeline maintains (the same one for every consumer). */
  readonly processes?: ProcessTree;
}

/**
 * Something that reads the observation stream: a baseline learner, a drift
 * detector, a rule engine, an AI-BOM builder, an evidence ledger.
 *
 * @example
 * ```ts
 * const counter: Consumer = { name: 'count', n: 0, onBatch(b) { this.n += b.length; } } as Consumer & { n: number };
 * ```
 */
export interface Consumer {
  readonly name: string;
  /** Called once before the first batch. */
  start?(ctx: ConsumerContext): void | Promise<void>;
  /** Called for every batch, in order. */
  onBatch(batch: readonly VigilEvent[], ctx: ConsumerContext): void | Promise<void>;
  /** Called once after the source ends (not after an error). */
  finish?(ctx: ConsumerContext): void | Promise<void>;
}
