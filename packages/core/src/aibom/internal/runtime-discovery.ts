import { imageRepository } from '../../catalogue/catalogue.js';
import { imageInCommandLine, packagesInCommandLine } from '../../catalogue/package-paths.js';
import { type PeerService, peerServiceOfPort } from '../../catalogue/peer-services.js';
import type { EventOf, VigilEvent } from '../../events/schema.js';
import { mcpLaunchMatches } from '../../mcp/launch-match.js';
import { formatPeer } from '../../vocabulary/network.js';
import { basename } from '../../vocabulary/public.js';
import type { WorkingComponent } from './components.js';
import type { DeclaredMcpLaunch } from './declared-inventory.js';
import type { DiscoveryContext } from './discovery-context.js';
import type { EndpointPeers } from './endpoint-peers.js';
import { componentIdForPackage, purlFor, signatureComponentId } from './identity.js';
import { PathClassifier } from './path-class.js';
import type { ExecRole } from './process-roles.js';

/** Framework names kept per process for labelling the models it called. */
const MAX_PROCESS_FRAMEWORKS = 16;

// Frameworks whose presence in a process makes it an agent (or an AI client), rather than a library used by a server.
const NOT_AGENT_FRAMEWORKS = new Set(['mcp-sdk', 'pytorch', 'tensorflow', 'onnxruntime', 'transformers']);
const EINPROGRESS = -115;

/**
 * Components from what the kernel saw: the programs and packages a process
 * ran or loaded, model and credential files it opened, AI endpoints it
 * connected to, servers it listened as, names it looked up, images its
 * workload runs. Marks agents and MCP servers among the processes and draws
 * their flow edges.
 */
export class RuntimeDiscovery {
  readonly #ctx: DiscoveryContext;
  readonly #paths: PathClassifier;
  readonly #launches: () => readonly DeclaredMcpLaunch[];
  readonly #peers: EndpointPeers;

  /** `launches`: the declared MCP servers' launch commands, as they stand when an exec is read. */
  constructor(ctx: DiscoveryContext, launches: () => readonly DeclaredMcpLaunch[], peers: EndpointPeers) {
    this.#ctx = ctx;
    this.#paths = new PathClassifier(ctx.catalogue);
    this.#launches = launches;
    this.#peers = peers;
  }

  /** A running container whose image is an inference server or vector store (ollama/ollama, qdrant/qdrant…). */
  workloadImage(ev: VigilEvent): void {
    const image = ev.workload.image;
    const m = image ? this.#ctx.catalogue.matchImage(image) : undefined;
    if (!m || !image || ev.source === 'otel') return;
    const { components } = this.#ctx;
    const w = components.ensure(signatureComponentId(m), m.signature.type, m.signature.name, m);
    if (w) w.properties['image'] ??= image;
    components.see(w, ev, 'workload-image', m.confidence, `${ev.workload.id} runs ${image}`);
  }

  dns(ev: EventOf<'dns.query'>): void {
    const m = this.#ctx.catalogue.matchHost(ev.name);
    if (!m) return;
    const { components } = this.#ctx;
    const w = components.ensure(signatureComponentId(m), m.signature.type, m.signature.name, m);
    if (w) w.properties['host'] ??= ev.name;
    // A lookup shows intent, not use: weaker than a connection.
    components.see(w, ev, 'dns', m.confidence * 0.7, `${ev.qtype} ${ev.name}`);
  }

  exec(ev: EventOf<'process.exec'>): void {
    if (ev.result !== undefined && ev.result < 0) return;
    const { catalogue, components } = this.#ctx;
    const role = this.#ctx.processes.exec(ev);
    const line = ev.argv.join(' ');
    const argv0 = ev.argv[0] ?? '';
    const detail =
      argv0 === ev.filename || basename(argv0) === basename(ev.filename) ? line : `${ev.filename}: ${line}`;
    const byExe = catalogue.matchExecutable(basename(ev.filename)) ?? catalogue.matchCommandLine(ev.argv);
    if (byExe) {
      const w = components.ensure(
        signatureComponentId(byExe),
        byExe.signature.type,
        byExe.signature.name,
        byExe,
      );
      if (w) w.properties['command'] ??= line;
      components.see(w, ev, 'exec', byExe.confidence, detail);
    }
    for (const ref of packagesInCommandLine(ev.argv)) {
      const m = catalogue.matchPackage(ref.ecosystem, ref.name);
      if (!m) continue;
      const w = components.ensure(componentIdForPackage(ref, m), m.signature.type, ref.name, m, ref);
      if (w && m.signature.type === 'mcp-server') this.#startedMcpServer(ev, role, w, line);
      components.see(w, ev, 'exec', m.confidence, detail);
    }
    // A declared server launched as its configuration says (a script, a program of its own).
    const launches = this.#launches();
    if (role.process.mcpServerId === role.inherited && launches.length > 0) {
      const hits = launches.filter((l) => mcpLaunchMatches(l, ev.argv));
      const w = hits.length === 1 ? components.get(hits[0]!.id) : undefined;
      if (w) {
        this.#startedMcpServer(ev, role, w, line);
        components.see(w, ev, 'exec', 0.9, detail);
      }
    }
    // Servers in containers: `docker run -i IMAGE` (how many MCP client configurations launch them).
    const image = imageInCommandLine(ev.argv);
    if (image) {
      const repo = imageRepository(image);
      const m = catalogue.matchImage(image);
      const mcpId = `mcp-server:image/${repo}`;
      const isMcp = m?.signature.type === 'mcp-server' || components.has(mcpId);
      if (isMcp || m) {
        const id = isMcp ? mcpId : signatureComponentId(m!);
        const w = components.ensure(
          id,
          isMcp ? 'mcp-server' : m!.signature.type,
          isMcp ? repo : m!.signature.name,
          m,
        );
        if (w) {
          w.properties['image'] ??= image;
          const tag = /:([^/:@]+)$/.exec(image.split('@')[0]!)?.[1];
          if (tag && !w.version) w.version = tag;
          if (isMcp) this.#startedMcpServer(ev, role, w, line);
        }
        components.see(w, ev, 'exec', m?.confidence ?? 0.85, detail);
      }
    }
  }

  // A process started an MCP server: it and its children serve it, and the agent that started it gets a `spawns` edge.
  #startedMcpServer(ev: EventOf<'process.exec'>, role: ExecRole, w: WorkingComponent, line: string): void {
    const id = w.id;
    w.properties['command'] ??= line;
    w.properties['transport'] ??= 'stdio';
    if (role.inherited === id) return;
    role.process.mcpServerId = id;
    const spawner = this.#ctx.processes.spawnerOf(ev, role.parent);
    if (!spawner) return;
    // A process that starts an MCP server is the client side: an agent, even before it loaded a framework we know.
    spawner.role.agent = true;
    const { flow } = this.#ctx;
    const from = flow.processAgent(ev.workload.id, spawner.pid, spawner.role);
    const to = flow.graph.node('mcp-server', ev.workload.id, id, w.name, {}, id);
    if (from && to) flow.graph.edge(from, to, 'spawns', ev);
  }

  open(ev: EventOf<'file.open'>): void {
    if (ev.result < 0) return;
    const { components, flow } = this.#ctx;
    const path = ev.path;
    const p = this.#ctx.processes.of(ev);
    const c = this.#paths.classify(path);
    switch (c.kind) {
      case 'package': {
        const { ref, match: m } = c;
        const w = components.ensure(c.id, m.signature.type, ref.name, m, ref);
        if (w && ref.version && !w.version) {
          w.version = ref.version;
          w.purl = purlFor(ref, ref.version);
        }
        components.see(w, ev, 'file-open', m.confidence * 0.9, path);
        if (
          p &&
          m.signature.type === 'framework' &&
          !NOT_AGENT_FRAMEWORKS.has(m.signature.id) &&
          !p.mcpServerId
        ) {
          p.agent = true;
          // Which SDKs a model call from this process went through (the flow graph's model node says).
          const loaded = p.frameworks ?? [];
          if (w && loaded.length < MAX_PROCESS_FRAMEWORKS && !loaded.includes(w.name))
            p.frameworks = [...loaded, w.name];
        }
        return;
      }
      case 'model': {
        const w = components.ensure(`model-file:${path}`, 'model', basename(path), c.match);
        if (w) {
          w.properties['path'] = path;
          w.properties['format'] = c.ext.slice(1);
        }
        components.see(w, ev, 'file-open', c.confidence, `${ev.access} ${path}`);
        const from = flow.actor(ev, p);
        if (from) {
          const to = flow.graph.node(
            'model',
            ev.workload.id,
            `file:${path}`,
            basename(path),
            { path },
            `model-file:${path}`,
          );
          flow.graph.edge(from, to, 'uses-model', ev);
        }
        return;
      }
      case 'credential': {
        // Credentials and data, for the flow graph: only for processes that act as an agent or an MCP server.
        const from = flow.actor(ev, p);
        if (!from) return;
        const id = flow.graph.node('identity', ev.workload.id, `credential:${path}`, path, {
          kind: 'credential-file',
        });
        flow.graph.edge(from, id, 'uses-credential', ev);
        return;
      }
      case 'data': {
        const from = flow.actor(ev, p);
        if (!from) return;
        const to = flow.graph.node('data', ev.workload.id, `dir:${c.dir}`, c.dir, { kind: 'directory' });
        const relation =
          ev.access === 'write' || ev.access === 'readwrite' || ev.created ? 'writes' : 'reads';
        flow.graph.edge(from, to, relation, ev, basename(path));
        return;
      }
      default:
        // Library and system files still show the process acts under an identity.
        flow.actor(ev, p);
    }
  }

  connect(ev: EventOf<'net.connect'>): void {
    if (ev.result < 0 && ev.result !== EINPROGRESS) return;
    if (ev.family === 'unix') return;
    const { catalogue, components, flow } = this.#ctx;
    const p = this.#ctx.processes.of(ev);
    this.#peers.record(ev);
    const byHost = ev.dnsName ? catalogue.matchHost(ev.dnsName) : undefined;
    const m = byHost ?? (ev.dport === 53 ? undefined : catalogue.matchPort(ev.dport));
    const target = `${ev.dnsName ?? ev.daddr}:${ev.dport}`;
    if (m) {
      const w = components.ensure(signatureComponentId(m), m.signature.type, m.signature.name, m);
      if (w) {
        if (ev.dnsName) w.properties['host'] ??= ev.dnsName;
        w.properties['endpoint'] ??= target;
      }
      components.see(
        w,
        ev,
        'net-connect',
        m.confidence,
        `${ev.protocol} ${target}${ev.dnsName ? ` (${ev.daddr})` : ''}`,
      );
    }
    const from = flow.actor(ev, p);
    if (from && ev.dport !== 53) {
      // A vector store named by its host (*.pinecone.io) is one; otherwise the port says what it can.
      const byHostService: PeerService | undefined =
        byHost?.signature.type === 'vector-store'
          ? {
              kind: 'vector-store',
              id: byHost.signature.id,
              name: byHost.signature.name,
              by: 'port',
              evidence: `host ${ev.dnsName} (${byHost.signature.name})`,
            }
          : undefined;
      flow.peer(
        from,
        ev,
        formatPeer({ family: ev.family, daddr: ev.daddr, dport: ev.dport }),
        target,
        byHostService ?? peerServiceOfPort(catalogue, ev.dport),
        m ? { name: m.signature.name, id: signatureComponentId(m) } : undefined,
      );
    }
  }

  listen(ev: EventOf<'net.listen'> | EventOf<'net.bind'>): void {
    if (ev.result < 0 || ev.family === 'unix' || ev.protocol !== 'tcp') return;
    const m = this.#ctx.catalogue.matchPort(ev.port);
    if (!m) return;
    const { components } = this.#ctx;
    const w = components.ensure(signatureComponentId(m), m.signature.type, m.signature.name, m);
    if (w) w.properties['listen'] ??= `${ev.addr}:${ev.port}`;
    const verb = ev.kind === 'net.listen' ? 'listen' : 'bind';
    components.see(w, ev, 'net-listen', m.confidence, `${verb} ${ev.addr}:${ev.port}`);
  }
}
