import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUILTIN_CATALOGUE_VERSION,
  imageInCommandLine,
  imageRepository,
  isVigilError,
  npmPackageFromPath,
  packagesInCommandLine,
  pythonPackageFromPath,
  SignatureCatalogue,
} from '@vigil/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const cat = SignatureCatalogue.builtin();

describe('the built-in signature catalogue', () => {
  it('is versioned, valid, and has unique ids', () => {
    expect(cat.version).toBe(BUILTIN_CATALOGUE_VERSION);
    const ids = cat.signatures.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(50);
  });

  it.each([
    ['npm', '@langchain/core', 'langchain'],
    ['npm', '@langchain/langgraph', 'langgraph'],
    ['npm', 'langchain', 'langchain'],
    ['npm', '@modelcontextprotocol/sdk', 'mcp-sdk'],
    ['npm', '@modelcontextprotocol/server-filesystem', 'mcp-server'],
    ['npm', 'openai', 'openai-sdk'],
    ['npm', '@anthropic-ai/sdk', 'anthropic-sdk'],
    ['npm', 'ai', 'vercel-ai'],
    ['npm', '@openai/agents-core', 'openai-agents'],
    ['npm', 'llamaindex', 'llamaindex'],
    ['pypi', 'LangChain_Community', 'langchain'],
    ['pypi', 'langgraph', 'langgraph'],
    ['pypi', 'llama_index', 'llamaindex'],
    ['pypi', 'crewai', 'crewai'],
    ['pypi', 'autogen_agentchat', 'autogen'],
    ['pypi', 'semantic_kernel', 'semantic-kernel'],
    ['pypi', 'transformers', 'transformers'],
    ['pypi', 'torch', 'pytorch'],
    ['pypi', 'vllm', 'vllm'],
    ['pypi', 'mcp', 'mcp-sdk'],
    ['pypi', 'mcp_server_fetch', 'mcp-server'],
    ['pypi', 'anthropic', 'anthropic-sdk'],
  ] as const)('matches %s package %s as %s', (eco, name, id) => {
    expect(cat.matchPackage(eco, name)?.signature.id).toBe(id);
  });

  it.each(['left-pad', 'react', 'zod', 'express', '@types/node', 'aiohttp', 'openapi', 'mcpx'])(
    'does not match %s',
    (name) => {
      expect(cat.matchPackage('npm', name)).toBeUndefined();
      expect(cat.matchPackage('pypi', name)).toBeUndefined();
    },
  );

  it.each([
    ['api.openai.com', 'openai-api'],
    ['my-res.openai.azure.com', 'azure-openai-api'],
    ['API.Anthropic.com.', 'anthropic-api'],
    ['bedrock-runtime.us-east-1.amazonaws.com', 'aws-bedrock'],
    ['europe-west4-aiplatform.googleapis.com', 'gcp-vertex-ai'],
    ['generativelanguage.googleapis.com', 'gcp-gemini'],
    ['api.mistral.ai', 'mistral-api'],
    ['api.cohere.com', 'cohere-api'],
    ['api.groq.com', 'groq-api'],
    ['api.together.xyz', 'together-api'],
    ['huggingface.co', 'huggingface-api'],
    ['api.x.ai', 'xai-api'],
    ['abc.us-east.aws.cloud.qdrant.io', 'qdrant'],
    ['idx-1.svc.pinecone.io', 'pinecone'],
  ])('matches host %s', (host, id) => {
    expect(cat.matchHost(host)?.signature.id).toBe(id);
  });

  it.each(['openai.com', 'api.openai.com.evil.example', 'xapi.anthropic.com.example', 'example.com'])(
    'does not match host %s',
    (host) => {
      expect(cat.matchHost(host)).toBeUndefined();
    },
  );

  it('matches ports weakly, executables, command lines, images and model files', () => {
    expect(cat.matchPort(11434)).toMatchObject({ signature: { id: 'ollama' }, method: 'port' });
    expect(cat.matchPort(19530)?.signature.id).toBe('milvus');
    expect(cat.matchPort(6333)?.confidence).toBeLessThan(0.5);
    expect(cat.matchExecutable('llama-server')?.signature.id).toBe('llama-cpp-server');
    expect(cat.matchCommandLine(['python3', '-m', 'vllm.entrypoints.openai.api_server'])?.signature.id).toBe(
      'vllm',
    );
    expect(cat.matchImage('docker.io/ollama/ollama:0.5@sha256:abc')?.signature.id).toBe('ollama');
    expect(cat.matchImage('ghcr.io/huggingface/text-generation-inference:2.4')?.signature.id).toBe('tgi');
    expect(cat.matchImage('nginx:1.27')).toBeUndefined();
    for (const ext of [
      'safetensors',
      'gguf',
      'onnx',
      'pt',
      'pth',
      'bin',
      'ckpt',
      'pkl',
      'h5',
      'keras',
      'tflite',
    ]) {
      expect(cat.matchModelFile(`/m/model.${ext}`)?.signature.id).toBe('model-file');
    }
    expect(cat.matchModelFile('/m/model.txt')).toBeUndefined();
    expect(cat.matchModelFile('/a.b/model')).toBeUndefined();
    expect(cat.matchProvider('aws.bedrock')?.signature.id).toBe('aws-bedrock');
  });

  it('lets user signatures override built-ins and add new ones; rejects bad ones with the path', async () => {
    const ext = cat.extend([
      {
        id: 'openai-api',
        name: 'OpenAI via proxy',
        type: 'llm-api',
        match: { hosts: ['openai-proxy.corp.example'] },
      },
      { id: 'acme', name: 'ACME', type: 'framework', match: { npm: ['@acme/*'] } },
    ]);
    expect(ext.matchHost('openai-proxy.corp.example')?.signature.name).toBe('OpenAI via proxy');
    expect(ext.matchHost('api.openai.com')).toBeUndefined();
    expect(ext.matchPackage('npm', '@acme/x')?.signature.id).toBe('acme');
    expect(ext.version).toBe(`${BUILTIN_CATALOGUE_VERSION}+custom`);
    expect(() => cat.extend([{ id: 'Bad Id', name: 'x', type: 'framework', match: {} }])).toThrow(
      /extra signatures.*\[0\]\.id|id/,
    );
    expect(() =>
      cat.extend([{ id: 'x', name: 'x', type: 'framework', match: { argv: ['(unclosed'] } }]),
    ).toThrow(/invalid argv expression/);

    const dir = mkdtempSync(join(tmpdir(), 'vigil-cat-'));
    const good = join(dir, 'sig.json');
    writeFileSync(
      good,
      JSON.stringify({
        schemaVersion: 1,
        version: 'acme-1',
        signatures: [
          { id: 'acme-gw', name: 'ACME gateway', type: 'llm-api', match: { hosts: ['gw.acme.example'] } },
        ],
      }),
    );
    const fromFile = cat.extend(await SignatureCatalogue.fromFile(good));
    expect(fromFile.version).toBe(`${BUILTIN_CATALOGUE_VERSION}+acme-1`);
    expect(fromFile.matchHost('gw.acme.example')?.signature.id).toBe('acme-gw');
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        schemaVersion: 1,
        version: 'x',
        signatures: [{ id: 'a', name: 'a', type: 'robot', match: {} }],
      }),
    );
    await expect(SignatureCatalogue.fromFile(bad)).rejects.toThrow(
      /bad\.json: invalid signature catalogue: signatures\[0\]\.type/,
    );
    writeFileSync(bad, '{');
    await expect(SignatureCatalogue.fromFile(bad)).rejects.toThrow(
      /bad\.json, line 1:2: signature catalogue is not valid JSON/,
    );
  });

  it('never throws from a matcher, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 0, max: 70000 }), (s, port) => {
        cat.matchPackage('npm', s);
        cat.matchPackage('pypi', s);
        cat.matchHost(s);
        cat.matchImage(s);
        cat.matchModelFile(s);
        cat.matchCommandLine(s.split(' '));
        cat.matchExecutable(s);
        cat.matchPort(port);
        npmPackageFromPath(s);
        pythonPackageFromPath(s);
        packagesInCommandLine(s.split(' '));
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects a document that is not a catalogue as a VigilError', () => {
    try {
      SignatureCatalogue.fromDocument({ schemaVersion: 2, version: 'x', signatures: [] }, 'x.json');
      expect.unreachable();
    } catch (e) {
      expect(isVigilError(e, 'SCHEMA_INVALID')).toBe(true);
    }
  });
});

describe('package identity from paths and command lines', () => {
  it.each([
    ['/app/node_modules/openai/index.js', 'openai', undefined],
    ['/app/node_modules/@langchain/core/dist/a.js', '@langchain/core', undefined],
    [
      '/app/node_modules/.pnpm/@langchain+core@1.4.0_zod@4/node_modules/@langchain/core/dist/a.js',
      '@langchain/core',
      '1.4.0',
    ],
    ['/app/node_modules/.pnpm/openai@7.57.0(zod@4.6.7)/node_modules/openai/index.mjs', 'openai', '7.57.0'],
    ['/app/node_modules/a/node_modules/b/x.js', 'b', undefined],
    [
      '/app/node_modules/.bin/../@modelcontextprotocol/server-filesystem/dist/index.js',
      '@modelcontextprotocol/server-filesystem',
      undefined,
    ],
  ])('npm %s', (path, name, version) => {
    expect(npmPackageFromPath(path)).toEqual({ ecosystem: 'npm', name, ...(version ? { version } : {}) });
  });

  it('ignores node_modules/.bin and .pnpm themselves', () => {
    expect(npmPackageFromPath('/app/node_modules/.bin/tsc')).toBeUndefined();
    expect(npmPackageFromPath('/app/node_modules/.pnpm/lock.yaml')).toBeUndefined();
    expect(npmPackageFromPath('/app/node_modules/@scope')).toBeUndefined();
  });

  it.each([
    ['/venv/lib/python3.11/site-packages/langchain_core/runnables/base.py', 'langchain_core', undefined],
    ['/usr/lib/python3/dist-packages/openai-1.54.0.dist-info/METADATA', 'openai', '1.54.0'],
    ['/venv/lib/python3.11/site-packages/torch/_C.cpython-311-x86_64-linux-gnu.so', 'torch', undefined],
    ['/venv/lib/python3.11/site-packages/six.py', 'six', undefined],
  ])('python %s', (path, name, version) => {
    expect(pythonPackageFromPath(path)).toEqual({ ecosystem: 'pypi', name, ...(version ? { version } : {}) });
  });

  it.each([
    [
      ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/data'],
      'npm',
      '@modelcontextprotocol/server-filesystem',
      undefined,
    ],
    [
      ['npx', '--yes', '@modelcontextprotocol/server-memory@2026.8.31'],
      'npm',
      '@modelcontextprotocol/server-memory',
      '2026.8.31',
    ],
    [['/usr/bin/npx', '-p', 'mcp-server-x@1.0.0', 'run-it'], 'npm', 'mcp-server-x', '1.0.0'],
    [['pnpm', 'dlx', 'mcp-server-kubernetes'], 'npm', 'mcp-server-kubernetes', undefined],
    [['npm', 'exec', '--', 'firecrawl-mcp'], 'npm', 'firecrawl-mcp', undefined],
    [['uvx', 'mcp-server-fetch'], 'pypi', 'mcp-server-fetch', undefined],
    [['uvx', '--from', 'mcp-server-git==0.6.2', 'mcp-server-git'], 'pypi', 'mcp-server-git', '0.6.2'],
    [['pipx', 'run', 'mcp-server-time'], 'pypi', 'mcp-server-time', undefined],
    [['uv', 'tool', 'run', 'mcp-server-sqlite'], 'pypi', 'mcp-server-sqlite', undefined],
    [['python3', '-m', 'mcp_server_fetch'], 'pypi', 'mcp-server-fetch', undefined],
    [
      ['node', '/x/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js', '/d'],
      'npm',
      '@modelcontextprotocol/server-filesystem',
      undefined,
    ],
  ] as const)('command line %j', (argv, ecosystem, name, version) => {
    expect(packagesInCommandLine(argv)[0]).toEqual({ ecosystem, name, ...(version ? { version } : {}) });
  });

  it('reads image repositories', () => {
    expect(imageRepository('postgres')).toBe('postgres');
    expect(imageRepository('localhost:5000/team/agent:1')).toBe('localhost:5000/team/agent');
  });
});

describe('container images in command lines', () => {
  it.each([
    [
      ['docker', 'run', '-i', '--rm', '-e', 'TOKEN', 'ghcr.io/github/github-mcp-server'],
      'ghcr.io/github/github-mcp-server',
    ],
    [
      ['/usr/bin/podman', 'container', 'run', '--name=x', '-v', '/a:/b', 'mcp/fetch:latest', '--flag'],
      'mcp/fetch:latest',
    ],
    [['nerdctl', 'run', '--', 'img'], 'img'],
    [['docker', 'ps'], undefined],
    [['node', 'x.js'], undefined],
  ] as const)('%j', (argv, image) => {
    expect(imageInCommandLine(argv)).toBe(image);
  });
});
