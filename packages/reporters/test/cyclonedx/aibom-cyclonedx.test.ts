import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { AiBomBuilder, EventSchema, type VigilEvent, type VigilEventInput } from '@vigil/core';
import { aiBomToCycloneDx, renderCycloneDx } from '@vigil/reporters';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
async function validate(text: string): Promise<unknown> {
  return validator.validate(text);
}

const WL = {
  id: 'systemd:/system.slice/agent.service',
  kind: 'systemd-service' as const,
  name: 'agent.service',
  labels: {},
};
let clock = 1.8e18;
function ev(p: Record<string, unknown> & { kind: VigilEvent['kind'] }): VigilEvent {
  clock += 1e6;
  return EventSchema.parse({
    ts: clock,
    workload: WL,
    pid: 100,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'replay',
    ...p,
  } as VigilEventInput);
}

function sampleBom() {
  const b = new AiBomBuilder();
  b.onBatch([
    ev({ kind: 'process.exec', filename: '/usr/bin/node', argv: ['node', 'main.js'] }),
    ev({
      kind: 'file.open',
      path: '/a/node_modules/.pnpm/@openai+agents@0.20.0/node_modules/@openai/agents/dist/index.mjs',
      flags: 0,
      access: 'read',
      result: 3,
    }),
    ev({
      kind: 'file.open',
      path: '/a/node_modules/langchain/dist/index.js',
      flags: 0,
      access: 'read',
      result: 3,
    }),
    ev({
      kind: 'process.exec',
      pid: 101,
      ppid: 100,
      filename: '/usr/bin/npx',
      argv: ['npx', '-y', '@modelcontextprotocol/server-memory'],
    }),
    ev({ kind: 'file.open', pid: 102, path: '/models/qwen.gguf', flags: 0, access: 'read', result: 3 }),
    ev({
      kind: 'net.connect',
      family: 'inet',
      protocol: 'tcp',
      daddr: '1.2.3.4',
      dport: 443,
      dnsName: 'api.openai.com',
      result: 0,
    }),
    ev({ kind: 'net.connect', family: 'inet', protocol: 'tcp', daddr: '10.1.1.1', dport: 6333, result: 0 }),
    ev({
      kind: 'model.call',
      source: 'otel',
      provider: 'openai',
      model: 'gpt-4o-mini',
      operation: 'chat',
      endpoint: 'http://127.0.0.1:43123',
      agent: 'Helper',
    }),
    ev({
      kind: 'tool.call',
      source: 'otel',
      server: 'memory',
      tool: 'create_entities',
      transport: 'stdio',
      status: 'ok',
      agent: 'Helper',
    }),
    ev({ kind: 'retrieval', source: 'otel', dataSource: 'handbook', store: 'qdrant', agent: 'Helper' }),
    ev({
      kind: 'net.listen',
      workload: {
        id: 'container:0123456789ab',
        kind: 'container',
        image: 'ghcr.io/huggingface/text-generation-inference:2.4',
        labels: {},
      },
      pid: 300,
      family: 'inet',
      protocol: 'tcp',
      addr: '0.0.0.0',
      port: 80,
      result: 0,
    }),
  ]);
  b.declare([
    {
      kind: 'package',
      ecosystem: 'npm',
      name: '@openai/agents',
      version: '0.20.0',
      declaration: {
        file: '/a/package.json',
        input: 'package.json',
        line: 5,
        path: 'dependencies.@openai/agents',
        specifier: '0.20.0',
        direct: true,
      },
    },
    {
      kind: 'package',
      ecosystem: 'npm',
      name: '@anthropic-ai/sdk',
      declaration: {
        file: '/a/package.json',
        input: 'package.json',
        line: 6,
        path: 'dependencies.@anthropic-ai/sdk',
        specifier: '^0.30.0',
        direct: true,
      },
    },
    {
      kind: 'mcp-server',
      name: 'remote',
      configName: 'remote',
      url: 'https://mcp.example.invalid/mcp',
      declaration: { file: '/a/.mcp.json', input: 'mcp-config', line: 3, path: 'mcpServers.remote' },
    },
  ]);
  return b.result({ now: new Date('2026-11-26T00:00:00Z') });
}

describe('CycloneDX 1.6 export of the AI-BOM', () => {
  const bom = sampleBom();
  const cdx = aiBomToCycloneDx(bom, { serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79' });
  const comp = (ref: string) => cdx.components.find((c) => c['bom-ref'] === ref);
  const svc = (ref: string) => cdx.services.find((s) => s['bom-ref'] === ref);

  it('validates against the official CycloneDX 1.6 JSON schema', async () => {
    expect(await validate(renderCycloneDx(bom))).toBeNull();
  });

  it('writes models as machine-learning-model components with a model card', () => {
    expect(comp('model:openai/gpt-4o-mini')).toMatchObject({
      type: 'machine-learning-model',
      modelCard: { properties: expect.arrayContaining([{ name: 'vigil:provider', value: 'openai' }]) },
    });
    expect(comp('model-file:/models/qwen.gguf')?.modelCard?.properties).toContainEqual({
      name: 'vigil:format',
      value: 'gguf',
    });
  });

  it('writes RAG sources as data components and hosted APIs, tools and remote MCP servers as services', () => {
    expect(comp('data-source:handbook')).toMatchObject({
      type: 'data',
      data: [{ type: 'dataset', name: 'handbook' }],
    });
    expect(svc('llm-api:openai-api')).toMatchObject({
      provider: { name: 'OpenAI' },
      endpoints: ['https://api.openai.com:443'],
      'x-trust-boundary': true,
    });
    expect(svc('llm-api:endpoint/127.0.0.1:43123')?.endpoints).toEqual(['http://127.0.0.1:43123']);
    expect(svc('tool:memory/create_entities')?.group).toBe('memory');
    expect(svc('mcp-server:url/https://mcp.example.invalid/mcp')?.endpoints).toEqual([
      'https://mcp.example.invalid/mcp',
    ]);
    expect(svc('vector-store:qdrant')).toBeDefined();
    expect(svc('inference-server:tgi')?.properties).toContainEqual({
      name: 'vigil:image',
      value: 'ghcr.io/huggingface/text-generation-inference:2.4',
    });
  });

  it('writes packages with purl, scope as group, evidence identity and occurrences, and the declared/used status', () => {
    const agents = comp('pkg:npm/@openai/agents');
    expect(agents).toMatchObject({
      type: 'library',
      group: '@openai',
      name: 'agents',
      version: '0.20.0',
      purl: 'pkg:npm/%40openai/agents@0.20.0',
    });
    expect(agents?.evidence?.identity?.[0]).toMatchObject({
      field: 'purl',
      methods: expect.arrayContaining([
        expect.objectContaining({ technique: 'filename' }),
        expect.objectContaining({ technique: 'manifest-analysis' }),
      ]),
    });
    expect(agents?.evidence?.occurrences).toContainEqual(
      expect.objectContaining({ location: '/a/package.json', line: 5 }),
    );
    expect(agents?.properties).toContainEqual({ name: 'vigil:status', value: 'declared-used' });
    const langchain = comp('pkg:npm/langchain');
    expect(langchain?.properties).toContainEqual({ name: 'vigil:shadow-ai', value: 'true' });
    expect(comp('pkg:npm/@anthropic-ai/sdk')?.properties).toContainEqual({
      name: 'vigil:status',
      value: 'declared-unused',
    });
    expect(
      comp('mcp-server:npm/@modelcontextprotocol/server-memory')?.evidence?.identity?.[0]?.methods[0]
        ?.technique,
    ).toBe('dynamic-analysis');
  });

  it('turns the execution flow into dependencies between BOM items', () => {
    const deps = Object.fromEntries(cdx.dependencies.map((d) => [d.ref, d.dependsOn]));
    expect(deps['agent:Helper']).toEqual(
      expect.arrayContaining([
        'model:openai/gpt-4o-mini',
        'tool:memory/create_entities',
        'data-source:handbook',
        'llm-api:endpoint/127.0.0.1:43123',
      ]),
    );
    expect(deps['tool:memory/create_entities']).toEqual([
      'mcp-server:npm/@modelcontextprotocol/server-memory',
    ]);
    expect(deps['model:openai/gpt-4o-mini']).toEqual(['llm-api:endpoint/127.0.0.1:43123']);
    const refs = new Set([...cdx.components, ...cdx.services].map((x) => x['bom-ref']));
    for (const d of cdx.dependencies) for (const r of [d.ref, ...d.dependsOn]) expect(refs.has(r)).toBe(true);
  });

  it('rejects a broken document (the validator is really checking)', async () => {
    const broken = JSON.parse(renderCycloneDx(bom));
    broken.components[0].type = 'robot';
    expect(await validate(JSON.stringify(broken))).not.toBeNull();
  });

  it('stays valid for arbitrary mixes of observed and declared components', async () => {
    const event = fc.oneof(
      fc.record({
        kind: fc.constant('file.open' as const),
        path: fc.oneof(
          fc.string().map((s) => `/m/${s}.gguf`),
          fc.constantFrom(
            '/x/node_modules/openai/a.js',
            '/v/site-packages/torch/x.py',
            '/w/node_modules/@langchain/core/x.js',
          ),
        ),
        flags: fc.constant(0),
        access: fc.constant('read' as const),
        result: fc.constant(3),
      }),
      fc.record({
        kind: fc.constant('net.connect' as const),
        family: fc.constant('inet' as const),
        protocol: fc.constant('tcp' as const),
        daddr: fc.ipV4(),
        dport: fc.constantFrom(443, 11434, 6333, 19530, 5432, 8080),
        dnsName: fc.constantFrom('api.openai.com', 'api.anthropic.com', 'x.pinecone.io', 'example.com'),
        result: fc.constant(0),
      }),
      fc.record({
        kind: fc.constant('model.call' as const),
        source: fc.constant('otel'),
        provider: fc.constantFrom('openai', 'anthropic', 'aws.bedrock', 'weird provider'),
        model: fc.string({ minLength: 1 }),
        endpoint: fc.option(fc.constantFrom('http://127.0.0.1:9', 'https://api.openai.com', 'not a url'), {
          nil: undefined,
        }),
        agent: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant('tool.call' as const),
        server: fc.string({ minLength: 1 }),
        tool: fc.string({ minLength: 1 }),
        agent: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant('retrieval' as const),
        dataSource: fc.string({ minLength: 1 }),
        store: fc.option(fc.constantFrom('qdrant', 'chroma', 'x'), { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant('process.exec' as const),
        filename: fc.constantFrom('/usr/bin/npx', '/usr/bin/uvx', '/usr/bin/ollama'),
        argv: fc.array(
          fc.oneof(
            fc.string(),
            fc.constantFrom('-y', '@modelcontextprotocol/server-everything', 'mcp-server-fetch'),
          ),
          { maxLength: 4 },
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 25 }), fc.boolean(), async (events, declare) => {
        const b = new AiBomBuilder();
        for (const e of events) b.observe(ev(e as Record<string, unknown> & { kind: VigilEvent['kind'] }));
        if (declare)
          b.declare([
            {
              kind: 'package',
              ecosystem: 'npm',
              name: 'openai',
              declaration: { file: 'package.json', input: 'package.json' },
            },
          ]);
        const errors = await validate(renderCycloneDx(b.result()));
        expect(errors).toBeNull();
      }),
      { numRuns: 150 },
    );
  });
});
