import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeclaredComponent,
  isVigilError,
  readDeclaredInput,
  streamDeclaredInput,
  VigilError,
} from '@vigil/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'vigil-declared-'));
let n = 0;
function file(name: string, content: string | Buffer): string {
  const sub = join(dir, String(n++));
  mkdirSync(sub, { recursive: true });
  const p = join(sub, name);
  writeFileSync(p, content);
  return p;
}

async function errorOf(p: Promise<unknown>): Promise<VigilError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VigilError) return e;
    throw new Error(`expected a VigilError, got ${String(e)}`);
  }
  throw new Error('expected an error');
}

const names = (items: DeclaredComponent[]) =>
  items.map((i) => (i.kind === 'mcp-server' ? i.configName : i.name));

describe('npm inputs', () => {
  it('reads every dependency field of package.json with lines and specifiers', async () => {
    const p = file(
      'package.json',
      JSON.stringify(
        {
          name: 'a',
          dependencies: { openai: '7.5.0', '@langchain/core': '^1.0.0' },
          devDependencies: { vitest: '4.0.0' },
        },
        null,
        2,
      ),
    );
    const items = await readDeclaredInput(p);
    expect(names(items)).toEqual(['openai', '@langchain/core', 'vitest']);
    expect(items[0]).toMatchObject({
      kind: 'package',
      version: '7.5.0',
      declaration: { input: 'package.json', line: 4, path: 'dependencies.openai', direct: true },
    });
    expect(items[1]?.version).toBeUndefined();
  });

  it('names the line and column of a JSON syntax error', async () => {
    const p = file('package.json', '{\n  "dependencies": {\n    "openai": "1.0.0",\n  }\n}\n');
    const err = await errorOf(readDeclaredInput(p));
    expect(err.code).toBe('PARSE');
    expect(err.message).toMatch(
      /package\.json, line 4:3: package\.json is not valid JSON: expected a string/,
    );
    const cut = file('package.json', '{ "dependencies": { "openai": "1.0');
    expect((await errorOf(readDeclaredInput(cut))).message).toMatch(/the document ends/);
  });

  it('rejects wrongly typed dependency maps, naming the path', async () => {
    const p = file('package.json', JSON.stringify({ dependencies: { openai: 7 } }));
    const err = await errorOf(readDeclaredInput(p));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toContain('dependencies.openai');
  });

  it('reads package-lock.json v3 (packages) and v1 (dependencies), marking direct dependencies', async () => {
    const v3 = file(
      'package-lock.json',
      JSON.stringify(
        {
          lockfileVersion: 3,
          packages: {
            '': { dependencies: { '@openai/agents': '0.20.0' } },
            'node_modules/@openai/agents': { version: '0.20.0' },
            'node_modules/openai': { version: '7.57.0' },
            'node_modules/foo/node_modules/openai': { version: '6.0.0' },
          },
        },
        null,
        2,
      ),
    );
    const items = await readDeclaredInput(v3);
    expect(items.map((i) => [i.name, i.version, i.declaration.direct])).toEqual([
      ['@openai/agents', '0.20.0', true],
      ['openai', '7.57.0', false],
      ['openai', '6.0.0', false],
    ]);
    const v1 = file(
      'package-lock.json',
      JSON.stringify({
        lockfileVersion: 1,
        dependencies: { langchain: { version: '0.1.0', dependencies: { openai: { version: '4.0.0' } } } },
      }),
    );
    expect((await readDeclaredInput(v1)).map((i) => [i.name, i.declaration.direct])).toEqual([
      ['langchain', true],
      ['openai', false],
    ]);
    const bad = file('package-lock.json', JSON.stringify({ lockfileVersion: 9, packages: {} }));
    expect((await errorOf(readDeclaredInput(bad))).message).toContain('lockfileVersion');
  });

  it('reads pnpm-lock.yaml v9 importers and packages', async () => {
    const p = file(
      'pnpm-lock.yaml',
      [
        "lockfileVersion: '9.0'",
        '',
        'importers:',
        '',
        '  .:',
        '    dependencies:',
        "      '@openai/agents':",
        '        specifier: 0.20.0',
        '        version: 0.20.0(ws@8.23.0)(zod@4.6.7)',
        '',
        'packages:',
        '',
        "  '@openai/agents@0.20.0':",
        '    resolution: {integrity: sha512-x}',
        '',
        '  openai@7.57.0:',
        '    resolution: {integrity: sha512-y}',
        '',
        '  /legacy@1.0.0(peer@2.0.0):',
        '    resolution: {integrity: sha512-z}',
        '',
        'snapshots:',
        '',
        '  openai@7.57.0(zod@4.6.7): {}',
        '',
      ].join('\n'),
    );
    const items = await readDeclaredInput(p);
    expect(items.map((i) => [i.name, i.version, i.declaration.line])).toEqual([
      ['@openai/agents', '0.20.0', 7],
      ['@openai/agents', '0.20.0', 13],
      ['openai', '7.57.0', 16],
      ['legacy', '1.0.0', 19],
    ]);
  });

  it('rejects a pnpm lockfile without lockfileVersion and names bad lines', async () => {
    expect((await errorOf(readDeclaredInput(file('pnpm-lock.yaml', 'packages:\n  a@1:\n')))).message).toMatch(
      /line 1: not a pnpm lockfile/,
    );
    const err = await errorOf(
      readDeclaredInput(file('pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages:\n  just some text\n")),
    );
    expect(err.message).toMatch(/pnpm-lock\.yaml, line 3: expected a package key/);
    const tab = await errorOf(
      readDeclaredInput(file('pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages:\n\ta@1.0.0:\n")),
    );
    expect(tab.message).toMatch(/line 3: tab used for indentation/);
  });

  it('reads yarn.lock v1 and Berry', async () => {
    const v1 = file(
      'yarn.lock',
      '# yarn lockfile v1\n\n"@langchain/core@^1.0.0", "@langchain/core@^1.1.0":\n  version "1.4.0"\n  resolved "x"\n\nopenai@^7:\n  version "7.57.0"\n',
    );
    expect((await readDeclaredInput(v1)).map((i) => [i.name, i.version])).toEqual([
      ['@langchain/core', '1.4.0'],
      ['openai', '7.57.0'],
    ]);
    const berry = file(
      'yarn.lock',
      '__metadata:\n  version: 8\n\n"openai@npm:^7.0.0":\n  version: 7.57.0\n  resolution: "openai@npm:7.57.0"\n',
    );
    expect((await readDeclaredInput(berry)).map((i) => [i.name, i.version])).toEqual([['openai', '7.57.0']]);
    const bad = await errorOf(readDeclaredInput(file('yarn.lock', 'openai@^7\n  version "1"\n')));
    expect(bad.message).toMatch(/yarn\.lock, line 1: expected an entry like "name@range:"/);
  });
});

describe('Python inputs', () => {
  it('reads requirements.txt: pins, ranges, extras, markers, continuations, eggs; skips options', async () => {
    const p = file(
      'requirements.txt',
      [
        '# comment',
        '-r base.txt',
        '--index-url https://example.invalid/simple',
        'langchain==0.3.1',
        'openai>=1.0,<2  # inline comment',
        'transformers[torch]==4.44.0 ; python_version >= "3.9"',
        'crewai \\',
        '  ==0.80.0',
        'git+https://example.invalid/x.git#egg=llama_index',
        'anthropic',
      ].join('\n'),
    );
    const items = await readDeclaredInput(p);
    expect(items.map((i) => [i.name, i.version, i.declaration.line])).toEqual([
      ['langchain', '0.3.1', 4],
      ['openai', undefined, 5],
      ['transformers', '4.44.0', 6],
      ['crewai', '0.80.0', 7],
      ['llama_index', undefined, 9],
      ['anthropic', undefined, 10],
    ]);
  });

  it('names the line of something that is not a requirement', async () => {
    const err = await errorOf(
      readDeclaredInput(file('requirements.txt', 'openai==1\n!!! not a requirement\n')),
    );
    expect(err.code).toBe('PARSE');
    expect(err.message).toMatch(/requirements\.txt, line 2: expected a requirement/);
  });

  it('reads poetry.lock and uv.lock (not the project itself)', async () => {
    const poetry = file(
      'poetry.lock',
      '[[package]]\nname = "langchain-core"\nversion = "0.3.15"\ndescription = "x"\n\n[package.dependencies]\nopenai = ">=1"\n\n[[package]]\nname = "openai"\nversion = "1.54.0"\n\n[metadata]\nlock-version = "2.0"\n',
    );
    expect((await readDeclaredInput(poetry)).map((i) => [i.name, i.version, i.declaration.line])).toEqual([
      ['langchain-core', '0.3.15', 1],
      ['openai', '1.54.0', 9],
    ]);
    const uv = file(
      'uv.lock',
      'version = 1\n\n[[package]]\nname = "my-agent"\nversion = "0.1.0"\nsource = { editable = "." }\ndependencies = [\n    { name = "anthropic" },\n]\n\n[[package]]\nname = "anthropic"\nversion = "0.39.0"\nsource = { registry = "https://pypi.org/simple" }\n',
    );
    expect((await readDeclaredInput(uv)).map((i) => i.name)).toEqual(['anthropic']);
  });

  it('rejects broken TOML lockfiles with the line', async () => {
    const unterminated = await errorOf(
      readDeclaredInput(file('poetry.lock', '[[package]]\nname = "openai\nversion = "1"\n')),
    );
    expect(unterminated.message).toMatch(/poetry\.lock, line 2: expected a quoted string for name/);
    const noName = await errorOf(readDeclaredInput(file('uv.lock', '[[package]]\nversion = "1"\n')));
    expect(noName.message).toMatch(/uv\.lock, line 1: a \[\[package\]\] entry has no name/);
    const empty = await errorOf(readDeclaredInput(file('poetry.lock', '# nothing\n')));
    expect(empty.message).toMatch(/no \[\[package\]\] entries/);
  });
});

describe('MCP client configurations', () => {
  it('reads the mcpServers shape (Claude Desktop, Cursor, Windsurf, Gemini CLI) without keeping env values', async () => {
    const p = file(
      'claude_desktop_config.json',
      JSON.stringify(
        {
          mcpServers: {
            filesystem: {
              command: 'npx',
              args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me'],
            },
            github: {
              command: 'docker',
              args: ['run', '-i', 'ghcr.io/github/github-mcp-server'],
              env: { GITHUB_TOKEN: 'ghp_secret' },
            },
            remote: { url: 'https://mcp.example.invalid/sse' },
            windsurfRemote: { serverUrl: 'https://mcp.example.invalid/mcp' },
            geminiHttp: { httpUrl: 'https://mcp.example.invalid/http' },
          },
        },
        null,
        2,
      ),
    );
    const items = await readDeclaredInput(p);
    expect(names(items)).toEqual(['filesystem', 'github', 'remote', 'windsurfRemote', 'geminiHttp']);
    expect(items[0]).toMatchObject({
      command: 'npx',
      declaration: { path: 'mcpServers.filesystem', line: 3 },
      properties: { client: 'claude-desktop', transport: 'stdio' },
    });
    expect(items[1]?.properties).toMatchObject({ envKeys: 'GITHUB_TOKEN' });
    expect(JSON.stringify(items)).not.toContain('ghp_secret');
    expect(
      items.slice(2).map((i) => (i.kind === 'mcp-server' ? [i.url, i.properties?.['transport']] : [])),
    ).toEqual([
      ['https://mcp.example.invalid/sse', 'sse'],
      ['https://mcp.example.invalid/mcp', 'http'],
      ['https://mcp.example.invalid/http', 'http'],
    ]);
  });

  it('reads VS Code servers, settings mcp.servers and Claude Code per-project servers', async () => {
    const vs = join(dir, 'ws', '.vscode');
    mkdirSync(vs, { recursive: true });
    writeFileSync(
      join(vs, 'mcp.json'),
      JSON.stringify({
        inputs: [],
        servers: {
          memory: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
        },
      }),
    );
    const a = await readDeclaredInput(join(vs, 'mcp.json'));
    expect(a[0]).toMatchObject({
      configName: 'memory',
      properties: { client: 'vscode', transport: 'stdio' },
      declaration: { path: 'servers.memory' },
    });
    const settings = file(
      'settings.json',
      JSON.stringify({
        'editor.fontSize': 12,
        mcp: { servers: { fetch: { command: 'uvx', args: ['mcp-server-fetch'] } } },
      }),
    );
    expect((await readDeclaredInput(settings))[0]?.declaration.path).toBe('mcp.servers.fetch');
    const claude = file(
      '.claude.json',
      JSON.stringify({
        projects: {
          '/work/app': {
            mcpServers: {
              pg: { type: 'stdio', command: 'npx', args: ['@modelcontextprotocol/server-postgres'] },
            },
          },
        },
      }),
    );
    expect((await readDeclaredInput(claude))[0]?.declaration.path).toBe('projects./work/app.mcpServers.pg');
  });

  it('rejects entries with neither a command nor a URL, naming the server and line', async () => {
    const p = file(
      'mcp.json',
      '{\n  "mcpServers": {\n    "ok": { "command": "x" },\n    "broken": { "args": ["y"] }\n  }\n}\n',
    );
    const err = await errorOf(readDeclaredInput(p));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toMatch(
      /mcp\.json, line 4: invalid MCP client configuration: mcpServers\.broken: expected "command"/,
    );
    const notMcp = await errorOf(readDeclaredInput(file('mcp.json', '{"hello": 1}')));
    expect(notMcp.message).toMatch(/expected "mcpServers" or "servers"/);
    const wrongArgs = await errorOf(
      readDeclaredInput(file('mcp.json', '{"mcpServers": {"a": {"command": "x", "args": "y"}}}')),
    );
    expect(wrongArgs.message).toContain('mcpServers.a.args');
  });
});

describe('Kubernetes manifests', () => {
  it('reads images from every workload kind across documents, with lines and paths', async () => {
    const p = file(
      'deploy.yaml',
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: agent, namespace: ai}',
        'spec:',
        '  template:',
        '    spec:',
        '      initContainers:',
        '        - name: fetch-model',
        '          image: busybox:1.36',
        '      containers:',
        '        - name: agent',
        '          image: ghcr.io/acme/agent:1.2',
        '        - name: ollama',
        '          image: ollama/ollama:0.5.1',
        '---',
        '# a comment-only document',
        '---',
        'apiVersion: batch/v1',
        'kind: CronJob',
        'metadata: {name: reindex}',
        'spec:',
        '  jobTemplate:',
        '    spec:',
        '      template:',
        '        spec:',
        '          containers:',
        '            - name: q',
        '              image: "qdrant/qdrant:v1.12.0"',
      ].join('\n'),
    );
    const items = await readDeclaredInput(p);
    expect(items.map((i) => [i.name, i.declaration.line, i.declaration.path])).toEqual([
      ['busybox:1.36', 9, 'spec.template.spec.initContainers[0].image'],
      ['ghcr.io/acme/agent:1.2', 12, 'spec.template.spec.containers[0].image'],
      ['ollama/ollama:0.5.1', 14, 'spec.template.spec.containers[1].image'],
      ['qdrant/qdrant:v1.12.0', 28, 'spec.jobTemplate.spec.template.spec.containers[0].image'],
    ]);
    expect(items[2]?.properties).toMatchObject({
      workloadKind: 'Deployment',
      workloadName: 'agent',
      namespace: 'ai',
      container: 'ollama',
    });
  });

  it('names the file and line of YAML errors, and rejects documents that are not Kubernetes objects', async () => {
    const bad = file(
      'x.yaml',
      'apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers: [\n',
    );
    const err = await errorOf(readDeclaredInput(bad));
    expect(err.code).toBe('PARSE');
    expect(err.message).toMatch(/x\.yaml, line \d+(:\d+)?: invalid YAML in document 2/);
    expect(err.location?.line).toBeGreaterThanOrEqual(4);
    const notK8s = await errorOf(readDeclaredInput(file('x.yaml', 'just: a map\n')));
    expect(notK8s.message).toMatch(/line 1: document 1 has no "kind" and "apiVersion"/);
    const dup = await errorOf(readDeclaredInput(file('x.yaml', 'apiVersion: v1\nkind: Pod\nkind: Pod\n')));
    expect(dup.code).toBe('PARSE');
  });

  it('refuses a billion-laughs alias bomb instead of expanding it', async () => {
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) {
      const prev = String.fromCharCode(97 + i);
      const cur = String.fromCharCode(98 + i);
      lines.push(
        `${cur}: &${cur} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`,
      );
    }
    const err = await errorOf(readDeclaredInput(file('bomb.yaml', `${lines.join('\n')}\n`)));
    expect(err.code).toBe('PARSE');
  });
});

describe('hostile and huge input', () => {
  it('refuses a JSON input over the size bound before reading it', async () => {
    const p = file(
      'package-lock.json',
      `{"lockfileVersion":3,"packages":{${'"node_modules/x":{"version":"1.0.0"},'.repeat(2000)}"":{}}}`,
    );
    const err = await errorOf(readDeclaredInput(p, { maxJsonBytes: 4096 }));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toMatch(/over the 4096-byte limit/);
  });

  it('refuses an over-long line in line-based formats', async () => {
    const p = file('requirements.txt', `openai==1\n${'a'.repeat(200_000)}\n`);
    const err = await errorOf(readDeclaredInput(p, { maxLineBytes: 65_536 }));
    expect(err.message).toMatch(/requirements\.txt, line 2: line longer than 65536 bytes/);
  });

  it('streams a 40 MB pnpm lockfile and a 300,000-entry poetry.lock without holding them', async () => {
    const p = join(dir, 'huge', 'pnpm-lock.yaml');
    mkdirSync(join(dir, 'huge'), { recursive: true });
    const out = createWriteStream(p);
    out.write("lockfileVersion: '9.0'\n\npackages:\n\n");
    const entries = 400_000;
    for (let i = 0; i < entries; i++) {
      if (!out.write(`  pkg-${i}@1.0.${i}:\n    resolution: {integrity: sha512-${'A'.repeat(40)}}\n\n`))
        await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const size = statSync(p).size;
    expect(size).toBeGreaterThan(30_000_000);
    let count = 0;
    let last = '';
    for await (const item of streamDeclaredInput(p)) {
      count++;
      last = item.name;
    }
    expect(count).toBe(entries);
    expect(last).toBe(`pkg-${entries - 1}`);

    const q = join(dir, 'huge', 'poetry.lock');
    const out2 = createWriteStream(q);
    for (let i = 0; i < 300_000; i++) {
      if (!out2.write(`[[package]]\nname = "p${i}"\nversion = "1.${i}"\n\n`)) await once(out2, 'drain');
    }
    out2.end();
    await once(out2, 'finish');
    let c2 = 0;
    for await (const _ of streamDeclaredInput(q)) c2++;
    expect(c2).toBe(300_000);
  }, 120_000);

  const KINDS: [string, string][] = [
    ['package.json', '{"dependencies":{"openai":"1.0.0"}}'],
    ['package-lock.json', '{"lockfileVersion":3,"packages":{"node_modules/openai":{"version":"1.0.0"}}}'],
    ['pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages:\n  openai@1.0.0:\n    resolution: {}\n"],
    ['yarn.lock', 'openai@^1:\n  version "1.0.0"\n'],
    ['requirements.txt', 'openai==1.0.0\n'],
    ['poetry.lock', '[[package]]\nname = "openai"\nversion = "1.0.0"\n'],
    ['uv.lock', '[[package]]\nname = "openai"\nversion = "1.0.0"\n'],
    ['mcp.json', '{"mcpServers":{"a":{"command":"npx","args":["x"]}}}'],
    ['k8s.yaml', 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: ollama/ollama\n'],
    [
      'pyproject.toml',
      '[project]\ndependencies = [\n  "openai==1.0.0",\n]\n[tool.poetry.dependencies]\ncrewai = "1"\n',
    ],
  ];

  it('on arbitrary bytes, every reader yields components or throws a located VigilError, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KINDS.map((k) => k[0])),
        fc.uint8Array({ maxLength: 2048 }),
        async (kind, bytes) => {
          const p = file(kind, Buffer.from(bytes));
          try {
            await readDeclaredInput(p);
          } catch (e) {
            expect(isVigilError(e)).toBe(true);
            expect((e as VigilError).location?.file).toBe(p);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('on truncations and single-byte corruptions of valid inputs, the same holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KINDS),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        async ([kind, text], cutAt, at, byte) => {
          const buf = Buffer.from(text);
          const cut = buf.subarray(0, cutAt % (buf.length + 1));
          const corrupt = Buffer.from(buf);
          corrupt[at % buf.length] = byte;
          for (const content of [cut, corrupt]) {
            const p = file(kind, content);
            try {
              const items = await readDeclaredInput(p);
              for (const i of items) expect(i.declaration.file).toBe(p);
            } catch (e) {
              expect(isVigilError(e)).toBe(true);
              expect((e as VigilError).location?.file).toBe(p);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses names it cannot classify', async () => {
    const err = await errorOf(readDeclaredInput(file('Gemfile', 'gem "x"')));
    expect(err.code).toBe('USAGE');
  });
});

describe('pyproject.toml', () => {
  it('reads PEP 621 dependencies and extras, PEP 735 groups and Poetry tables', async () => {
    const p = file(
      'pyproject.toml',
      [
        '[project]',
        'name = "my-agent"',
        'dependencies = [',
        '    "langgraph>=0.2",  # the graph',
        '    \'openai==1.54.0\', "anthropic"',
        ']',
        '',
        '[project.optional-dependencies]',
        'rag = ["qdrant-client>=1.12", "llama-index"]',
        '',
        '[dependency-groups]',
        'dev = [',
        '  "pytest>=8",',
        '  {include-group = "lint"},',
        ']',
        '',
        '[tool.poetry.dependencies]',
        'python = "^3.11"',
        'crewai = "0.80.0"',
        'transformers = { version = "^4.44", extras = ["torch"] }',
        '',
        '[tool.ruff]',
        'line-length = 100',
      ].join('\n'),
    );
    const items = await readDeclaredInput(p);
    expect(items.map((i) => [i.name, i.version, i.declaration.line, i.declaration.path])).toEqual([
      ['langgraph', undefined, 4, 'project.dependencies'],
      ['openai', '1.54.0', 5, 'project.dependencies'],
      ['anthropic', undefined, 5, 'project.dependencies'],
      ['qdrant-client', undefined, 9, 'project.optional-dependencies.rag'],
      ['llama-index', undefined, 9, 'project.optional-dependencies.rag'],
      ['pytest', undefined, 13, 'dependency-groups.dev'],
      ['crewai', '0.80.0', 19, 'tool.poetry.dependencies.crewai'],
      ['transformers', undefined, 20, 'tool.poetry.dependencies.transformers'],
    ]);
  });

  it('names the line of a broken dependency array', async () => {
    const open = await errorOf(
      readDeclaredInput(file('pyproject.toml', '[project]\ndependencies = [\n  "openai",\n')),
    );
    expect(open.message).toMatch(/pyproject\.toml, line 2: the project\.dependencies array is not closed/);
    const junk = await errorOf(
      readDeclaredInput(file('pyproject.toml', '[project]\ndependencies = [\n  openai\n]\n')),
    );
    expect(junk.message).toMatch(
      /pyproject\.toml, line 3: expected quoted requirements in project\.dependencies/,
    );
    const bad = await errorOf(
      readDeclaredInput(file('pyproject.toml', '[project]\ndependencies = ["!!!"]\n')),
    );
    expect(bad.message).toMatch(/line 2: expected a requirement like "name>=1.0" in project\.dependencies/);
  });
});
