import { peerServiceOfProtocol } from '../../catalogue/peer-services.js';
import type { EventOf, VigilEvent } from '../../events/schema.js';
import type { DiscoveryMethod } from '../document.js';
import type { WorkingComponent } from './components.js';
import type { DiscoveryContext } from './discovery-context.js';
import { endpointHostPort, signatureComponentId } from './identity.js';

/**
 * Components from AI telemetry: tool calls and tool lists (MCP servers and
 * their tools), model calls (models and the APIs that served them) and
 * retrievals (vector stores and data sources), whether decoded from payloads
 * or ingested from OpenTelemetry GenAI spans, with the agent behind each and
 * its flow edges.
 */
export class GenAiDiscovery {
  readonly #ctx: DiscoveryContext;
  readonly #serverNames: Map<string, string>;

  /** `serverNames`: MCP server names as clients call them, to component ids (shared with the declared inventory). */
  constructor(ctx: DiscoveryContext, serverNames: Map<string, string>) {
    this.#ctx = ctx;
    this.#serverNames = serverNames;
  }

  toolList(ev: EventOf<'tool.list'>): void {
    const server = this.#mcpServerOf(ev);
    if (server) {
      // What the server can do, beside what was called: the tool components are the calls.
      server.properties['tools'] = String(ev.tools.length);
      const names = ev.tools.map((t) => t.name).slice(0, 256);
      server.properties['announcedTools'] = names.join(',');
    }
    this.#ctx.components.see(
      server,
      ev,
      'tool-list',
      0.9,
      `${ev.server}: ${ev.tools.map((t) => t.name).join(', ')}`,
    );
  }

  toolCall(ev: EventOf<'tool.call'>): void {
    const { components, flow } = this.#ctx;
    const span = ev.source === 'otel';
    // A local function tool (OTel `gen_ai.tool.type` function: `run_command`) runs inside its agent:
    // a tool of that agent, never an MCP server named after the tool type.
    const local = ev.transport === 'in-process';
    const server = local ? undefined : this.#mcpServerOf(ev);
    const w = local
      ? components.ensure(`tool:local/${ev.agent ?? 'agent'}/${ev.tool}`, 'tool', ev.tool)
      : components.ensure(`tool:${ev.server}/${ev.tool}`, 'tool', ev.tool);
    if (w) {
      if (local) {
        w.properties['toolType'] = ev.server;
        if (ev.agent) w.properties['agent'] = ev.agent;
      } else w.properties['server'] = ev.server;
      if (ev.transport) w.properties['transport'] ??= ev.transport;
      if (server) w.properties['serverComponent'] = server.id;
    }
    const detail = `${ev.server}.${ev.tool}${ev.status ? ` ${ev.status}` : ''}${ev.agent ? ` by ${ev.agent}` : ''}`;
    components.see(w, ev, span ? 'otel-span' : 'tool-call', 0.95, detail);
    if (server) {
      if (ev.transport) server.properties['transport'] ??= ev.transport;
      components.see(server, ev, span ? 'otel-span' : 'tool-call', 0.9, detail);
    }
    const agent = this.#agentFor(ev);
    const from = agent ?? flow.actor(ev, this.#ctx.processes.of(ev));
    if (!from) return;
    const tool = flow.graph.node(
      'tool',
      ev.workload.id,
      local ? `local/${ev.agent ?? 'agent'}/${ev.tool}` : `${ev.server}/${ev.tool}`,
      ev.tool,
      local ? { type: ev.server, ...(ev.agent ? { agent: ev.agent } : {}) } : { server: ev.server },
      w?.id,
    );
    flow.graph.edge(from, tool, 'invokes', ev);
    if (server) {
      const s = flow.graph.node('mcp-server', ev.workload.id, server.id, server.name, {}, server.id);
      flow.graph.edge(tool, s, 'served-by', ev);
    }
  }

  modelCall(ev: EventOf<'model.call'>): void {
    const { catalogue, components, flow } = this.#ctx;
    const method: DiscoveryMethod = ev.source === 'otel' ? 'otel-span' : 'model-call';
    const provider = ev.provider;
    const model = components.ensure(
      `model:${provider}/${ev.model}`,
      'model',
      ev.model,
      catalogue.matchProvider(provider),
    );
    if (model) {
      model.properties['provider'] = provider;
      if (ev.endpoint) model.properties['endpoint'] ??= ev.endpoint;
      if (ev.operation) model.properties['operation'] ??= ev.operation;
      if (model.signatureId) {
        // The model's signature is its API's; keep the family but not the API type.
        model.family = `${catalogue.get(model.signatureId)?.name ?? provider} model`;
      }
    }
    const detail = `${ev.operation ?? 'call'} ${provider}/${ev.model}${ev.endpoint ? ` at ${ev.endpoint}` : ''}`;
    components.see(model, ev, method, 0.95, detail);
    // The API that served it: a known host, else a known provider without an endpoint, else the endpoint itself.
    let api: WorkingComponent | undefined;
    const host = ev.endpoint ? endpointHostPort(ev.endpoint) : undefined;
    const byHost = host ? catalogue.matchHost(host.host) : undefined;
    const byProvider = catalogue.matchProvider(provider);
    if (byHost)
      api = components.ensure(
        signatureComponentId(byHost),
        byHost.signature.type,
        byHost.signature.name,
        byHost,
      );
    else if (host) {
      const hp = `${host.host}:${host.port}`;
      // The payload parser already calls a non-OpenAI host speaking OpenAI's API 'openai-compatible'.
      const kind = provider.endsWith('-compatible') ? provider : `${provider}-compatible`;
      api = components.ensure(`llm-api:endpoint/${hp}`, 'llm-api', `${kind} endpoint ${hp}`);
      if (api) {
        api.properties['endpoint'] = ev.endpoint!;
        api.properties['host'] = host.host;
        api.properties['port'] = String(host.port);
        api.properties['provider'] ??= provider;
      }
    } else if (byProvider)
      api = components.ensure(
        `llm-api:${byProvider.signature.id}`,
        'llm-api',
        byProvider.signature.name,
        byProvider,
      );
    if (api && ev.endpoint) api.properties['endpoint'] ??= ev.endpoint;
    components.see(api, ev, method, byHost ? byHost.confidence : 0.9, detail);
    if (model && api) model.properties['api'] = api.id;
    const role = this.#ctx.processes.of(ev);
    const from = this.#agentFor(ev) ?? flow.actor(ev, role);
    if (!from) return;
    // Labelled with its component (provider/model), the API that served it, and who called it: the
    // named agent or the process, and the SDKs that process loaded (the provider's own first).
    const m = flow.graph.node(
      'model',
      ev.workload.id,
      `${provider}/${ev.model}`,
      `${provider}/${ev.model}`,
      { provider, model: ev.model, ...(api ? { api: api.name } : {}) },
      model?.id,
    );
    flow.graph.note(m, 'calledBy', [ev.agent ? `agent ${ev.agent}` : `${ev.comm} (pid ${ev.pid})`]);
    // The provider's own SDK first (`openai` for openai and openai-compatible), then SDKs naming it.
    const base = provider.replace(/-compatible$/, '');
    const rank = (name: string) => (name === base ? 2 : name.includes(base) ? 1 : 0);
    const sdks = [...(role?.frameworks ?? [])].sort((a, b) => rank(b) - rank(a));
    flow.graph.note(m, 'sdks', sdks);
    flow.graph.edge(from, m, 'uses-model', ev);
    if (api) {
      const target = host ? `${host.host}:${host.port}` : api.id;
      const a = flow.graph.node(
        'api',
        ev.workload.id,
        `net:${target}`,
        api.name,
        { endpoint: ev.endpoint ?? target },
        api.id,
      );
      flow.graph.edge(from, a, 'calls', ev);
    }
  }

  retrieval(ev: EventOf<'retrieval'>): void {
    const { catalogue, components, flow } = this.#ctx;
    const method: DiscoveryMethod = ev.source === 'otel' ? 'otel-span' : 'retrieval';
    let store: WorkingComponent | undefined;
    if (ev.store) {
      // PostgreSQL is a vector store when the statement used pgvector's distance operators.
      const storeId =
        ev.store.toLowerCase() === 'postgresql' && ev.distances?.length ? 'pgvector' : ev.store.toLowerCase();
      const sig = catalogue.signatures.find(
        (s) => s.type === 'vector-store' && (s.id === storeId || s.name.toLowerCase() === storeId),
      );
      if (sig) {
        store = components.ensure(`vector-store:${sig.id}`, 'vector-store', sig.name, {
          signature: sig,
          method: 'provider',
          confidence: 0.9,
          matched: ev.store,
        });
        components.see(store, ev, method, 0.9, `${ev.dataSource} in ${ev.store}`);
      }
    }
    // The protocol a payload parser read names what the peer is (a database, a vector store).
    if (ev.store && ev.endpoint && ev.source !== 'otel') {
      const service = peerServiceOfProtocol(catalogue, ev.store, (ev.distances?.length ?? 0) > 0);
      if (service) flow.peerProtocol(ev.endpoint, service);
    }
    const from = this.#agentFor(ev) ?? flow.actor(ev, this.#ctx.processes.of(ev));
    const written = new Set(ev.written ?? []);
    const collections = ev.collections?.length ? ev.collections : [ev.dataSource];
    for (const name of collections) {
      const w = components.ensure(`data-source:${name}`, 'data-source', name);
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
      components.see(w, ev, method, 0.9, `${name}${ev.store ? ` in ${ev.store}` : ''}`);
      if (!from) continue;
      const d = flow.graph.node(
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
      flow.graph.edge(from, d, written.has(name) ? 'writes' : 'retrieves', ev);
    }
  }

  // The agent an event names, as a component and a flow node.
  #agentFor(ev: { agent?: string | undefined } & VigilEvent): string | undefined {
    if (!ev.agent) return undefined;
    const { components, flow } = this.#ctx;
    const w = components.ensure(`agent:${ev.agent}`, 'agent', ev.agent);
    components.see(w, ev, ev.source === 'otel' ? 'otel-span' : 'model-call', 0.9, ev.agent);
    const p = this.#ctx.processes.get(ev.pid);
    return flow.graph.node(
      'agent',
      ev.workload.id,
      `name:${ev.agent}`,
      ev.agent,
      { ...(p ? { process: `${p.comm} (pid ${ev.pid})` } : {}) },
      w?.id,
    );
  }

  // The MCP server a tool call or list came from. Read off a stdio server's pipes (the kernel sees
  // the server's own name), it is the server that process was started as: a declared server, when
  // its launch matched.
  #mcpServerOf(ev: EventOf<'tool.call'> | EventOf<'tool.list'>): WorkingComponent | undefined {
    const started =
      ev.transport === 'stdio' && ev.source !== 'otel'
        ? this.#ctx.processes.get(ev.pid)?.mcpServerId
        : undefined;
    const byProcess = started ? this.#ctx.components.get(started) : undefined;
    if (!byProcess) return this.#mcpByName(ev.server, ev);
    if (!this.#serverNames.has(ev.server)) this.#serverNames.set(ev.server, byProcess.id);
    byProcess.properties['serverName'] ??= ev.server;
    return byProcess;
  }

  // The MCP server component that a client-side server name refers to.
  #mcpByName(server: string, ev: VigilEvent): WorkingComponent | undefined {
    const { components } = this.#ctx;
    const known = this.#serverNames.get(server);
    if (known) return components.get(known);
    const lower = server.toLowerCase();
    for (const c of components.values()) {
      if (c.type !== 'mcp-server') continue;
      if (c.properties['configName'] === server) return c;
    }
    for (const c of components.values()) {
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
    const w = components.ensure(`mcp-server:name/${server}`, 'mcp-server', server);
    if (w) w.properties['configName'] ??= server;
    return w;
  }
}
