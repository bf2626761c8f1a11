import type { CaptureIntegrity } from '../capture/integrity.js';
import type { EventOf, VigilEvent } from '../events/schema.js';
import { mcpLaunchMatches } from '../mcp/launch-match.js';
import type { Consumer } from '../pipeline/vigil.js';
import { isCredentialPath } from '../vocabulary/public.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import {
  type AiComponentType,
  SignatureCatalogue as Catalogue,
  imageRepository,
  type SignatureCatalogue,
  type SignatureMatch,
} from './catalogue.js';
import type { DeclaredComponent } from './declared/declared-component.js';
import {
  AIBOM_SCHEMA_VERSION,
  type AiBom,
  type AiBomComponent,
  type AiBomInputs,
  type ComponentEvidence,
  type ComponentStatus,
  type Declaration,
  type DiscoveryMethod,
} from './document.js';
import { FlowGraphRecorder } from './flow-recorder.js';
import {
  imageInCommandLine,
  npmPackageFromPath,
  packagesInCommandLine,
  pythonPackageFromPath,
  type RuntimePackage,
} from './package-paths.js';

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

interface Working {
  id: string;
  type: AiComponentType;
  name: string;
  version?: string;
  purl?: string;
  signatureId?: string;
  family?: string;
  vendor?: string;
  properties: Record<string, string>;
  // Observation.
  workloads: Set<string>;
  firstSeen: number;
  lastSeen: number;
  count: number;
  methodConfidence: Map<DiscoveryMethod, number>;
  evidence: ComponentEvidence[];
  declared: Declaration[];
  declaredConfidence: number;
}

/** What a file path is to the AI-BOM. */
type PathClass =
  | { kind: 'package'; ref: RuntimePackage; match: SignatureMatch; id: string }
  | { kind: 'model'; match: SignatureMatch; ext: string; confidence: number }
  | { kind: 'credential' }
  | { kind: 'data'; dir: string }
  | { kind: 'ignore' };

/** What Vigil knows about one process while reading a capture. */
interface ProcessState {
  workloadId: string;
  comm: string;
  exe: string;
  ppid: number;
  /** The MCP server component this process (or an ancestor) runs. */
  mcpServerId?: string;
  /** True once the process loaded an agent framework or AI SDK. */
  agent?: boolean;
}

// Frameworks whose presence in a process makes it an agent (or an AI client), rather than a library used by a server.
const NOT_AGENT_FRAMEWORKS = new Set(['mcp-sdk', 'pytorch', 'tensorflow', 'onnxruntime', 'transformers']);
// Types a manifest, lockfile, MCP configuration or Kubernetes manifest can declare.
const DECLARABLE: ReadonlySet<AiComponentType> = new Set([
  'framework',
  'mcp-server',
  'inference-server',
  'vector-store',
]);
// Model-file extensions that are also common for other things; weaker, and ignored inside library trees.
const AMBIGUOUS_MODEL_EXT = new Set(['.bin', '.pkl', '.pt', '.h5', '.ckpt']);
const SYSTEM_PREFIXES = ['/proc/', '/sys/', '/dev/', '/usr/', '/lib/', '/lib64/', '/bin/', '/sbin/', '/etc/'];
const LIBRARY_MARKERS = [
  '/node_modules/',
  '/site-packages/',
  '/dist-packages/',
  '/.cache/',
  '/.npm/',
  '/.git/',
];
const EINPROGRESS = -115;
/** Which kind of declaration can list a component. */
type DeclaredDomain = 'npm' | 'pypi' | 'mcp' | 'image';
const INPUT_DOMAIN: Record<Declaration['input'], DeclaredDomain> = {
  'package.json': 'npm',
  'package-lock.json': 'npm',
  'pnpm-lock.yaml': 'npm',
  'yarn.lock': 'npm',
  'requirements.txt': 'pypi',
  'poetry.lock': 'pypi',
  'uv.lock': 'pypi',
  'pyproject.toml': 'pypi',
  'mcp-config': 'mcp',
  kubernetes: 'image',
};

function domainsOf(w: { id: string; type: AiComponentType }): DeclaredDomain[] {
  const out: DeclaredDomain[] = [];
  if (w.id.startsWith('pkg:npm/') || w.id.startsWith('mcp-server:npm/')) out.push('npm');
  if (w.id.startsWith('pkg:pypi/') || w.id.startsWith('mcp-server:pypi/')) out.push('pypi');
  if (w.type === 'mcp-server') out.push('mcp');
  if (w.id.startsWith('mcp-server:image/') || w.type === 'inference-server' || w.type === 'vector-store') {
    if (!w.id.startsWith('pkg:')) out.push('image');
  }
  return out;
}

// Environment variable names that carry secrets.
const SECRET_ENV = /(TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|PAT)(_|$)/i;

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Combines independent confidences: 1 − Π(1 − cᵢ). */
function combine(values: Iterable<number>): number {
  let miss = 1;
  for (const v of values) miss *= 1 - v;
  return Math.round((1 - miss) * 1000) / 1000;
}

function componentIdForPackage(ref: RuntimePackage, match: SignatureMatch): string {
  const name = ref.ecosystem === 'pypi' ? ref.name.toLowerCase().replace(/[-_.]+/g, '-') : ref.name;
  return match.signature.type === 'mcp-server'
    ? `mcp-server:${ref.ecosystem}/${name}`
    : `pkg:${ref.ecosystem}/${name}`;
}

function purlFor(ref: RuntimePackage, version: string | undefined): string {
  if (ref.ecosystem === 'npm') {
    const [scope, bare] = ref.name.startsWith('@') ? ref.name.split('/') : [undefined, ref.name];
    const ns = scope ? `${encodeURIComponent(scope)}/` : '';
    return `pkg:npm/${ns}${encodeURIComponent(bare!)}${version ? `@${encodeURIComponent(version)}` : ''}`;
  }
  const n = ref.name.toLowerCase().replace(/[-_.]+/g, '-');
  return `pkg:pypi/${n}${version ? `@${encodeURIComponent(version)}` : ''}`;
}

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
  readonly #maxEvidence: number;
  readonly #maxComponents: number;
  readonly #maxProcesses: number;
  readonly #components = new Map<string, Working>();
  readonly #workloads = new Map<string, WorkloadRef>();
  readonly #workloadComponents = new Map<string, Set<string>>();
  readonly #procs = new Map<number, ProcessState>();
  readonly #pendingSpans: VigilEvent[] = [];
  readonly #peers = new Map<string, { ev: EventOf<'net.connect'>[]; count: number }>();
  readonly #mcpNames = new Map<string, string>();
  // Declared MCP servers by how they are launched: a process started that way serves that server.
  readonly #mcpLaunches: { id: string; command?: string; args?: readonly string[] }[] = [];
  readonly #manifests = new Map<string, { file: string; input: Declaration['input']; components: number }>();
  readonly #flow: FlowGraphRecorder;
  readonly #pathClass = new Map<string, PathClass>();
  #events = 0;
  #declaredAny = false;
  // What the declared inputs given can speak for: npm and Python packages, MCP servers, container images.
  readonly #domains = new Set<DeclaredDomain>();
  /** Components not kept because {@link AiBomBuilderOptions.maxComponents} was reached. */
  droppedComponents = 0;

  constructor(options: AiBomBuilderOptions = {}) {
    this.catalogue = options.catalogue ?? Catalogue.builtin();
    this.#maxEvidence = options.maxEvidencePerComponent ?? 8;
    this.#maxComponents = options.maxComponents ?? 10_000;
    this.#maxProcesses = options.maxProcesses ?? 65_536;
    this.#flow = new FlowGraphRecorder(options.maxFlowNodes ?? 5_000);
  }

  onBatch(batch: readonly VigilEvent[]): void {
    for (const ev of batch) this.observe(ev);
  }

  /** Feeds one event. Span-derived events are held and attributed in {@link AiBomBuilder.result}. */
  observe(ev: VigilEvent): void {
    this.#events++;
    if (ev.source === 'otel' && this.#pendingSpans.length < 1_000_000) {
      this.#pendingSpans.push(ev);
      return;
    }
    this.#observe(ev);
  }

  /** Adds declared components (from {@link streamDeclaredInput} or your own code). */
  declare(items: readonly DeclaredComponent[]): void {
    for (const item of items) {
      this.#declaredAny = true;
      this.#domains.add(INPUT_DOMAIN[item.declaration.input]);
      const m = this.#manifests.get(item.declaration.file) ?? {
        file: item.declaration.file,
        input: item.declaration.input,
        components: 0,
      };
      this.#manifests.set(item.declaration.file, m);
      const resolved = this.#resolveDeclared(item);
      if (!resolved) continue;
      m.components++;
      const w = this.#component(resolved.id, resolved.type, resolved.name, resolved.match, resolved.ref);
      if (!w) continue;
      w.declared.push(item.declaration);
      w.declaredConfidence = Math.max(w.declaredConfidence, resolved.match?.confidence ?? 0.9);
      if (item.version && !w.version) w.version = item.version;
      if (resolved.ref && item.version && !w.purl?.includes('@'))
        w.purl = purlFor(resolved.ref, item.version);
      for (const [k, v] of Object.entries(item.properties ?? {})) w.properties[k] ??= v;
      if (item.kind === 'mcp-server' && item.configName) this.#mcpNames.set(item.configName, resolved.id);
      if (item.kind === 'mcp-server' && item.command && !this.#mcpLaunches.some((l) => l.id === resolved.id))
        this.#mcpLaunches.push({
          id: resolved.id,
          command: item.command,
          ...(item.args ? { args: item.args } : {}),
        });
    }
  }

  /** Marks that declared inputs were read even if none listed an AI component, so absences count. */
  markDeclaredInput(file: string, input: Declaration['input']): void {
    this.#declaredAny = true;
    this.#domains.add(INPUT_DOMAIN[input]);
    if (!this.#manifests.has(file)) this.#manifests.set(file, { file, input, components: 0 });
  }

  #resolveDeclared(
    item: DeclaredComponent,
  ):
    | { id: string; type: AiComponentType; name: string; match?: SignatureMatch; ref?: RuntimePackage }
    | undefined {
    if (item.kind === 'package') {
      const ref: RuntimePackage = { ecosystem: item.ecosystem, name: item.name };
      const match = this.catalogue.matchPackage(item.ecosystem, item.name);
      if (!match) return undefined;
      return {
        id: componentIdForPackage(ref, match),
        type: match.signature.type,
        name: item.name,
        match,
        ref,
      };
    }
    if (item.kind === 'image') {
      const match = this.catalogue.matchImage(item.name);
      if (!match) return undefined;
      return {
        id: `${match.signature.type}:${match.signature.id}`,
        type: match.signature.type,
        name: match.signature.name,
        match,
      };
    }
    // An MCP server from a client configuration: by the package it launches, else its URL, else its command.
    const launched = item.command ? packagesInCommandLine([item.command, ...(item.args ?? [])]) : [];
    for (const ref of launched) {
      const match = this.catalogue.matchPackage(ref.ecosystem, ref.name);
      if (match?.signature.type === 'mcp-server' || (match === undefined && ref === launched[0])) {
        const id = `mcp-server:${ref.ecosystem}/${ref.ecosystem === 'pypi' ? ref.name.toLowerCase().replace(/[-_.]+/g, '-') : ref.name}`;
        return { id, type: 'mcp-server', name: ref.name, ref, ...(match ? { match } : {}) };
      }
    }
    const image = item.command ? imageInCommandLine([item.command, ...(item.args ?? [])]) : undefined;
    if (image) {
      const repo = imageRepository(image);
      const match = this.catalogue.matchImage(image);
      return { id: `mcp-server:image/${repo}`, type: 'mcp-server', name: repo, ...(match ? { match } : {}) };
    }
    if (item.url)
      return { id: `mcp-server:url/${item.url}`, type: 'mcp-server', name: item.configName ?? item.url };
    const cmd = item.command ? basename(item.command) : (item.configName ?? 'unknown');
    return {
      id: `mcp-server:cmd/${[cmd, ...(item.args ?? [])].join(' ')}`,
      type: 'mcp-server',
      name: item.configName ?? cmd,
    };
  }

  #component(
    id: string,
    type: AiComponentType,
    name: string,
    match?: SignatureMatch,
    ref?: RuntimePackage,
  ): Working | undefined {
    let w = this.#components.get(id);
    if (w) return w;
    if (this.#components.size >= this.#maxComponents) {
      this.droppedComponents++;
      return undefined;
    }
    w = {
      id,
      type,
      name,
      properties: {},
      workloads: new Set(),
      firstSeen: Number.POSITIVE_INFINITY,
      lastSeen: 0,
      count: 0,
      methodConfidence: new Map(),
      evidence: [],
      declared: [],
      declaredConfidence: 0,
    };
    if (match) {
      w.signatureId = match.signature.id;
      w.family = match.signature.name;
      if (match.signature.vendor) w.vendor = match.signature.vendor;
    }
    if (ref) {
      w.purl = purlFor(ref, ref.version);
      if (ref.version) w.version = ref.version;
      w.properties['ecosystem'] = ref.ecosystem;
    }
    this.#components.set(id, w);
    return w;
  }

  #see(
    w: Working | undefined,
    ev: VigilEvent,
    method: DiscoveryMethod,
    confidence: number,
    detail: string,
  ): void {
    if (!w) return;
    w.workloads.add(ev.workload.id);
    let set = this.#workloadComponents.get(ev.workload.id);
    if (!set) {
      set = new Set();
      this.#workloadComponents.set(ev.workload.id, set);
    }
    set.add(w.id);
    if (ev.ts < w.firstSeen) w.firstSeen = ev.ts;
    if (ev.ts > w.lastSeen) w.lastSeen = ev.ts;
    w.count++;
    const had = w.methodConfidence.get(method);
    if (had === undefined || confidence > had) w.methodConfidence.set(method, confidence);
    // Samples: the first few events, then the first of each new method (replacing a repeat), and
    // the first in each further workload (so per-workload findings have evidence), within a bound.
    const newMethod = !w.evidence.some((e) => e.method === method);
    const newWorkload = !w.evidence.some((e) => e.workloadId === ev.workload.id);
    let keep = w.evidence.length < this.#maxEvidence;
    if (!keep && newMethod) {
      const idx = w.evidence.findLastIndex(
        (e, i) => w.evidence.findIndex((x) => x.method === e.method) !== i,
      );
      if (idx >= 0) {
        w.evidence.splice(idx, 1);
        keep = true;
      }
    }
    if (!keep && newWorkload && w.evidence.length < this.#maxEvidence * 4) keep = true;
    if (keep) {
      w.evidence.push({
        method,
        kind: ev.kind,
        ts: ev.ts,
        workloadId: ev.workload.id,
        pid: ev.pid,
        comm: ev.comm,
        detail: detail.length > 512 ? `${detail.slice(0, 509)}...` : detail,
        source: ev.source ?? 'unknown',
      });
    }
  }

  #proc(ev: VigilEvent): ProcessState | undefined {
    if (ev.pid === 0) return undefined;
    let p = this.#procs.get(ev.pid);
    if (p && p.workloadId !== ev.workload.id && ev.source !== 'otel') p = undefined;
    if (!p) {
      if (this.#procs.size >= this.#maxProcesses) {
        const oldest = this.#procs.keys().next().value;
        if (oldest !== undefined) this.#procs.delete(oldest);
      }
      const parent = this.#procs.get(ev.ppid);
      p = { workloadId: ev.workload.id, comm: ev.comm, exe: ev.exe, ppid: ev.ppid };
      if (parent?.mcpServerId && parent.workloadId === ev.workload.id) p.mcpServerId = parent.mcpServerId;
      this.#procs.set(ev.pid, p);
    }
    return p;
  }

  #observe(ev: VigilEvent): void {
    if (!this.#workloads.has(ev.workload.id)) {
      this.#workloads.set(ev.workload.id, ev.workload);
      // A running container whose image is an inference server or vector store (ollama/ollama, qdrant/qdrant…).
      const image = ev.workload.image;
      const m = image ? this.catalogue.matchImage(image) : undefined;
      if (m && image && ev.source !== 'otel') {
        const w = this.#component(
          `${m.signature.type}:${m.signature.id}`,
          m.signature.type,
          m.signature.name,
          m,
        );
        if (w) w.properties['image'] ??= image;
        this.#see(w, ev, 'workload-image', m.confidence, `${ev.workload.id} runs ${image}`);
      }
    }
    switch (ev.kind) {
      case 'process.exec':
        this.#onExec(ev);
        return;
      case 'process.fork': {
        const parent = this.#proc(ev);
        if (parent && ev.childPid > 0) {
          this.#procs.set(ev.childPid, { ...parent, ppid: ev.pid });
        }
        return;
      }
      case 'file.open':
        this.#onOpen(ev);
        return;
      case 'net.connect':
        this.#onConnect(ev);
        return;
      case 'net.listen':
      case 'net.bind':
        this.#onListen(ev);
        return;
      case 'dns.query': {
        const m = this.catalogue.matchHost(ev.name);
        if (m) {
          const w = this.#component(
            `${m.signature.type}:${m.signature.id}`,
            m.signature.type,
            m.signature.name,
            m,
          );
          if (w) w.properties['host'] ??= ev.name;
          // A lookup shows intent, not use: weaker than a connection.
          this.#see(w, ev, 'dns', m.confidence * 0.7, `${ev.qtype} ${ev.name}`);
        }
        return;
      }
      case 'tool.call':
        this.#onToolCall(ev);
        return;
      case 'tool.list': {
        const server = this.#mcpServerOf(ev);
        if (server) {
          // What the server can do, beside what was called: the tool components are the calls.
          server.properties['tools'] = String(ev.tools.length);
          const names = ev.tools.map((t) => t.name).slice(0, 256);
          server.properties['announcedTools'] = names.join(',');
        }
        this.#see(server, ev, 'tool-list', 0.9, `${ev.server}: ${ev.tools.map((t) => t.name).join(', ')}`);
        return;
      }
      case 'model.call':
        this.#onModelCall(ev);
        return;
      case 'retrieval':
        this.#onRetrieval(ev);
        return;
      case 'k8s.api': {
        const p = this.#proc(ev);
        const from = this.#actorNode(ev, p);
        if (from) {
          const id = this.#flow.node('identity', ev.workload.id, `k8s:${ev.user}`, ev.user, {
            kind: 'kubernetes-user',
          });
          this.#flow.edge(from, id, 'runs-as', ev);
        }
        return;
      }
      case 'cloud.api': {
        const p = this.#proc(ev);
        const from = this.#actorNode(ev, p);
        if (from) {
          const api = this.#flow.node(
            'api',
            ev.workload.id,
            `${ev.provider}:${ev.service}`,
            `${ev.provider} ${ev.service}`,
            {
              provider: ev.provider,
            },
          );
          this.#flow.edge(from, api, 'calls', ev);
          const id = this.#flow.node('identity', ev.workload.id, `cloud:${ev.principal}`, ev.principal, {
            kind: 'cloud-principal',
          });
          this.#flow.edge(from, id, 'runs-as', ev);
        }
        return;
      }
      default:
        return;
    }
  }

  #onExec(ev: EventOf<'process.exec'>): void {
    if (ev.result !== undefined && ev.result < 0) return;
    // A new program replaces the old one: the role comes from the new command line or the parent.
    const old = this.#procs.get(ev.pid);
    const parent = this.#procs.get(ev.ppid);
    const p: ProcessState = { workloadId: ev.workload.id, comm: ev.comm, exe: ev.filename, ppid: ev.ppid };
    const inherited =
      old?.mcpServerId ?? (parent?.workloadId === ev.workload.id ? parent.mcpServerId : undefined);
    if (inherited) p.mcpServerId = inherited;
    this.#procs.set(ev.pid, p);
    const line = ev.argv.join(' ');
    const argv0 = ev.argv[0] ?? '';
    const detail =
      argv0 === ev.filename || basename(argv0) === basename(ev.filename) ? line : `${ev.filename}: ${line}`;
    const byExe =
      this.catalogue.matchExecutable(basename(ev.filename)) ?? this.catalogue.matchCommandLine(ev.argv);
    if (byExe) {
      const w = this.#component(
        `${byExe.signature.type}:${byExe.signature.id}`,
        byExe.signature.type,
        byExe.signature.name,
        byExe,
      );
      if (w) w.properties['command'] ??= line;
      this.#see(w, ev, 'exec', byExe.confidence, detail);
    }
    for (const ref of packagesInCommandLine(ev.argv)) {
      const m = this.catalogue.matchPackage(ref.ecosystem, ref.name);
      if (!m) continue;
      const id = componentIdForPackage(ref, m);
      const w = this.#component(id, m.signature.type, ref.name, m, ref);
      if (w && m.signature.type === 'mcp-server') this.#startedMcpServer(ev, p, parent, inherited, w, line);
      this.#see(w, ev, 'exec', m.confidence, detail);
    }
    // A declared server launched as its configuration says (a script, a program of its own).
    if (p.mcpServerId === inherited && this.#mcpLaunches.length > 0) {
      const hits = this.#mcpLaunches.filter((l) => mcpLaunchMatches(l, ev.argv));
      const w = hits.length === 1 ? this.#components.get(hits[0]!.id) : undefined;
      if (w) {
        this.#startedMcpServer(ev, p, parent, inherited, w, line);
        this.#see(w, ev, 'exec', 0.9, detail);
      }
    }
    // Servers in containers: `docker run -i IMAGE` (how many MCP client configurations launch them).
    const image = imageInCommandLine(ev.argv);
    if (image) {
      const repo = imageRepository(image);
      const m = this.catalogue.matchImage(image);
      const mcpId = `mcp-server:image/${repo}`;
      const isMcp = m?.signature.type === 'mcp-server' || this.#components.has(mcpId);
      if (isMcp || m) {
        const id = isMcp ? mcpId : `${m!.signature.type}:${m!.signature.id}`;
        const w = this.#component(
          id,
          isMcp ? 'mcp-server' : m!.signature.type,
          isMcp ? repo : m!.signature.name,
          m,
        );
        if (w) {
          w.properties['image'] ??= image;
          const tag = /:([^/:@]+)$/.exec(image.split('@')[0]!)?.[1];
          if (tag && !w.version) w.version = tag;
          if (isMcp) this.#startedMcpServer(ev, p, parent, inherited, w, line);
        }
        this.#see(w, ev, 'exec', m?.confidence ?? 0.85, detail);
      }
    }
  }

  // A process started an MCP server: it and its children serve it, and the agent that started it gets a `spawns` edge.
  #startedMcpServer(
    ev: EventOf<'process.exec'>,
    p: ProcessState,
    parent: ProcessState | undefined,
    inherited: string | undefined,
    w: Working,
    line: string,
  ): void {
    const id = w.id;
    w.properties['command'] ??= line;
    w.properties['transport'] ??= 'stdio';
    if (inherited === id) return;
    p.mcpServerId = id;
    // Through shells and launchers (sh -c, npm exec): the nearest ancestor that is an agent, else the parent.
    const direct = parent && parent.workloadId === ev.workload.id && !parent.mcpServerId ? parent : undefined;
    let spawner = direct;
    let spawnerPid = ev.ppid;
    let cur = direct;
    let curPid = ev.ppid;
    for (let hops = 0; cur && hops < 8; hops++) {
      if (cur.agent) {
        spawner = cur;
        spawnerPid = curPid;
        break;
      }
      const upPid = cur.ppid;
      const up = upPid > 0 && upPid !== curPid ? this.#procs.get(upPid) : undefined;
      if (!up || up.workloadId !== ev.workload.id || up.mcpServerId) break;
      cur = up;
      curPid = upPid;
    }
    if (spawner) {
      // A process that starts an MCP server is the client side: an agent, even before it loaded a framework we know.
      spawner.agent = true;
      const from = this.#processAgentNode(ev.workload.id, spawnerPid, spawner);
      const to = this.#flow.node('mcp-server', ev.workload.id, id, w.name, {}, id);
      if (from && to) this.#flow.edge(from, to, 'spawns', ev);
    }
  }

  // What a path is, independent of who opened it. Paths repeat (every process loads the same
  // library files), so the answer is memoised, with a bound.
  #classify(path: string): PathClass {
    const hit = this.#pathClass.get(path);
    if (hit) return hit;
    let c: PathClass;
    const ref = path.includes('/node_modules/')
      ? npmPackageFromPath(path)
      : /\/(site|dist)-packages\//.test(path)
        ? pythonPackageFromPath(path)
        : undefined;
    const pkg = ref ? this.catalogue.matchPackage(ref.ecosystem, ref.name) : undefined;
    if (ref && pkg) c = { kind: 'package', ref, match: pkg, id: componentIdForPackage(ref, pkg) };
    else if (ref) c = { kind: 'ignore' };
    else {
      const model = this.catalogue.matchModelFile(path);
      const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
      const ambiguous = AMBIGUOUS_MODEL_EXT.has(ext);
      if (
        model &&
        basename(path).lastIndexOf('.') > 0 &&
        !SYSTEM_PREFIXES.some((x) => path.startsWith(x)) &&
        !(ambiguous && LIBRARY_MARKERS.some((x) => path.includes(x)))
      ) {
        c = {
          kind: 'model',
          match: model,
          ext,
          confidence: ambiguous ? model.confidence * 0.6 : model.confidence,
        };
      } else if (isCredentialPath(path) || DOTENV.test(path)) c = { kind: 'credential' };
      else if (
        SYSTEM_PREFIXES.some((x) => path.startsWith(x)) ||
        LIBRARY_MARKERS.some((x) => path.includes(x)) ||
        /\.(?:js|mjs|cjs|ts|py|pyc|so|node|map)$/.test(path)
      ) {
        c = { kind: 'ignore' };
      } else c = { kind: 'data', dir: path.slice(0, path.lastIndexOf('/') + 1) || '/' };
    }
    if (this.#pathClass.size >= 20_000) this.#pathClass.clear();
    this.#pathClass.set(path, c);
    return c;
  }

  #onOpen(ev: EventOf<'file.open'>): void {
    if (ev.result < 0) return;
    const path = ev.path;
    const p = this.#proc(ev);
    const c = this.#classify(path);
    switch (c.kind) {
      case 'package': {
        const { ref, match: m } = c;
        const w = this.#component(c.id, m.signature.type, ref.name, m, ref);
        if (w && ref.version && !w.version) {
          w.version = ref.version;
          w.purl = purlFor(ref, ref.version);
        }
        this.#see(w, ev, 'file-open', m.confidence * 0.9, path);
        if (
          p &&
          m.signature.type === 'framework' &&
          !NOT_AGENT_FRAMEWORKS.has(m.signature.id) &&
          !p.mcpServerId
        ) {
          p.agent = true;
        }
        return;
      }
      case 'model': {
        const w = this.#component(`model-file:${path}`, 'model', basename(path), c.match);
        if (w) {
          w.properties['path'] = path;
          w.properties['format'] = c.ext.slice(1);
        }
        this.#see(w, ev, 'file-open', c.confidence, `${ev.access} ${path}`);
        const from = this.#actorNode(ev, p);
        if (from) {
          const to = this.#flow.node(
            'model',
            ev.workload.id,
            `file:${path}`,
            basename(path),
            { path },
            `model-file:${path}`,
          );
          this.#flow.edge(from, to, 'uses-model', ev);
        }
        return;
      }
      case 'credential': {
        // Credentials and data, for the flow graph: only for processes that act as an agent or an MCP server.
        const from = this.#actorNode(ev, p);
        if (!from) return;
        const id = this.#flow.node('identity', ev.workload.id, `credential:${path}`, path, {
          kind: 'credential-file',
        });
        this.#flow.edge(from, id, 'uses-credential', ev);
        return;
      }
      case 'data': {
        const from = this.#actorNode(ev, p);
        if (!from) return;
        const to = this.#flow.node('data', ev.workload.id, `dir:${c.dir}`, c.dir, { kind: 'directory' });
        const relation =
          ev.access === 'write' || ev.access === 'readwrite' || ev.created ? 'writes' : 'reads';
        this.#flow.edge(from, to, relation, ev, basename(path));
        return;
      }
      default:
        // Library and system files still show the process acts under an identity.
        this.#actorNode(ev, p);
    }
  }

  #onConnect(ev: EventOf<'net.connect'>): void {
    if (ev.result < 0 && ev.result !== EINPROGRESS) return;
    if (ev.family === 'unix') return;
    const p = this.#proc(ev);
    // Remembered by address and by DNS name, so endpoints named elsewhere (spans, MCP configurations) can be confirmed.
    for (const key of ev.dnsName
      ? [`${ev.daddr}:${ev.dport}`, `${ev.dnsName.toLowerCase()}:${ev.dport}`]
      : [`${ev.daddr}:${ev.dport}`]) {
      let peer = this.#peers.get(key);
      if (!peer && this.#peers.size < 10_000) {
        peer = { ev: [], count: 0 };
        this.#peers.set(key, peer);
      }
      if (peer) {
        peer.count++;
        if (peer.ev.length < 4) peer.ev.push(ev);
      }
    }
    const byHost = ev.dnsName ? this.catalogue.matchHost(ev.dnsName) : undefined;
    const m = byHost ?? (ev.dport === 53 ? undefined : this.catalogue.matchPort(ev.dport));
    const target = `${ev.dnsName ?? ev.daddr}:${ev.dport}`;
    if (m) {
      const w = this.#component(
        `${m.signature.type}:${m.signature.id}`,
        m.signature.type,
        m.signature.name,
        m,
      );
      if (w) {
        if (ev.dnsName) w.properties['host'] ??= ev.dnsName;
        w.properties['endpoint'] ??= target;
      }
      this.#see(
        w,
        ev,
        'net-connect',
        m.confidence,
        `${ev.protocol} ${target}${ev.dnsName ? ` (${ev.daddr})` : ''}`,
      );
    }
    const from = this.#actorNode(ev, p);
    if (from && ev.dport !== 53) {
      const type = m?.signature.type === 'vector-store' ? 'data' : 'api';
      const to = this.#flow.node(
        type,
        ev.workload.id,
        `net:${target}`,
        m ? `${m.signature.name} ${target}` : target,
        {
          endpoint: target,
          ...(ev.dnsName ? { host: ev.dnsName } : {}),
        },
        m ? `${m.signature.type}:${m.signature.id}` : undefined,
      );
      this.#flow.edge(from, to, 'calls', ev);
    }
  }

  #onListen(ev: EventOf<'net.listen'> | EventOf<'net.bind'>): void {
    if (ev.result < 0 || ev.family === 'unix' || ev.protocol !== 'tcp') return;
    const m = this.catalogue.matchPort(ev.port);
    if (!m) return;
    const w = this.#component(`${m.signature.type}:${m.signature.id}`, m.signature.type, m.signature.name, m);
    if (w) w.properties['listen'] ??= `${ev.addr}:${ev.port}`;
    this.#see(
      w,
      ev,
      'net-listen',
      m.confidence,
      `${ev.kind === 'net.listen' ? 'listen' : 'bind'} ${ev.addr}:${ev.port}`,
    );
  }

  // The MCP server a tool call or list came from. Read off a stdio server's pipes (the kernel sees
  // the server's own name), it is the server that process was started as: a declared server, when
  // its launch matched.
  #mcpServerOf(ev: EventOf<'tool.call'> | EventOf<'tool.list'>): Working | undefined {
    const started =
      ev.transport === 'stdio' && ev.source !== 'otel' ? this.#procs.get(ev.pid)?.mcpServerId : undefined;
    const byProcess = started ? this.#components.get(started) : undefined;
    if (!byProcess) return this.#mcpByName(ev.server, ev);
    if (!this.#mcpNames.has(ev.server)) this.#mcpNames.set(ev.server, byProcess.id);
    byProcess.properties['serverName'] ??= ev.server;
    return byProcess;
  }

  // The MCP server component that a client-side server name refers to.
  #mcpByName(server: string, ev: VigilEvent): Working | undefined {
    const known = this.#mcpNames.get(server);
    if (known) return this.#components.get(known);
    const lower = server.toLowerCase();
    for (const c of this.#components.values()) {
      if (c.type !== 'mcp-server') continue;
      if (c.properties['configName'] === server) return c;
    }
    for (const c of this.#components.values()) {
      if (c.type !== 'mcp-server' || c.workloads.size === 0) continue;
      if (!c.workloads.has(ev.workload.id)) continue;
      const bare = c.name.toLowerCase().replace(/^@[^/]+\//, '');
      if (
        bare === lower ||
        bare.endsWith(`-${lower}`) ||
        bare.startsWith(`${lower}-`) ||
        bare.includes(`-${lower}-`)
      )
        return c;
    }
    const w = this.#component(`mcp-server:name/${server}`, 'mcp-server', server);
    if (w) w.properties['configName'] ??= server;
    return w;
  }

  #onToolCall(ev: EventOf<'tool.call'>): void {
    const span = ev.source === 'otel';
    // A local function tool (OTel `gen_ai.tool.type` function: `run_command`) runs inside its agent:
    // a tool of that agent, never an MCP server named after the tool type.
    const local = ev.transport === 'in-process';
    const server = local ? undefined : this.#mcpServerOf(ev);
    const w = local
      ? this.#component(`tool:local/${ev.agent ?? 'agent'}/${ev.tool}`, 'tool', ev.tool)
      : this.#component(`tool:${ev.server}/${ev.tool}`, 'tool', ev.tool);
    if (w) {
      if (local) {
        w.properties['toolType'] = ev.server;
        if (ev.agent) w.properties['agent'] = ev.agent;
      } else w.properties['server'] = ev.server;
      if (ev.transport) w.properties['transport'] ??= ev.transport;
      if (server) w.properties['serverComponent'] = server.id;
    }
    const detail = `${ev.server}.${ev.tool}${ev.status ? ` ${ev.status}` : ''}${ev.agent ? ` by ${ev.agent}` : ''}`;
    this.#see(w, ev, span ? 'otel-span' : 'tool-call', 0.95, detail);
    if (server) {
      if (ev.transport) server.properties['transport'] ??= ev.transport;
      this.#see(server, ev, span ? 'otel-span' : 'tool-call', 0.9, detail);
    }
    const agent = this.#agentFor(ev);
    const from = agent ?? this.#actorNode(ev, this.#proc(ev));
    if (from) {
      const tool = this.#flow.node(
        'tool',
        ev.workload.id,
        local ? `local/${ev.agent ?? 'agent'}/${ev.tool}` : `${ev.server}/${ev.tool}`,
        ev.tool,
        local ? { type: ev.server, ...(ev.agent ? { agent: ev.agent } : {}) } : { server: ev.server },
        w?.id,
      );
      this.#flow.edge(from, tool, 'invokes', ev);
      if (server) {
        const s = this.#flow.node('mcp-server', ev.workload.id, server.id, server.name, {}, server.id);
        this.#flow.edge(tool, s, 'served-by', ev);
      }
    }
  }

  #agentFor(ev: { agent?: string | undefined } & VigilEvent): string | undefined {
    if (!ev.agent) return undefined;
    const w = this.#component(`agent:${ev.agent}`, 'agent', ev.agent);
    this.#see(w, ev, ev.source === 'otel' ? 'otel-span' : 'model-call', 0.9, ev.agent);
    const p = this.#procs.get(ev.pid);
    return this.#flow.node(
      'agent',
      ev.workload.id,
      `name:${ev.agent}`,
      ev.agent,
      {
        ...(p ? { process: `${p.comm} (pid ${ev.pid})` } : {}),
      },
      w?.id,
    );
  }

  #onModelCall(ev: EventOf<'model.call'>): void {
    const method: DiscoveryMethod = ev.source === 'otel' ? 'otel-span' : 'model-call';
    const provider = ev.provider;
    const model = this.#component(
      `model:${provider}/${ev.model}`,
      'model',
      ev.model,
      this.catalogue.matchProvider(provider),
    );
    if (model) {
      model.properties['provider'] = provider;
      if (ev.endpoint) model.properties['endpoint'] ??= ev.endpoint;
      if (ev.operation) model.properties['operation'] ??= ev.operation;
      if (model.signatureId) {
        // The model's signature is its API's; keep the family but not the API type.
        model.family = `${this.catalogue.get(model.signatureId)?.name ?? provider} model`;
      }
    }
    const detail = `${ev.operation ?? 'call'} ${provider}/${ev.model}${ev.endpoint ? ` at ${ev.endpoint}` : ''}`;
    this.#see(model, ev, method, 0.95, detail);
    // The API that served it: a known host, else a known provider without an endpoint, else the endpoint itself.
    let api: Working | undefined;
    const host = ev.endpoint ? endpointHostPort(ev.endpoint) : undefined;
    const byHost = host ? this.catalogue.matchHost(host.host) : undefined;
    const byProvider = this.catalogue.matchProvider(provider);
    if (byHost)
      api = this.#component(
        `${byHost.signature.type}:${byHost.signature.id}`,
        byHost.signature.type,
        byHost.signature.name,
        byHost,
      );
    else if (host) {
      const hp = `${host.host}:${host.port}`;
      // The payload parser already calls a non-OpenAI host speaking OpenAI's API 'openai-compatible'.
      const kind = provider.endsWith('-compatible') ? provider : `${provider}-compatible`;
      api = this.#component(`llm-api:endpoint/${hp}`, 'llm-api', `${kind} endpoint ${hp}`);
      if (api) {
        api.properties['endpoint'] = ev.endpoint!;
        api.properties['host'] = host.host;
        api.properties['port'] = String(host.port);
        api.properties['provider'] ??= provider;
      }
    } else if (byProvider)
      api = this.#component(
        `llm-api:${byProvider.signature.id}`,
        'llm-api',
        byProvider.signature.name,
        byProvider,
      );
    if (api && ev.endpoint) api.properties['endpoint'] ??= ev.endpoint;
    this.#see(api, ev, method, byHost ? byHost.confidence : 0.9, detail);
    if (model && api) model.properties['api'] = api.id;
    const from = this.#agentFor(ev) ?? this.#actorNode(ev, this.#proc(ev));
    if (from) {
      const m = this.#flow.node(
        'model',
        ev.workload.id,
        `${provider}/${ev.model}`,
        ev.model,
        { provider },
        model?.id,
      );
      this.#flow.edge(from, m, 'uses-model', ev);
      if (api) {
        const target = host ? `${host.host}:${host.port}` : api.id;
        const a = this.#flow.node(
          'api',
          ev.workload.id,
          `net:${target}`,
          api.name,
          { endpoint: ev.endpoint ?? target },
          api.id,
        );
        this.#flow.edge(from, a, 'calls', ev);
      }
    }
  }

  #onRetrieval(ev: EventOf<'retrieval'>): void {
    const method: DiscoveryMethod = ev.source === 'otel' ? 'otel-span' : 'retrieval';
    let store: Working | undefined;
    if (ev.store) {
      // PostgreSQL is a vector store when the statement used pgvector's distance operators.
      const storeId =
        ev.store.toLowerCase() === 'postgresql' && ev.distances?.length ? 'pgvector' : ev.store.toLowerCase();
      const sig = this.catalogue.signatures.find(
        (s) => s.type === 'vector-store' && (s.id === storeId || s.name.toLowerCase() === storeId),
      );
      if (sig) {
        store = this.#component(`vector-store:${sig.id}`, 'vector-store', sig.name, {
          signature: sig,
          method: 'provider',
          confidence: 0.9,
          matched: ev.store,
        });
        this.#see(store, ev, method, 0.9, `${ev.dataSource} in ${ev.store}`);
      }
    }
    const from = this.#agentFor(ev) ?? this.#actorNode(ev, this.#proc(ev));
    const written = new Set(ev.written ?? []);
    const collections = ev.collections?.length ? ev.collections : [ev.dataSource];
    for (const name of collections) {
      const w = this.#component(`data-source:${name}`, 'data-source', name);
      if (w) {
        if (ev.store) w.properties['store'] ??= ev.store;
        if (ev.database) w.properties['database'] ??= ev.database;
        if (ev.endpoint) w.properties['endpoint'] ??= ev.endpoint;
        const op = written.has(name) ? (ev.operation ?? 'upsert') : 'query';
        const ops = new Set((w.properties['operations'] ?? '').split(',').filter(Boolean));
        if (ev.error === undefined) ops.add(op);
        w.properties['operations'] = [...ops].sort().join(',');
        if (store) w.properties['storeComponent'] ??= store.id;
      }
      this.#see(w, ev, method, 0.9, `${name}${ev.store ? ` in ${ev.store}` : ''}`);
      if (!from) continue;
      const d = this.#flow.node(
        'data',
        ev.workload.id,
        `source:${name}`,
        name,
        {
          kind: 'retrieval-source',
          ...(ev.store ? { store: ev.store } : {}),
          ...(ev.database ? { database: ev.database } : {}),
        },
        w?.id,
      );
      this.#flow.edge(from, d, written.has(name) ? 'writes' : 'retrieves', ev);
    }
  }

  // The flow node for the process behind an event, when that process is an agent or an MCP server.
  #actorNode(ev: VigilEvent, p: ProcessState | undefined): string | undefined {
    if (!p) return undefined;
    if (p.mcpServerId) {
      const c = this.#components.get(p.mcpServerId);
      const node = this.#flow.node(
        'mcp-server',
        ev.workload.id,
        p.mcpServerId,
        c?.name ?? p.mcpServerId,
        {},
        p.mcpServerId,
      );
      this.#identity(node, ev);
      return node;
    }
    if (p.agent) return this.#processAgentNode(ev.workload.id, ev.pid, p, ev);
    return undefined;
  }

  // The flow node of a process acting as an agent; `ev`, when given, also adds its identity edges.
  #processAgentNode(workloadId: string, pid: number, p: ProcessState, ev?: VigilEvent): string | undefined {
    const node = this.#flow.node('agent', workloadId, `proc:${p.comm}`, `${p.comm} process`, {
      exe: p.exe,
      pid: String(pid),
    });
    if (ev) this.#identity(node, ev);
    return node;
  }

  #identity(node: string | undefined, ev: VigilEvent): void {
    if (!node) return;
    if (ev.uid !== undefined) {
      const id = this.#flow.node('identity', ev.workload.id, `uid:${ev.uid}`, `uid ${ev.uid}`, {
        kind: 'unix-user',
      });
      this.#flow.edge(node, id, 'runs-as', ev);
    }
    const sa = ev.workload.serviceAccount;
    if (sa) {
      const id = this.#flow.node(
        'identity',
        ev.workload.id,
        `sa:${ev.workload.namespace ?? ''}/${sa}`,
        `serviceaccount ${sa}`,
        {
          kind: 'kubernetes-service-account',
        },
      );
      this.#flow.edge(node, id, 'runs-as', ev);
    }
  }

  /**
   * The AI-BOM so far: reconciles declared and observed components and
   * attaches the flow graph. Span-derived events held back are attributed now.
   */
  result(options: AiBomResultOptions = {}): AiBom {
    for (const ev of this.#pendingSpans.splice(0)) {
      // A span from a process the capture saw belongs to that process's workload.
      const p = ev.pid > 0 ? this.#procs.get(ev.pid) : undefined;
      const wl = p ? this.#workloads.get(p.workloadId) : undefined;
      this.#observe(wl && wl.id !== ev.workload.id ? { ...ev, workload: wl } : ev);
    }
    this.#correlateEndpoints();
    this.#declaredCredentials();
    const components: AiBomComponent[] = [];
    for (const w of this.#components.values()) components.push(this.#finish(w));
    // A tool's standing follows its server's: a tool of an undeclared server is shadow too.
    const byId = new Map(components.map((c) => [c.id, c]));
    for (const c of components) {
      if (c.type !== 'tool' || !this.#declaredAny) continue;
      const server = byId.get(c.properties['serverComponent'] ?? '');
      if (server && server.status !== 'observed')
        c.status = server.status === 'declared-unused' ? 'declared-used' : server.status;
    }
    // Announced against used, per server: the gap between what an agent can do and what it does.
    for (const c of components) {
      if (c.type !== 'tool') continue;
      const server = byId.get(c.properties['serverComponent'] ?? '');
      if (!server) continue;
      const used = new Set((server.properties['usedTools'] ?? '').split(',').filter((x) => x));
      used.add(c.name);
      server.properties['usedTools'] = [...used].sort().join(',');
    }
    components.sort((a, b) => a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
    const byStatus: Record<string, number> = {};
    const byType: Record<string, number> = {};
    for (const c of components) {
      byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
      byType[c.type] = (byType[c.type] ?? 0) + 1;
    }
    const inputs: AiBomInputs = {
      captures: [...(options.captures ?? [])],
      otel: [...(options.otel ?? [])],
      manifests: [...this.#manifests.values()],
      events: this.#events,
      drops: { ...(options.drops ?? {}) },
      ...(options.integrity
        ? {
            integrity: {
              complete: options.integrity.complete,
              incomplete: options.integrity.incomplete.map((c) => ({ ...c })),
              interrupted: [...options.integrity.interrupted],
            },
          }
        : {}),
    };
    return {
      schemaVersion: AIBOM_SCHEMA_VERSION,
      generatedAt: (options.now ?? new Date()).toISOString(),
      generator: options.generator ? { ...options.generator } : { name: 'vigil', version: '0.1.0' },
      catalogueVersion: this.catalogue.version,
      inputs,
      components,
      workloads: [...this.#workloadComponents.entries()]
        .filter(([id]) => this.#workloads.has(id))
        .map(([id, set]) => ({ workload: this.#workloads.get(id)!, componentIds: [...set].sort() })),
      flow: this.#flow.graph(),
      summary: { components: components.length, byStatus, byType },
    };
  }

  // Endpoints named by spans (an OpenAI-compatible server on 127.0.0.1:PORT) gain the kernel's connects to them as evidence.
  // Secrets an MCP client configuration hands its servers (env names like GITHUB_TOKEN): the identity a server acts under.
  #declaredCredentials(): void {
    for (const w of this.#components.values()) {
      if (w.type !== 'mcp-server' || w.workloads.size === 0) continue;
      const keys = (w.properties['envKeys'] ?? '').split(',').filter((k) => SECRET_ENV.test(k));
      if (keys.length === 0) continue;
      const from = w.declared.find((d) => d.input === 'mcp-config');
      for (const wid of w.workloads) {
        const server = this.#flow.node('mcp-server', wid, w.id, w.name, {}, w.id);
        for (const key of keys) {
          const id = this.#flow.node('identity', wid, `env:${key}`, `$${key}`, {
            kind: 'credential-env',
            ...(from ? { declaredIn: from.file } : {}),
          });
          this.#flow.edge(server, id, 'uses-credential', { ts: w.firstSeen, kind: 'mcp-config' });
        }
      }
    }
  }

  // Remote MCP servers declared by URL are confirmed the same way: by connections to their host and port.
  #correlateEndpoints(): void {
    for (const w of this.#components.values()) {
      let host = w.properties['host'];
      let port = w.properties['port'];
      if (w.id.startsWith('mcp-server:url/')) {
        const hp = endpointHostPort(w.id.slice('mcp-server:url/'.length));
        if (hp) {
          host = hp.host.toLowerCase();
          port = String(hp.port);
        }
      } else if (!w.id.startsWith('llm-api:endpoint/')) continue;
      if (!host || !port) continue;
      const candidates = host === 'localhost' ? ['127.0.0.1', '::1'] : [host];
      for (const addr of candidates) {
        const peer = this.#peers.get(`${addr}:${port}`);
        if (!peer) continue;
        for (const ev of peer.ev)
          this.#see(w, ev, 'net-connect', 0.9, `${ev.protocol} ${ev.daddr}:${ev.dport}`);
        w.count += Math.max(0, peer.count - peer.ev.length);
      }
    }
  }

  #finish(w: Working): AiBomComponent {
    const observed = w.count > 0;
    const declared = w.declared.length > 0;
    let status: ComponentStatus = 'observed';
    // Judged only against inputs that could have listed it: an MCP configuration says nothing about npm packages.
    if (this.#declaredAny && DECLARABLE.has(w.type) && domainsOf(w).some((d) => this.#domains.has(d))) {
      status = declared && observed ? 'declared-used' : declared ? 'declared-unused' : 'undeclared-used';
    } else if (declared && !observed) status = 'declared-unused';
    else if (declared) status = 'declared-used';
    const confidence = observed
      ? combine(w.methodConfidence.values())
      : Math.round(w.declaredConfidence * 1000) / 1000;
    return {
      id: w.id,
      type: w.type,
      name: w.name,
      ...(w.version ? { version: w.version } : {}),
      ...(w.purl ? { purl: w.purl } : {}),
      ...(w.signatureId ? { signatureId: w.signatureId } : {}),
      ...(w.family ? { family: w.family } : {}),
      ...(w.vendor ? { vendor: w.vendor } : {}),
      status,
      confidence,
      ...(observed
        ? {
            observed: {
              workloads: [...w.workloads].sort(),
              firstSeen: w.firstSeen,
              lastSeen: w.lastSeen,
              count: w.count,
              methods: [...w.methodConfidence.keys()].sort(),
              evidence: [...w.evidence].sort((a, b) => a.ts - b.ts),
            },
          }
        : {}),
      ...(declared ? { declared: [...w.declared] } : {}),
      properties: { ...w.properties },
    };
  }
}

/** Host and port of an endpoint URL or `host:port`. */
function endpointHostPort(endpoint: string): { host: string; port: number } | undefined {
  try {
    const url = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return host ? { host, port } : undefined;
  } catch {
    return undefined;
  }
}

// Dotenv files hold secrets for the AI-BOM's data classes, but loading one is routine, not a credential read.
const DOTENV = /\/\.env(\.[^/]+)?$/;
