import type { PeerService } from '../../catalogue/peer-services.js';
import type { EventOf, VigilEvent } from '../../events/schema.js';
import type { FlowGraphRecorder } from '../flow-recorder.js';
import type { ComponentRegistry } from './components.js';
import type { ProcessRole } from './process-roles.js';

// Environment variable names that carry secrets.
const SECRET_ENV = /(TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|PAT)(_|$)/i;

/**
 * The execution-flow graph's actors and their identities: the node of the
 * agent or MCP server behind an event, the identities it runs as (unix user,
 * service account, Kubernetes user, cloud principal, credentials handed over
 * by a client configuration).
 */
export class FlowRelations {
  readonly graph: FlowGraphRecorder;
  readonly #components: ComponentRegistry;
  // Peers by address (`ADDR:PORT`, as payload parsers name endpoints): their nodes, and what their payloads showed them to be.
  readonly #peerNodes = new Map<string, Set<string>>();
  readonly #peerServices = new Map<string, PeerService>();

  constructor(graph: FlowGraphRecorder, components: ComponentRegistry) {
    this.graph = graph;
    this.#components = components;
  }

  /** The flow node for the process behind an event, when that process is an agent or an MCP server. */
  actor(ev: VigilEvent, p: ProcessRole | undefined): string | undefined {
    if (!p) return undefined;
    if (p.mcpServerId) {
      const c = this.#components.get(p.mcpServerId);
      const node = this.graph.node(
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
    if (p.agent) return this.processAgent(ev.workload.id, ev.pid, p, ev);
    return undefined;
  }

  /** The flow node of a process acting as an agent; `ev`, when given, also adds its identity edges. */
  processAgent(workloadId: string, pid: number, p: ProcessRole, ev?: VigilEvent): string | undefined {
    const node = this.graph.node('agent', workloadId, `proc:${p.comm}`, `${p.comm} process`, {
      exe: p.exe,
      pid: String(pid),
    });
    if (ev) this.#identity(node, ev);
    return node;
  }

  /**
   * The node of a peer an actor connected to: a `data` node for a database, vector store or
   * message bus (its `kind`, `service` and the `evidence` for it as properties), else an `api` node.
   * `byPort` is what the port alone says; what payloads said of the address (see {@link peerProtocol}) wins.
   */
  peer(
    from: string,
    ev: EventOf<'net.connect'>,
    address: string,
    target: string,
    byPort: PeerService | undefined,
    component: { readonly name: string; readonly id: string } | undefined,
  ): void {
    const service = this.#peerServices.get(address) ?? byPort;
    const to = this.graph.node(
      service ? 'data' : 'api',
      ev.workload.id,
      `net:${target}`,
      service ? `${service.name} ${target}` : component ? `${component.name} ${target}` : target,
      {
        endpoint: target,
        ...(ev.dnsName ? { host: ev.dnsName } : {}),
        ...(service ? serviceProperties(service) : {}),
      },
      component?.id,
    );
    if (!to) return;
    const nodes = this.#peerNodes.get(address) ?? new Set<string>();
    this.#peerNodes.set(address, nodes.add(to));
    this.graph.edge(from, to, 'calls', ev);
  }

  /** What a peer's payloads showed it to be (`endpoint`: `ADDR:PORT`): its nodes, drawn before or after, take that type. */
  peerProtocol(endpoint: string, service: PeerService): void {
    const had = this.#peerServices.get(endpoint);
    // Vector search seen once makes the peer a vector store, whatever later statements do.
    if (had && (had.kind === 'vector-store' || had.kind === service.kind)) return;
    this.#peerServices.set(endpoint, service);
    const nodes = this.#peerNodes.get(endpoint);
    if (!nodes) return;
    const moved = [...nodes].map((id) => {
      const target = id.slice(id.indexOf(':net:') + ':net:'.length);
      return this.graph.retype(id, 'data', `${service.name} ${target}`, serviceProperties(service));
    });
    this.#peerNodes.set(endpoint, new Set(moved));
  }

  k8sApi(ev: EventOf<'k8s.api'>, p: ProcessRole | undefined): void {
    const from = this.actor(ev, p);
    if (!from) return;
    const id = this.graph.node('identity', ev.workload.id, `k8s:${ev.user}`, ev.user, {
      kind: 'kubernetes-user',
    });
    this.graph.edge(from, id, 'runs-as', ev);
  }

  cloudApi(ev: EventOf<'cloud.api'>, p: ProcessRole | undefined): void {
    const from = this.actor(ev, p);
    if (!from) return;
    const api = this.graph.node(
      'api',
      ev.workload.id,
      `${ev.provider}:${ev.service}`,
      `${ev.provider} ${ev.service}`,
      {
        provider: ev.provider,
      },
    );
    this.graph.edge(from, api, 'calls', ev);
    const id = this.graph.node('identity', ev.workload.id, `cloud:${ev.principal}`, ev.principal, {
      kind: 'cloud-principal',
    });
    this.graph.edge(from, id, 'runs-as', ev);
  }

  /** Secrets an MCP client configuration hands its servers (env names like GITHUB_TOKEN): the identity a server acts under. */
  declaredCredentials(): void {
    for (const w of this.#components.values()) {
      if (w.type !== 'mcp-server' || w.workloads.size === 0) continue;
      const keys = (w.properties['envKeys'] ?? '').split(',').filter((k) => SECRET_ENV.test(k));
      if (keys.length === 0) continue;
      const from = w.declared.find((d) => d.input === 'mcp-config');
      for (const wid of w.workloads) {
        const server = this.graph.node('mcp-server', wid, w.id, w.name, {}, w.id);
        for (const key of keys) {
          const id = this.graph.node('identity', wid, `env:${key}`, `$${key}`, {
            kind: 'credential-env',
            ...(from ? { declaredIn: from.file } : {}),
          });
          this.graph.edge(server, id, 'uses-credential', { ts: w.firstSeen, kind: 'mcp-config' });
        }
      }
    }
  }

  #identity(node: string | undefined, ev: VigilEvent): void {
    if (!node) return;
    if (ev.uid !== undefined) {
      const id = this.graph.node('identity', ev.workload.id, `uid:${ev.uid}`, `uid ${ev.uid}`, {
        kind: 'unix-user',
      });
      this.graph.edge(node, id, 'runs-as', ev);
    }
    const sa = ev.workload.serviceAccount;
    if (sa) {
      const id = this.graph.node(
        'identity',
        ev.workload.id,
        `sa:${ev.workload.namespace ?? ''}/${sa}`,
        `serviceaccount ${sa}`,
        { kind: 'kubernetes-service-account' },
      );
      this.graph.edge(node, id, 'runs-as', ev);
    }
  }
}

function serviceProperties(s: PeerService): Record<string, string> {
  return { kind: s.kind, service: s.id, evidence: s.evidence };
}
