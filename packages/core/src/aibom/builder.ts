import type { CaptureIntegrity } from '../capture/integrity.js';
import { SignatureCatalogue as Catalogue, type SignatureCatalogue } from '../catalogue/catalogue.js';
import type { VigilEvent } from '../events/schema.js';
import type { Consumer } from '../stream/consumer.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import type { DeclaredComponent } from './declared/declared-component.js';
import type { AiBom, Declaration } from './document.js';
import { FlowGraphRecorder } from './flow-recorder.js';
import { assembleAiBom } from './internal/assemble.js';
import { ComponentRegistry } from './internal/components.js';
import { DeclaredInventory } from './internal/declared-inventory.js';
import type { DiscoveryContext } from './internal/discovery-context.js';
import { EndpointPeers } from './internal/endpoint-peers.js';
import { FlowRelations } from './internal/flow-relations.js';
import { GenAiDiscovery } from './internal/genai-discovery.js';
import { ProcessRoles } from './internal/process-roles.js';
import { RuntimeDiscovery } from './internal/runtime-discovery.js';

/** Options for {@link AiBomBuilder}. */
export interface AiBomBuilderOptions {
  /** Signatures to recognise components by. Default: {@link SignatureCatalogue.builtin}. */
  readonly catalogue?: SignatureCatalogue;
  /**
   * Sample events kept per component: the first ones, at least one per discovery method, and one
   * per further workload up to four times this. Default 8.
   */
  readonly maxEvidencePerComponent?: number;
  /** Most components kept; later ones are counted in `droppedComponents`. Default 10,000. */
  readonly maxComponents?: number;
  /** Most processes tracked for roles and the flow graph (oldest forgotten first). Default 65,536. */
  readonly maxProcesses?: number;
  /** Most flow-graph nodes; the graph says `truncated` past it. Default 5,000. */
  readonly maxFlowNodes?: number;
}

/** What {@link AiBomBuilder.result} needs to know about the inputs. */
export interface AiBomResultOptions {
  readonly captures?: readonly string[];
  readonly otel?: readonly string[];
  readonly drops?: Readonly<Record<string, number>>;
  /** Whether the captures were written completely ({@link ReplaySource.integrity}). */
  readonly integrity?: CaptureIntegrity;
  readonly generator?: { readonly name: string; readonly version: string };
  /** The time to stamp the document with. Default now. */
  readonly now?: Date;
}

// Span-derived events held back for attribution at the end.
const MAX_PENDING_SPANS = 1_000_000;

/**
 * Builds the runtime AI-BOM from the observation stream: a pipeline
 * {@link Consumer} that recognises AI components in exec, file-open,
 * connect, listen and DNS events and in tool-call, model-call and retrieval
 * events (from ingested OpenTelemetry GenAI spans), each with evidence, first
 * and last seen and a confidence. Add declared inputs with
 * {@link AiBomBuilder.declare}; {@link AiBomBuilder.result} reconciles the two
 * and draws the execution-flow graph. Memory is bounded.
 *
 * Events that came from spans (`source: 'otel'`) are attributed after the
 * kernel events: a span whose `pid` was seen in a capture joins that
 * process's workload, so spans and captures of the same run line up.
 *
 * @example
 * ```ts
 * import { AiBomBuilder, ReplaySource, Vigil, DnsEnricher } from '@vigil/core';
 *
 * const builder = new AiBomBuilder();
 * await new Vigil({ source: new ReplaySource(['run.vcap']), enrichers: [new DnsEnricher()], consumers: [builder] }).run();
 * const bom = builder.result({ captures: ['run.vcap'] });
 * for (const c of bom.components) console.log(c.status, c.type, c.name, c.confidence);
 * ```
 */
export class AiBomBuilder implements Consumer {
  readonly name = 'aibom';
  readonly catalogue: SignatureCatalogue;
  readonly #components: ComponentRegistry;
  readonly #processes: ProcessRoles;
  readonly #graph: FlowGraphRecorder;
  readonly #flow: FlowRelations;
  readonly #declared: DeclaredInventory;
  readonly #peers = new EndpointPeers();
  readonly #runtime: RuntimeDiscovery;
  readonly #genai: GenAiDiscovery;
  readonly #workloads = new Map<string, WorkloadRef>();
  readonly #pendingSpans: VigilEvent[] = [];
  #events = 0;

  constructor(options: AiBomBuilderOptions = {}) {
    this.catalogue = options.catalogue ?? Catalogue.builtin();
    this.#components = new ComponentRegistry(
      options.maxComponents ?? 10_000,
      options.maxEvidencePerComponent ?? 8,
    );
    this.#processes = new ProcessRoles(options.maxProcesses ?? 65_536);
    this.#graph = new FlowGraphRecorder(options.maxFlowNodes ?? 5_000);
    this.#flow = new FlowRelations(this.#graph, this.#components);
    // MCP server names as clients use them: learned from configurations and from calls.
    const serverNames = new Map<string, string>();
    this.#declared = new DeclaredInventory(this.catalogue, this.#components, serverNames);
    const ctx: DiscoveryContext = {
      catalogue: this.catalogue,
      components: this.#components,
      processes: this.#processes,
      flow: this.#flow,
    };
    this.#runtime = new RuntimeDiscovery(ctx, () => this.#declared.launches, this.#peers);
    this.#genai = new GenAiDiscovery(ctx, serverNames);
  }

  /** Components not kept because {@link AiBomBuilderOptions.maxComponents} was reached. */
  get droppedComponents(): number {
    return this.#components.dropped;
  }

  onBatch(batch: readonly VigilEvent[]): void {
    for (const ev of batch) this.observe(ev);
  }

  /** Feeds one event. Span-derived events are held and attributed in {@link AiBomBuilder.result}. */
  observe(ev: VigilEvent): void {
    this.#events++;
    if (ev.source === 'otel' && this.#pendingSpans.length < MAX_PENDING_SPANS) {
      this.#pendingSpans.push(ev);
      return;
    }
    this.#observe(ev);
  }

  /** Adds declared components (from {@link streamDeclaredInput} or your own code). */
  declare(items: readonly DeclaredComponent[]): void {
    this.#declared.declare(items);
  }

  /** Marks that declared inputs were read even if none listed an AI component, so absences count. */
  markDeclaredInput(file: string, input: Declaration['input']): void {
    this.#declared.markInput(file, input);
  }

  #observe(ev: VigilEvent): void {
    if (!this.#workloads.has(ev.workload.id)) {
      this.#workloads.set(ev.workload.id, ev.workload);
      this.#runtime.workloadImage(ev);
    }
    switch (ev.kind) {
      case 'process.exec':
        this.#runtime.exec(ev);
        break;
      case 'process.fork':
        this.#processes.fork(ev);
        break;
      case 'file.open':
        this.#runtime.open(ev);
        break;
      case 'net.connect':
        this.#runtime.connect(ev);
        break;
      case 'net.listen':
      case 'net.bind':
        this.#runtime.listen(ev);
        break;
      case 'dns.query':
        this.#runtime.dns(ev);
        break;
      case 'tool.call':
        this.#genai.toolCall(ev);
        break;
      case 'tool.list':
        this.#genai.toolList(ev);
        break;
      case 'model.call':
        this.#genai.modelCall(ev);
        break;
      case 'retrieval':
        this.#genai.retrieval(ev);
        break;
      case 'k8s.api':
        this.#flow.k8sApi(ev, this.#processes.of(ev));
        break;
      case 'cloud.api':
        this.#flow.cloudApi(ev, this.#processes.of(ev));
        break;
    }
  }

  /**
   * The AI-BOM so far: reconciles declared and observed components and
   * attaches the flow graph. Span-derived events held back are attributed now.
   */
  result(options: AiBomResultOptions = {}): AiBom {
    for (const ev of this.#pendingSpans.splice(0)) {
      // A span from a process the capture saw belongs to that process's workload.
      const p = ev.pid > 0 ? this.#processes.get(ev.pid) : undefined;
      const wl = p ? this.#workloads.get(p.workloadId) : undefined;
      this.#observe(wl && wl.id !== ev.workload.id ? { ...ev, workload: wl } : ev);
    }
    this.#peers.confirm(this.#components);
    this.#flow.declaredCredentials();
    return assembleAiBom(
      {
        components: this.#components,
        declared: this.#declared,
        flow: this.#graph,
        workloads: this.#workloads,
        events: this.#events,
        catalogueVersion: this.catalogue.version,
      },
      options,
    );
  }
}
