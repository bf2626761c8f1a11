import type { Finding, Severity } from '../findings/finding.js';
import { severityRank } from '../findings/finding.js';
import {
  correlateIncidents,
  type Incident,
  type IncidentOptions,
  incidentFinding,
} from '../incidents/incident.js';
import type { Vigil } from '../pipeline/vigil.js';
import type { ProcessTree } from '../stream/enricher.js';
import type { Responder, ResponseRecord } from './responder.js';

/**
 * Options for {@link LiveResponse}.
 *
 * @example
 * ```ts
 * const options: LiveResponseOptions = { incidents: { windowMs: 60_000 }, onFinding: (f) => console.log(f.title) };
 * ```
 */
export interface LiveResponseOptions {
  /**
   * How findings are joined into incidents as they arrive (the pipeline's process
   * tree is used when attached to a {@link Vigil}); `false` answers findings only.
   * Default: the options `vigil check` uses.
   */
  readonly incidents?: Omit<IncidentOptions, 'processes'> | false;
  /** Called with every finding and every new or escalated incident (as a finding), before its actions run. */
  readonly onFinding?: (finding: Finding) => void;
}

/**
 * A {@link Responder} wired to a live stream: every finding the pipeline's
 * detectors report (drift, rule packs) is answered as it arrives, and the
 * findings so far are joined into incidents the way `vigil check` joins them,
 * so an incident that appears, or whose severity rises, is answered too (as
 * its `vigil.incident.process-tree` finding). Actions run one at a time, in
 * arrival order.
 *
 * @example
 * ```ts
 * import { DriftDetector, LiveResponse, Responder, Vigil } from '@vigil/core';
 *
 * const vigil = new Vigil({ source: sensor, consumers: [new DriftDetector({ baselines })] });
 * const live = new LiveResponse(new Responder(plan)).attach(vigil);
 * await vigil.run();
 * for (const r of await live.settled()) console.log(r.outcome, r.action, r.detail, r.cause);
 * ```
 */
export class LiveResponse {
  readonly #responder: Responder;
  readonly #options: LiveResponseOptions;
  readonly #findings = new Map<string, Finding>();
  readonly #answered = new Map<string, Severity>();
  #incidents: Incident[] = [];
  #processes: ProcessTree | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(responder: Responder, options: LiveResponseOptions = {}) {
    this.#responder = responder;
    this.#options = options;
  }

  /** Answers every finding `vigil` reports from now on, with its process tree for incidents. */
  attach(vigil: Vigil): this {
    this.#processes = vigil.processes;
    vigil.on('finding', (f) => this.handle(f));
    return this;
  }

  /** Answers one finding (and the incident it completes or escalates, if any). Returns at once; see {@link LiveResponse.settled}. */
  handle(finding: Finding): void {
    this.#findings.set(finding.id, finding);
    this.#answer(finding);
    if (this.#options.incidents === false) return;
    this.#incidents = correlateIncidents([...this.#findings.values()], {
      ...this.#options.incidents,
      processes: this.#processes,
    });
    for (const incident of this.#incidents) {
      const before = this.#answered.get(incident.id);
      if (before !== undefined && severityRank(incident.severity) <= severityRank(before)) continue;
      this.#answered.set(incident.id, incident.severity);
      this.#answer(incidentFinding(incident));
    }
  }

  /** Waits for every action started so far; resolves with every record of the responder. */
  async settled(): Promise<readonly ResponseRecord[]> {
    for (let q = this.#queue; ; q = this.#queue) {
      await q;
      if (q === this.#queue) break;
    }
    return this.#responder.records();
  }

  /** Every finding answered so far (drift findings carry their latest counts). */
  findings(): readonly Finding[] {
    return [...this.#findings.values()];
  }

  /** The incidents the findings so far form. */
  incidents(): readonly Incident[] {
    return this.#incidents;
  }

  #answer(finding: Finding): void {
    this.#options.onFinding?.(finding);
    // Responder.handle records a failed action instead of throwing; the catch only keeps the queue going.
    this.#queue = this.#queue.then(() => this.#responder.handle(finding)).catch(() => undefined);
  }
}
