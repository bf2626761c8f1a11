import {
  AiBomBuilder,
  AiBomSchema,
  aiBomFindings,
  eventsFromOtlp,
  SignatureCatalogue,
  type VigilEvent,
} from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { AGENT_WL, ev, OTHER_WL } from './events.js';

const NM = '/srv/agent/node_modules/.pnpm';

function agentRun() {
  return [
    ev({
      kind: 'process.exec',
      pid: 100,
      ppid: 1,
      filename: '/usr/bin/node',
      argv: ['node', '/srv/agent/dist/main.js'],
    }),
    ev({
      kind: 'file.open',
      pid: 100,
      path: `${NM}/@openai+agents@0.20.0_ws@8.23.0_zod@4.6.7/node_modules/@openai/agents/dist/index.mjs`,
      flags: 0,
      access: 'read',
      result: 21,
    }),
    ev({
      kind: 'file.open',
      pid: 100,
      path: `${NM}/openai@7.57.0_ws@8.23.0_zod@4.6.7/node_modules/openai/index.mjs`,
      flags: 0,
      access: 'read',
      result: 22,
    }),
    ev({
      kind: 'file.open',
      pid: 100,
      path: '/srv/agent/node_modules/zod/index.js',
      flags: 0,
      access: 'read',
      result: 23,
    }),
    // The agent starts the filesystem MCP server over stdio, through npx.
    ev({
      kind: 'process.exec',
      pid: 200,
      ppid: 100,
      comm: 'npm exec',
      filename: '/usr/bin/npx',
      argv: ['npx', '-y', '@modelcontextprotocol/server-filesystem@2026.8.31', '/srv/data'],
    }),
    ev({
      kind: 'process.exec',
      pid: 201,
      ppid: 200,
      comm: 'node',
      filename: '/usr/bin/node',
      argv: [
        'node',
        '/root/.npm/_npx/1/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
        '/srv/data',
      ],
    }),
    ev({
      kind: 'file.open',
      pid: 201,
      ppid: 200,
      uid: 1000,
      path: '/srv/data/notes.txt',
      flags: 0,
      access: 'read',
      result: 5,
    }),
    ev({
      kind: 'file.open',
      pid: 201,
      ppid: 200,
      uid: 1000,
      path: '/srv/data/out/report.md',
      flags: 577,
      access: 'write',
      created: true,
      result: 6,
    }),
    // A DNS lookup and a connection to a hosted API.
    ev({ kind: 'dns.query', pid: 100, name: 'api.anthropic.com', qtype: 'A', answers: ['160.79.104.10'] }),
    ev({
      kind: 'net.connect',
      pid: 100,
      uid: 1000,
      family: 'inet',
      protocol: 'tcp',
      daddr: '160.79.104.10',
      dport: 443,
      dnsName: 'api.anthropic.com',
      result: 0,
    }),
    // A local scripted endpoint, known only by address.
    ev({
      kind: 'net.connect',
      pid: 100,
      family: 'inet',
      protocol: 'tcp',
      daddr: '127.0.0.1',
      dport: 43123,
      result: -115,
    }),
    // A credential file.
    ev({
      kind: 'file.open',
      pid: 100,
      path: '/home/agent/.aws/credentials',
      flags: 0,
      access: 'read',
      result: 7,
    }),
    // Another workload runs Ollama and loads a GGUF model.
    ev({
      kind: 'process.exec',
      workload: OTHER_WL,
      pid: 300,
      comm: 'ollama',
      filename: '/usr/local/bin/ollama',
      argv: ['ollama', 'serve'],
    }),
    ev({
      kind: 'net.listen',
      workload: OTHER_WL,
      pid: 300,
      comm: 'ollama',
      family: 'inet',
      protocol: 'tcp',
      addr: '0.0.0.0',
      port: 11434,
      result: 0,
    }),
    ev({
      kind: 'file.open',
      workload: OTHER_WL,
      pid: 300,
      comm: 'ollama',
      path: '/models/llama-3.2-1b.Q4_K_M.gguf',
      flags: 0,
      access: 'read',
      result: 9,
    }),
    // Not models: a .bin inside a library tree, and a directory named .bin.
    ev({
      kind: 'file.open',
      pid: 100,
      path: '/srv/agent/node_modules/.bin/tsc',
      flags: 0,
      access: 'read',
      result: 10,
    }),
    ev({
      kind: 'file.open',
      pid: 100,
      path: '/usr/lib/x86_64-linux-gnu/libfoo.bin',
      flags: 0,
      access: 'read',
      result: 11,
    }),
  ];
}

function spansFromAgent() {
  return [
    ev({
      kind: 'model.call',
      source: 'otel',
      workload: { id: 'otel:lab-agent', kind: 'external', name: 'lab-agent', labels: {} },
      pid: 100,
      comm: 'lab-agent',
      exe: '',
      provider: 'openai',
      model: 'gpt-4o-mini',
      operation: 'chat',
      endpoint: 'http://127.0.0.1:43123',
      inputTokens: 10,
      outputTokens: 5,
      agent: 'File assistant',
    }),
    ev({
      kind: 'tool.call',
      source: 'otel',
      workload: { id: 'otel:lab-agent', kind: 'external', name: 'lab-agent', labels: {} },
      pid: 100,
      comm: 'lab-agent',
      exe: '',
      server: 'filesystem',
      tool: 'read_text_file',
      transport: 'stdio',
      status: 'ok',
      agent: 'File assistant',
    }),
  ];
}

describe('AiBomBuilder: runtime discovery', () => {
  const builder = new AiBomBuilder();
  builder.onBatch([...agentRun(), ...spansFromAgent()]);
  const bom = AiBomSchema.parse(builder.result({ now: new Date(0) }));
  const byId = new Map(bom.components.map((c) => [c.id, c]));

  it('names frameworks loaded from node_modules, with the version from the pnpm store path', () => {
    const agents = byId.get('pkg:npm/@openai/agents');
    expect(agents).toMatchObject({
      type: 'framework',
      version: '0.20.0',
      signatureId: 'openai-agents',
      purl: 'pkg:npm/%40openai/agents@0.20.0',
    });
    expect(agents?.observed?.methods).toEqual(['file-open']);
    expect(agents?.observed?.evidence[0]?.detail).toContain('@openai/agents/dist/index.mjs');
    expect(byId.get('pkg:npm/openai')?.version).toBe('7.57.0');
    expect(byId.has('pkg:npm/zod')).toBe(false);
  });

  it('names the MCP server launched through npx, with its command line as evidence', () => {
    const fs = byId.get('mcp-server:npm/@modelcontextprotocol/server-filesystem');
    expect(fs?.type).toBe('mcp-server');
    expect(fs?.version).toBe('2026.8.31');
    expect(fs?.properties['transport']).toBe('stdio');
    expect(fs?.observed?.methods).toContain('exec');
    expect(fs?.observed?.count).toBeGreaterThanOrEqual(2);
  });

  it('recognises hosted APIs by DNS name, stronger for a connection than a lookup', () => {
    const api = byId.get('llm-api:anthropic-api');
    expect(api?.observed?.methods.sort()).toEqual(['dns', 'net-connect']);
    expect(api?.confidence).toBeGreaterThan(0.9);
    expect(api?.properties['host']).toBe('api.anthropic.com');
  });

  it('joins spans to the capture by pid, and gives the span-named endpoint the kernel connect as evidence', () => {
    const model = byId.get('model:openai/gpt-4o-mini');
    expect(model?.observed?.workloads).toEqual([AGENT_WL.id]);
    const endpoint = byId.get('llm-api:endpoint/127.0.0.1:43123');
    expect(endpoint?.observed?.methods.sort()).toEqual(['net-connect', 'otel-span']);
    expect(endpoint?.observed?.evidence.some((e) => e.kind === 'net.connect' && e.source === 'replay')).toBe(
      true,
    );
    const tool = byId.get('tool:filesystem/read_text_file');
    expect(tool?.properties['serverComponent']).toBe(
      'mcp-server:npm/@modelcontextprotocol/server-filesystem',
    );
    expect(byId.get('agent:File assistant')?.type).toBe('agent');
  });

  it('finds inference servers by executable and port, and model files by extension, not inside library trees', () => {
    const ollama = byId.get('inference-server:ollama');
    expect(ollama?.observed?.methods.sort()).toEqual(['exec', 'net-listen']);
    expect(ollama?.observed?.workloads).toEqual([OTHER_WL.id]);
    expect(byId.get('model-file:/models/llama-3.2-1b.Q4_K_M.gguf')?.properties['format']).toBe('gguf');
    expect([...byId.keys()].filter((k) => k.startsWith('model-file:'))).toHaveLength(1);
  });

  it('without declared inputs every component is "observed"', () => {
    expect(new Set(bom.components.map((c) => c.status))).toEqual(new Set(['observed']));
  });

  it('lists components per workload', () => {
    const wl = bom.workloads.find((w) => w.workload.id === OTHER_WL.id);
    expect(wl?.componentIds).toContain('inference-server:ollama');
    expect(wl?.componentIds).not.toContain('pkg:npm/openai');
  });

  it('draws Agent → Tool → MCP server → Data → Identity, and Agent → API', () => {
    const edges = bom.flow.edges.map((e) => `${e.from} -${e.relation}-> ${e.to}`);
    const w = AGENT_WL.id;
    expect(edges).toContain(
      `agent:${w}:proc:node -spawns-> mcp-server:${w}:mcp-server:npm/@modelcontextprotocol/server-filesystem`,
    );
    expect(edges).toContain(`agent:${w}:name:File assistant -invokes-> tool:${w}:filesystem/read_text_file`);
    expect(edges).toContain(
      `tool:${w}:filesystem/read_text_file -served-by-> mcp-server:${w}:mcp-server:npm/@modelcontextprotocol/server-filesystem`,
    );
    expect(edges).toContain(
      `mcp-server:${w}:mcp-server:npm/@modelcontextprotocol/server-filesystem -reads-> data:${w}:dir:/srv/data/`,
    );
    expect(edges).toContain(
      `mcp-server:${w}:mcp-server:npm/@modelcontextprotocol/server-filesystem -writes-> data:${w}:dir:/srv/data/out/`,
    );
    expect(edges).toContain(
      `mcp-server:${w}:mcp-server:npm/@modelcontextprotocol/server-filesystem -runs-as-> identity:${w}:uid:1000`,
    );
    expect(edges).toContain(`agent:${w}:proc:node -calls-> api:${w}:net:api.anthropic.com:443`);
    expect(edges).toContain(
      `agent:${w}:proc:node -uses-credential-> identity:${w}:credential:/home/agent/.aws/credentials`,
    );
    expect(edges).toContain(`agent:${w}:name:File assistant -uses-model-> model:${w}:openai/gpt-4o-mini`);
    expect(bom.flow.truncated).toBe(false);
  });
});

describe('AiBomBuilder: declared against observed', () => {
  it('puts a declared, never-loaded package in declared-unused and a loaded, undeclared one in undeclared-used', () => {
    const builder = new AiBomBuilder();
    builder.onBatch(agentRun());
    const decl = (name: string) => ({
      kind: 'package' as const,
      ecosystem: 'npm' as const,
      name,
      declaration: {
        file: 'package.json',
        input: 'package.json' as const,
        path: `dependencies.${name}`,
        specifier: '^1.0.0',
        direct: true,
      },
    });
    builder.declare([decl('@openai/agents'), decl('@anthropic-ai/sdk'), decl('left-pad')]);
    const bom = builder.result();
    const status = (id: string) => bom.components.find((c) => c.id === id)?.status;
    expect(status('pkg:npm/@openai/agents')).toBe('declared-used');
    expect(status('pkg:npm/@anthropic-ai/sdk')).toBe('declared-unused');
    expect(status('pkg:npm/openai')).toBe('undeclared-used');
    expect(status('mcp-server:npm/@modelcontextprotocol/server-filesystem')).toBe('undeclared-used');
    // Not an AI component: not in the BOM at all.
    expect(bom.components.some((c) => c.name === 'left-pad')).toBe(false);
    // Things a manifest cannot declare stay "observed".
    expect(status('llm-api:anthropic-api')).toBe('observed');
    expect(bom.summary.byStatus['declared-unused']).toBe(1);
    expect(bom.inputs.manifests).toEqual([{ file: 'package.json', input: 'package.json', components: 2 }]);
  });

  it('links tool calls to a server declared in an MCP client configuration by its configured name', () => {
    const builder = new AiBomBuilder();
    builder.declare([
      {
        kind: 'mcp-server',
        name: 'files',
        configName: 'files',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/data'],
        declaration: { file: '.mcp.json', input: 'mcp-config', path: 'mcpServers.files' },
        properties: { configName: 'files', client: 'claude-code', transport: 'stdio' },
      },
    ]);
    builder.onBatch(agentRun());
    builder.observe(ev({ kind: 'tool.call', server: 'files', tool: 'write_file', transport: 'stdio' }));
    const bom = builder.result();
    const server = bom.components.find(
      (c) => c.id === 'mcp-server:npm/@modelcontextprotocol/server-filesystem',
    );
    expect(server?.status).toBe('declared-used');
    expect(server?.declared?.[0]?.path).toBe('mcpServers.files');
    const tool = bom.components.find((c) => c.id === 'tool:files/write_file');
    expect(tool?.properties['serverComponent']).toBe(server?.id);
    expect(tool?.status).toBe('declared-used');
  });
});

describe('AiBomBuilder: bounds and extension', () => {
  it('keeps at most maxEvidencePerComponent samples but counts every event', () => {
    const builder = new AiBomBuilder({ maxEvidencePerComponent: 3 });
    for (let i = 0; i < 50; i++) {
      builder.observe(
        ev({
          kind: 'net.connect',
          family: 'inet',
          protocol: 'tcp',
          daddr: '1.2.3.4',
          dport: 443,
          dnsName: 'api.openai.com',
          result: 0,
        }),
      );
    }
    builder.observe(ev({ kind: 'dns.query', name: 'api.openai.com', qtype: 'AAAA' }));
    const c = builder.result().components.find((x) => x.id === 'llm-api:openai-api');
    expect(c?.observed?.count).toBe(51);
    expect(c?.observed?.evidence).toHaveLength(3);
    // A new method still gets a sample.
    expect(c?.observed?.evidence.some((e) => e.method === 'dns')).toBe(true);
  });

  it('stops adding components at maxComponents and counts the rest', () => {
    const builder = new AiBomBuilder({ maxComponents: 2 });
    for (let i = 0; i < 5; i++)
      builder.observe(
        ev({ kind: 'file.open', path: `/m/model-${i}.gguf`, flags: 0, access: 'read', result: 3 }),
      );
    expect(builder.result().components).toHaveLength(2);
    expect(builder.droppedComponents).toBe(3);
  });

  it('marks the flow graph truncated at maxFlowNodes', () => {
    const builder = new AiBomBuilder({ maxFlowNodes: 4 });
    for (let i = 0; i < 20; i++)
      builder.observe(ev({ kind: 'tool.call', agent: 'a', server: 's', tool: `t${i}` }));
    const flow = builder.result().flow;
    expect(flow.truncated).toBe(true);
    expect(flow.nodes.length).toBeLessThanOrEqual(4);
  });

  it('recognises what user signatures describe', () => {
    const catalogue = SignatureCatalogue.builtin().extend([
      { id: 'acme-llm', name: 'ACME LLM gateway', type: 'llm-api', match: { hosts: ['llm.acme.internal'] } },
    ]);
    const builder = new AiBomBuilder({ catalogue });
    builder.observe(
      ev({
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '10.0.0.5',
        dport: 443,
        dnsName: 'llm.acme.internal',
        result: 0,
      }),
    );
    expect(builder.result().components.map((c) => c.id)).toEqual(['llm-api:acme-llm']);
  });
});

describe('AiBomBuilder: a local OpenAI-compatible endpoint', () => {
  it.each([
    ['openai', 'openai-compatible endpoint 127.0.0.1:8080'],
    // The payload parser names a non-OpenAI host speaking OpenAI's API this way already.
    ['openai-compatible', 'openai-compatible endpoint 127.0.0.1:8080'],
  ])('provider %s is named %s', (provider, name) => {
    const b = new AiBomBuilder();
    b.onBatch([
      ev({
        kind: 'model.call',
        pid: 100,
        provider,
        model: 'local-model',
        operation: 'chat',
        endpoint: 'http://127.0.0.1:8080/v1/chat/completions',
      }),
    ]);
    expect(b.result().components.find((c) => c.id === 'llm-api:endpoint/127.0.0.1:8080')?.name).toBe(name);
  });
});

describe('AiBomBuilder: who started the MCP server', () => {
  it('credits the agent process behind a shell, not the shell', () => {
    const b = new AiBomBuilder();
    b.onBatch([
      ev({
        kind: 'process.exec',
        pid: 10,
        ppid: 1,
        filename: '/usr/bin/python3',
        argv: ['python3', 'agent.py'],
        comm: 'python3',
      }),
      ev({
        kind: 'file.open',
        pid: 10,
        comm: 'python3',
        path: '/venv/lib/python3.11/site-packages/langgraph/graph.py',
        flags: 0,
        access: 'read',
        result: 3,
      }),
      ev({
        kind: 'process.exec',
        pid: 11,
        ppid: 10,
        comm: 'sh',
        filename: '/bin/sh',
        argv: ['sh', '-c', 'uvx mcp-server-fetch'],
      }),
      ev({
        kind: 'process.exec',
        pid: 12,
        ppid: 11,
        comm: 'uvx',
        filename: '/usr/local/bin/uvx',
        argv: ['uvx', 'mcp-server-fetch'],
      }),
    ]);
    const bom = b.result();
    const spawns = bom.flow.edges.filter((e) => e.relation === 'spawns');
    expect(spawns.map((e) => [e.from, e.to])).toEqual([
      [`agent:${AGENT_WL.id}:proc:python3`, `mcp-server:${AGENT_WL.id}:mcp-server:pypi/mcp-server-fetch`],
    ]);
    expect(bom.components.find((c) => c.id === 'pkg:pypi/langgraph')?.type).toBe('framework');
  });
});

describe('AiBomBuilder: announced against used tools', () => {
  it('records what an MCP server announced beside the tools that were called', () => {
    const b = new AiBomBuilder();
    b.onBatch([
      ev({
        kind: 'process.exec',
        pid: 5,
        ppid: 100,
        filename: '/usr/bin/npx',
        argv: ['npx', '@modelcontextprotocol/server-filesystem', '/d'],
      }),
      ev({
        kind: 'tool.list',
        source: 'mcp-proxy',
        server: 'filesystem',
        tools: [{ name: 'read_file' }, { name: 'write_file' }, { name: 'move_file' }],
      }),
      ev({ kind: 'tool.call', source: 'mcp-proxy', server: 'filesystem', tool: 'read_file' }),
    ]);
    const server = b
      .result()
      .components.find((c) => c.id === 'mcp-server:npm/@modelcontextprotocol/server-filesystem');
    expect(server?.properties).toMatchObject({
      tools: '3',
      announcedTools: 'read_file,write_file,move_file',
      usedTools: 'read_file',
    });
    expect(server?.observed?.methods).toEqual(expect.arrayContaining(['exec', 'tool-list', 'tool-call']));
  });
});

describe('AiBomBuilder: container images of running workloads', () => {
  it('recognises an inference server by the image its pod runs, and a declared image as used', () => {
    const pod = {
      id: 'k8s:0a1b2c3d-4e5f-6789-abcd-ef0123456789/aaaaaaaaaaaa',
      kind: 'kubernetes-pod' as const,
      image: 'docker.io/ollama/ollama:0.5.1',
      labels: {},
    };
    const b = new AiBomBuilder();
    b.declare([
      {
        kind: 'image',
        name: 'ollama/ollama:0.5.1',
        declaration: { file: 'deploy.yaml', input: 'kubernetes', line: 14 },
      },
    ]);
    b.observe(
      ev({
        kind: 'file.open',
        workload: pod,
        path: '/root/.ollama/models/blobs/sha256-abc',
        flags: 0,
        access: 'read',
        result: 3,
      }),
    );
    const c = b.result().components.find((x) => x.id === 'inference-server:ollama');
    expect(c).toMatchObject({
      status: 'declared-used',
      properties: { image: 'docker.io/ollama/ollama:0.5.1' },
    });
    expect(c?.observed?.methods).toEqual(['workload-image']);
  });
});

describe('AiBomBuilder: remote MCP servers', () => {
  it('confirms a server declared by URL with connections to its host and port', () => {
    const b = new AiBomBuilder();
    b.declare([
      {
        kind: 'mcp-server',
        name: 'docs',
        configName: 'docs',
        url: 'https://mcp.docs.example/mcp',
        declaration: { file: '.mcp.json', input: 'mcp-config', path: 'mcpServers.docs' },
      },
      {
        kind: 'mcp-server',
        name: 'local',
        configName: 'local',
        url: 'http://localhost:8931/sse',
        declaration: { file: '.mcp.json', input: 'mcp-config', path: 'mcpServers.local' },
      },
      {
        kind: 'mcp-server',
        name: 'unused',
        configName: 'unused',
        url: 'https://mcp.unused.example/mcp',
        declaration: { file: '.mcp.json', input: 'mcp-config', path: 'mcpServers.unused' },
      },
    ]);
    b.onBatch([
      ev({
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '203.0.113.7',
        dport: 443,
        dnsName: 'mcp.docs.example',
        result: 0,
      }),
      ev({
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '127.0.0.1',
        dport: 8931,
        result: 0,
      }),
    ]);
    const status = Object.fromEntries(
      b.result().components.map((c) => [c.id, [c.status, c.observed?.methods.join(',')]]),
    );
    expect(status['mcp-server:url/https://mcp.docs.example/mcp']).toEqual(['declared-used', 'net-connect']);
    expect(status['mcp-server:url/http://localhost:8931/sse']).toEqual(['declared-used', 'net-connect']);
    expect(status['mcp-server:url/https://mcp.unused.example/mcp']).toEqual(['declared-unused', undefined]);
  });
});

describe('AiBomBuilder: MCP servers in containers', () => {
  it('matches docker run IMAGE from an MCP configuration and at run time, with the agent that started it', () => {
    const b = new AiBomBuilder();
    b.declare([
      {
        kind: 'mcp-server',
        name: 'github',
        configName: 'github',
        command: 'docker',
        args: ['run', '-i', '--rm', '-e', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'ghcr.io/github/github-mcp-server'],
        declaration: { file: 'claude_desktop_config.json', input: 'mcp-config', path: 'mcpServers.github' },
      },
    ]);
    b.onBatch([
      ev({ kind: 'process.exec', pid: 10, ppid: 1, filename: '/usr/bin/node', argv: ['node', 'agent.js'] }),
      ev({
        kind: 'file.open',
        pid: 10,
        path: '/a/node_modules/@anthropic-ai/sdk/index.js',
        flags: 0,
        access: 'read',
        result: 3,
      }),
      ev({
        kind: 'process.exec',
        pid: 11,
        ppid: 10,
        comm: 'docker',
        filename: '/usr/bin/docker',
        argv: [
          'docker',
          'run',
          '-i',
          '--rm',
          '-e',
          'GITHUB_PERSONAL_ACCESS_TOKEN',
          'ghcr.io/github/github-mcp-server:v0.4',
        ],
      }),
      ev({
        kind: 'process.exec',
        pid: 12,
        ppid: 10,
        comm: 'podman',
        filename: '/usr/bin/podman',
        argv: ['podman', 'run', '--name', 'x', '-v', '/d:/d', 'docker.io/mcp/fetch'],
      }),
    ]);
    const bom = b.result();
    const get = (id: string) => bom.components.find((c) => c.id === id);
    expect(get('mcp-server:image/ghcr.io/github/github-mcp-server')).toMatchObject({
      status: 'declared-used',
      version: 'v0.4',
    });
    expect(get('mcp-server:image/mcp/fetch')?.status).toBe('undeclared-used');
    expect(bom.flow.edges.filter((e) => e.relation === 'spawns').map((e) => e.to)).toEqual([
      `mcp-server:${AGENT_WL.id}:mcp-server:image/ghcr.io/github/github-mcp-server`,
      `mcp-server:${AGENT_WL.id}:mcp-server:image/mcp/fetch`,
    ]);
  });
});

describe('AiBomBuilder: evidence across workloads', () => {
  it('keeps a sample from each workload a component ran in (within a bound), so per-workload findings have evidence', () => {
    const b = new AiBomBuilder({ maxEvidencePerComponent: 2 });
    for (let i = 0; i < 12; i++) {
      const workload = {
        id: `container:${String(i).padStart(12, '0')}`,
        kind: 'container' as const,
        labels: {},
      };
      for (let k = 0; k < 3; k++) {
        b.observe(
          ev({
            kind: 'file.open',
            workload,
            pid: 1000 + i,
            path: '/a/node_modules/openai/index.js',
            flags: 0,
            access: 'read',
            result: 3,
          }),
        );
      }
    }
    const c = b.result().components.find((x) => x.id === 'pkg:npm/openai');
    expect(c?.observed?.workloads).toHaveLength(12);
    expect(c?.observed?.count).toBe(36);
    // Two first samples from the first workload, then one from each further workload up to 4 × 2.
    expect(new Set(c?.observed?.evidence.map((e) => e.workloadId)).size).toBe(7);
    expect(c?.observed?.evidence).toHaveLength(8);
  });
});

describe('AiBomBuilder: credentials a configuration hands to an MCP server', () => {
  it('draws the server using the secrets its configuration passes, by name only', () => {
    const b = new AiBomBuilder();
    b.declare([
      {
        kind: 'mcp-server',
        name: 'github',
        configName: 'github',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-github'],
        declaration: { file: '.cursor/mcp.json', input: 'mcp-config', path: 'mcpServers.github' },
        properties: { configName: 'github', envKeys: 'GITHUB_PERSONAL_ACCESS_TOKEN,LOG_LEVEL' },
      },
    ]);
    b.observe(
      ev({
        kind: 'process.exec',
        pid: 20,
        ppid: 100,
        filename: '/usr/bin/npx',
        argv: ['npx', '-y', '@modelcontextprotocol/server-github'],
      }),
    );
    const flow = b.result().flow;
    const server = `mcp-server:${AGENT_WL.id}:mcp-server:npm/@modelcontextprotocol/server-github`;
    const uses = flow.edges
      .filter((e) => e.from === server && e.relation === 'uses-credential')
      .map((e) => e.to);
    expect(uses).toEqual([`identity:${AGENT_WL.id}:env:GITHUB_PERSONAL_ACCESS_TOKEN`]);
    expect(flow.nodes.find((n) => n.id === uses[0])).toMatchObject({
      label: '$GITHUB_PERSONAL_ACCESS_TOKEN',
      properties: { kind: 'credential-env', declaredIn: '.cursor/mcp.json' },
    });
  });
});

describe('AiBomBuilder: arbitrary input', () => {
  it('never throws on valid events with arbitrary strings, and always yields a schema-valid document', async () => {
    const { default: fc } = await import('fast-check');
    const str = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom(
        '/a/node_modules/openai/x.js',
        'npx',
        '-y',
        '@modelcontextprotocol/server-x',
        'uvx',
        'docker',
        'run',
        'm.gguf',
        'api.openai.com',
        'localhost:1',
      ),
    );
    const event = fc.oneof(
      fc.record({ kind: fc.constant('process.exec'), filename: str, argv: fc.array(str, { maxLength: 6 }) }),
      fc.record({
        kind: fc.constant('file.open'),
        path: str,
        flags: fc.constant(0),
        access: fc.constantFrom('read', 'write'),
        result: fc.integer({ min: -2, max: 5 }),
      }),
      fc.record({
        kind: fc.constant('net.connect'),
        family: fc.constantFrom('inet', 'inet6', 'unix'),
        protocol: fc.constant('tcp'),
        daddr: str,
        dport: fc.integer({ min: 0, max: 65535 }),
        dnsName: fc.option(str, { nil: undefined }),
        result: fc.integer({ min: -120, max: 0 }),
      }),
      fc.record({
        kind: fc.constant('net.listen'),
        family: fc.constant('inet'),
        protocol: fc.constant('tcp'),
        addr: str,
        port: fc.integer({ min: 0, max: 65535 }),
        result: fc.constant(0),
      }),
      fc.record({ kind: fc.constant('dns.query'), name: str, qtype: fc.constant('A') }),
      fc.record({
        kind: fc.constant('tool.call'),
        server: str,
        tool: str,
        agent: fc.option(str, { nil: undefined }),
        source: fc.constantFrom('otel', 'mcp-proxy'),
      }),
      fc.record({
        kind: fc.constant('tool.list'),
        server: str,
        tools: fc.array(fc.record({ name: str }), { maxLength: 4 }),
      }),
      fc.record({
        kind: fc.constant('model.call'),
        provider: str,
        model: str,
        endpoint: fc.option(str, { nil: undefined }),
        agent: fc.option(str, { nil: undefined }),
        source: fc.constant('otel'),
      }),
      fc.record({
        kind: fc.constant('retrieval'),
        dataSource: str,
        store: fc.option(str, { nil: undefined }),
      }),
      fc.record({ kind: fc.constant('k8s.api'), verb: str, resource: str, user: str }),
      fc.record({
        kind: fc.constant('cloud.api'),
        provider: fc.constant('aws'),
        service: str,
        action: str,
        resources: fc.array(str, { maxLength: 2 }),
        principal: str,
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(event, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })), {
          maxLength: 40,
        }),
        (items) => {
          const b = new AiBomBuilder({ maxFlowNodes: 50 });
          for (const [e, pid, ppid] of items)
            b.observe(ev({ ...e, pid, ppid } as Record<string, unknown> & { kind: VigilEvent['kind'] }));
          AiBomSchema.parse(b.result());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('AiBomBuilder: judged only against inputs that could have listed a component', () => {
  it('does not call npm packages shadow AI when only an MCP configuration was given, nor a Python MCP server when only an npm lockfile was', () => {
    const run = [
      ev({ kind: 'file.open', path: '/a/node_modules/openai/index.js', flags: 0, access: 'read', result: 3 }),
      ev({
        kind: 'process.exec',
        pid: 30,
        ppid: 100,
        filename: '/usr/bin/uvx',
        argv: ['uvx', 'mcp-server-fetch'],
      }),
      ev({
        kind: 'process.exec',
        workload: OTHER_WL,
        pid: 31,
        comm: 'ollama',
        filename: '/usr/bin/ollama',
        argv: ['ollama', 'serve'],
      }),
    ];
    const onlyMcp = new AiBomBuilder();
    onlyMcp.onBatch(run);
    onlyMcp.markDeclaredInput('.mcp.json', 'mcp-config');
    const a = Object.fromEntries(onlyMcp.result().components.map((c) => [c.id, c.status]));
    expect(a).toMatchObject({
      'pkg:npm/openai': 'observed',
      'mcp-server:pypi/mcp-server-fetch': 'undeclared-used',
      'inference-server:ollama': 'observed',
    });

    const onlyLock = new AiBomBuilder();
    onlyLock.onBatch(run);
    onlyLock.markDeclaredInput('pnpm-lock.yaml', 'pnpm-lock.yaml');
    const b = Object.fromEntries(onlyLock.result().components.map((c) => [c.id, c.status]));
    expect(b).toMatchObject({
      'pkg:npm/openai': 'undeclared-used',
      // A Python server: an npm lockfile could not have listed it.
      'mcp-server:pypi/mcp-server-fetch': 'observed',
      'inference-server:ollama': 'observed',
    });

    const onlyK8s = new AiBomBuilder();
    onlyK8s.onBatch(run);
    onlyK8s.markDeclaredInput('deploy.yaml', 'kubernetes');
    const c = Object.fromEntries(onlyK8s.result().components.map((x) => [x.id, x.status]));
    expect(c).toMatchObject({ 'pkg:npm/openai': 'observed', 'inference-server:ollama': 'undeclared-used' });
  });
});

describe('AiBomBuilder: a local function tool is a tool of its agent', () => {
  const s = (key: string, stringValue: string) => ({ key, value: { stringValue } });
  // The span shapes the lab's OpenAI Agents SDK agent emits (examples/lab/src/agents/genai-span-recorder.ts):
  // a local tool (gen_ai.tool.type function, no MCP attributes) and an MCP tool, both under an agent span.
  const doc = {
    resourceSpans: [
      {
        resource: {
          attributes: [s('service.name', 'lab-agent'), { key: 'process.pid', value: { intValue: '4242' } }],
        },
        scopeSpans: [
          {
            scope: { name: 'vigil-lab' },
            spans: [
              {
                traceId: 't',
                spanId: 'a',
                name: 'invoke_agent File assistant',
                startTimeUnixNano: '1800000000000000000',
                attributes: [
                  s('gen_ai.operation.name', 'invoke_agent'),
                  s('gen_ai.agent.name', 'File assistant'),
                ],
              },
              {
                traceId: 't',
                spanId: 'l',
                parentSpanId: 'a',
                name: 'execute_tool run_command',
                startTimeUnixNano: '1800000000100000000',
                attributes: [
                  s('gen_ai.operation.name', 'execute_tool'),
                  s('gen_ai.tool.name', 'run_command'),
                  s('gen_ai.tool.type', 'function'),
                  s('gen_ai.tool.call.arguments', '{"command":"ls"}'),
                ],
              },
              {
                traceId: 't',
                spanId: 'm',
                parentSpanId: 'a',
                name: 'execute_tool read_file',
                startTimeUnixNano: '1800000000200000000',
                attributes: [
                  s('gen_ai.operation.name', 'execute_tool'),
                  s('gen_ai.tool.name', 'read_file'),
                  s('gen_ai.tool.type', 'function'),
                  s('mcp.method.name', 'tools/call'),
                  s('mcp.server.name', 'filesystem'),
                  s('network.transport', 'pipe'),
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  const builder = new AiBomBuilder();
  builder.onBatch(eventsFromOtlp(doc));
  const bom = AiBomSchema.parse(builder.result({ now: new Date(0) }));
  const byId = new Map(bom.components.map((c) => [c.id, c]));

  it('makes run_command a tool of the agent and no MCP server named function', () => {
    expect(bom.components.filter((c) => c.type === 'mcp-server').map((c) => c.name)).toEqual(['filesystem']);
    expect(byId.has('mcp-server:name/function')).toBe(false);
    const tool = byId.get('tool:local/File assistant/run_command');
    expect(tool).toMatchObject({
      type: 'tool',
      name: 'run_command',
      properties: { agent: 'File assistant', toolType: 'function', transport: 'in-process' },
    });
    expect(tool?.properties['serverComponent']).toBeUndefined();
    expect(byId.get('tool:filesystem/read_file')?.properties['serverComponent']).toBe(
      'mcp-server:name/filesystem',
    );
  });

  it('draws agent → tool, with no served-by edge for the local tool', () => {
    const local = bom.flow.nodes.find((n) => n.type === 'tool' && n.label === 'run_command');
    expect(local).toBeDefined();
    const edges = bom.flow.edges.filter((e) => e.from === local!.id || e.to === local!.id);
    expect(edges.map((e) => e.relation)).toEqual(['invokes']);
    const from = bom.flow.nodes.find((n) => n.id === edges[0]!.from);
    expect(from?.type).toBe('agent');
  });

  it('raises no shadow-AI finding about a server named function', () => {
    expect(aiBomFindings(bom).filter((f) => f.title.includes('function'))).toEqual([]);
  });
});
