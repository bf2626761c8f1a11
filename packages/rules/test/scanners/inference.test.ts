import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { severityRank, VigilError } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assessInferenceLaunch,
  createInferenceServerScanner,
  type InferenceIssueKind,
  type InferenceServerLaunch,
  inferenceServerOf,
  launchesInSystemdUnit,
  launchesInYaml,
  scanPaths,
  splitCommandLine,
} from '../../src/index.js';
import { buildSupplyCorpus } from './supply-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-inference-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = buildSupplyCorpus(join(dir, 'corpus'));

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

describe('inferenceServerOf', () => {
  it.each([
    [['vllm', 'serve', 'org/m'], undefined, 'vllm'],
    [['/usr/bin/python3', '/tmp/bin/vllm', 'serve', 'org/m'], undefined, 'vllm'],
    [['python3', '-m', 'vllm.entrypoints.openai.api_server', '--model', 'x'], undefined, 'vllm'],
    [['text-generation-launcher', '--model-id', 'x'], undefined, 'tgi'],
    [['ollama', 'serve'], undefined, 'ollama'],
    [['/usr/local/bin/llama-server', '-m', 'x.gguf'], undefined, 'llama.cpp'],
    [['python', '-m', 'llama_cpp.server'], undefined, 'llama.cpp'],
    [['tritonserver', '--model-repository=/m'], undefined, 'triton'],
    [['local-ai', 'run'], undefined, 'localai'],
    [['--model', 'x'], 'vllm/vllm-openai:v0.6.3', 'vllm'],
    [[], 'ollama/ollama:0.3.14', 'ollama'],
    [['/bin/sh', '-c', 'exec vllm serve org/m'], undefined, 'vllm'],
    [['/bin/sh', '-c', 'vllm serve org/m --host 0.0.0.0'], undefined, 'vllm'],
    [['/usr/bin/env', 'HF_HOME=/x', 'python3', '/opt/bin/vllm', 'serve', 'org/m'], undefined, 'vllm'],
  ] as const)('%j (%s) is %s', (argv, image, kind) => {
    expect(inferenceServerOf(argv, image)).toBe(kind);
  });
  it.each([
    [['ollama', 'list']],
    [['vllm-tool', 'serve']],
    [['python3', 'serve.py', 'vllm']],
    [['nginx', '-g', 'daemon off;']],
    [['ls', '/usr/bin/vllm']],
  ])('%j is not an inference server', (argv) => {
    expect(inferenceServerOf(argv)).toBeUndefined();
  });
});

function kinds(
  l: Partial<InferenceServerLaunch> & Pick<InferenceServerLaunch, 'server' | 'argv'>,
): InferenceIssueKind[] {
  return assessInferenceLaunch({ env: {}, ...l })
    .map((i) => i.kind)
    .sort();
}

describe('assessInferenceLaunch', () => {
  it.each<
    [
      string,
      Partial<InferenceServerLaunch> & Pick<InferenceServerLaunch, 'server' | 'argv'>,
      InferenceIssueKind[],
    ]
  >([
    [
      'vLLM with remote code, default host, Hub repo without revision',
      { server: 'vllm', argv: ['vllm', 'serve', 'org/m', '--trust-remote-code'] },
      ['exposed-no-auth', 'remote-code', 'unpinned-model'],
    ],
    [
      'vLLM --trust-remote-code=false',
      { server: 'vllm', argv: ['vllm', 'serve', '/m', '--trust-remote-code=false', '--host', '127.0.0.1'] },
      [],
    ],
    [
      'vLLM with --api-key on 0.0.0.0',
      { server: 'vllm', argv: ['vllm', 'serve', '/m', '--host', '0.0.0.0', '--api-key', 'k'] },
      [],
    ],
    [
      'vLLM with VLLM_API_KEY',
      { server: 'vllm', argv: ['vllm', 'serve', '/m'], env: { VLLM_API_KEY: 'k' } },
      [],
    ],
    ['vLLM on ::', { server: 'vllm', argv: ['vllm', 'serve', '/m', '--host=::'] }, ['exposed-no-auth']],
    [
      'vLLM pinned to a commit',
      { server: 'vllm', argv: ['vllm', 'serve', 'org/m', '--revision', COMMIT, '--host', '127.0.0.1'] },
      [],
    ],
    [
      'vLLM at revision main',
      { server: 'vllm', argv: ['vllm', 'serve', 'org/m', '--revision', 'main', '--host', '127.0.0.1'] },
      ['unpinned-model'],
    ],
    [
      'vLLM dev mode and runtime LoRA',
      {
        server: 'vllm',
        argv: ['vllm', 'serve', '/m', '--host', '127.0.0.1'],
        env: { VLLM_SERVER_DEV_MODE: '1', VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True' },
      },
      ['admin-endpoint', 'admin-endpoint'],
    ],
    [
      'vLLM dev mode off',
      {
        server: 'vllm',
        argv: ['vllm', 'serve', '/m', '--host', '127.0.0.1'],
        env: { VLLM_SERVER_DEV_MODE: '0' },
      },
      [],
    ],
    [
      'TGI TRUST_REMOTE_CODE',
      {
        server: 'tgi',
        argv: ['text-generation-launcher', '--api-key', 'k', '--model-id', '/data/m'],
        env: { TRUST_REMOTE_CODE: 'true' },
      },
      ['remote-code'],
    ],
    [
      'TGI default host without key',
      { server: 'tgi', argv: ['text-generation-launcher', '--model-id', '/data/m'] },
      ['exposed-no-auth'],
    ],
    ['Ollama default', { server: 'ollama', argv: ['ollama', 'serve'] }, []],
    [
      'Ollama OLLAMA_HOST=0.0.0.0',
      { server: 'ollama', argv: ['ollama', 'serve'], env: { OLLAMA_HOST: '0.0.0.0' } },
      ['exposed-no-auth'],
    ],
    [
      'Ollama OLLAMA_HOST=http://[::]:11434',
      { server: 'ollama', argv: ['ollama', 'serve'], env: { OLLAMA_HOST: 'http://[::]:11434' } },
      ['exposed-no-auth'],
    ],
    [
      'Ollama OLLAMA_HOST=127.0.0.1:11434',
      { server: 'ollama', argv: ['ollama', 'serve'], env: { OLLAMA_HOST: '127.0.0.1:11434' } },
      [],
    ],
    [
      'Ollama origins *',
      { server: 'ollama', argv: ['ollama', 'serve'], env: { OLLAMA_ORIGINS: 'http://a,*' } },
      ['admin-endpoint'],
    ],
    ['Ollama pull untagged', { server: 'ollama', argv: ['ollama', 'pull', 'llama3'] }, ['unpinned-model']],
    [
      'Ollama pull :latest',
      { server: 'ollama', argv: ['ollama', 'pull', 'llama3:latest'] },
      ['unpinned-model'],
    ],
    [
      'Ollama pull a version tag',
      { server: 'ollama', argv: ['ollama', 'pull', 'llama3:8b-instruct-q4_0'] },
      [],
    ],
    [
      'llama.cpp --host 0.0.0.0',
      { server: 'llama.cpp', argv: ['llama-server', '-m', 'a.gguf', '--host', '0.0.0.0'] },
      ['exposed-no-auth'],
    ],
    [
      'llama.cpp --host 0.0.0.0 --api-key',
      { server: 'llama.cpp', argv: ['llama-server', '-m', 'a.gguf', '--host', '0.0.0.0', '--api-key', 'k'] },
      [],
    ],
    ['llama.cpp default host', { server: 'llama.cpp', argv: ['llama-server', '-m', 'a.gguf'] }, []],
    [
      'llama.cpp -hf repo',
      { server: 'llama.cpp', argv: ['llama-server', '-hf', 'ggml-org/gemma-3-1b-it-GGUF:Q4_K_M'] },
      ['unpinned-model'],
    ],
    [
      'llama.cpp http model URL',
      { server: 'llama.cpp', argv: ['llama-server', '--model-url', 'http://x/a.gguf'] },
      ['unpinned-model'],
    ],
    [
      'llama.cpp --props',
      { server: 'llama.cpp', argv: ['llama-server', '-m', 'a.gguf', '--props'] },
      ['admin-endpoint'],
    ],
    [
      'Triton explicit model control',
      {
        server: 'triton',
        argv: ['tritonserver', '--model-control-mode=explicit', '--http-address=127.0.0.1'],
      },
      ['admin-endpoint'],
    ],
    [
      'Triton explicit with a restricted API',
      {
        server: 'triton',
        argv: [
          'tritonserver',
          '--model-control-mode=explicit',
          '--http-address=127.0.0.1',
          '--http-restricted-api=model-repository:admin-key=s3cret',
        ],
      },
      [],
    ],
    [
      'Triton default address',
      { server: 'triton', argv: ['tritonserver', '--model-repository=/m'] },
      ['exposed-no-auth'],
    ],
    ['LocalAI default address', { server: 'localai', argv: ['local-ai'] }, ['exposed-no-auth']],
    [
      'LocalAI with LOCALAI_API_KEY',
      { server: 'localai', argv: ['local-ai'], env: { LOCALAI_API_KEY: 'k' } },
      [],
    ],
    [
      'image :latest',
      { server: 'vllm', argv: ['--model', '/m', '--host', '127.0.0.1'], image: 'vllm/vllm-openai:latest' },
      ['unpinned-image'],
    ],
    [
      'image by digest',
      {
        server: 'vllm',
        argv: ['--model', '/m', '--host', '127.0.0.1'],
        image: `vllm/vllm-openai@sha256:${'a'.repeat(64)}`,
      },
      [],
    ],
    [
      'untagged image with a registry port',
      { server: 'ollama', argv: [], image: 'registry:5000/ollama/ollama' },
      ['unpinned-image'],
    ],
  ])('%s', (_name, launch, expected) => {
    expect(kinds(launch)).toEqual([...expected].sort());
  });
});

describe('configuration readers', () => {
  it('splits command strings like a shell for the simple cases', () => {
    expect(splitCommandLine(`vllm serve "org/m x" --x 'a b' c\\ d ""`)).toEqual([
      'vllm',
      'serve',
      'org/m x',
      '--x',
      'a b',
      'c d',
      '',
    ]);
  });

  it('reads Kubernetes containers with JSON pointers and lines, multi-document', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: ollama/ollama:0.3.14\n      env:\n        - {name: OLLAMA_HOST, value: "0.0.0.0"}\n      envFrom: [{secretRef: {name: s}}]\n`;
    const found = launchesInYaml(text, 'pods.yaml');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      jsonPointer: '/1/spec/containers/0',
      line: 10,
      format: 'kubernetes',
      name: 'a',
      envIncomplete: true,
      launch: { server: 'ollama', env: { OLLAMA_HOST: '0.0.0.0' } },
    });
  });

  it('reads Compose services with list and map environments', () => {
    const found = launchesInYaml(
      'services:\n  a:\n    image: ollama/ollama:0.3.14\n    environment: [OLLAMA_HOST=0.0.0.0, OTHER]\n  b:\n    command: vllm serve org/m --host 0.0.0.0\n    environment: {VLLM_API_KEY: k}\n',
      'compose.yaml',
    );
    expect(found.map((f) => [f.name, f.launch.server, f.jsonPointer])).toEqual([
      ['a', 'ollama', '/services/a'],
      ['b', 'vllm', '/services/b'],
    ]);
    expect(found[1]!.launch.env).toEqual({ VLLM_API_KEY: 'k' });
  });

  it('reads the server inside an sh -c container command', () => {
    const found = launchesInYaml(
      'kind: Pod\nspec:\n  containers:\n    - name: v\n      image: vllm/vllm-openai:v0.6.3\n      command: ["/bin/sh", "-c", "vllm serve org/m --trust-remote-code"]\n',
      'sh.yaml',
    );
    expect(found[0]!.launch.argv).toEqual(['vllm', 'serve', 'org/m', '--trust-remote-code']);
    expect(assessInferenceLaunch(found[0]!.launch).map((i) => i.kind)).toContain('remote-code');
  });

  it('reads systemd ExecStart and Environment', () => {
    const found = launchesInSystemdUnit(
      '[Service]\nEnvironment="OLLAMA_HOST=0.0.0.0" "X=1"\nExecStart=-/usr/bin/ollama serve\n',
      '/etc/systemd/system/ollama.service',
    );
    expect(found).toEqual([
      expect.objectContaining({
        line: 3,
        name: 'ollama.service',
        launch: {
          server: 'ollama',
          argv: ['/usr/bin/ollama', 'serve'],
          env: { OLLAMA_HOST: '0.0.0.0', X: '1' },
        },
      }),
    ]);
    expect(launchesInSystemdUnit('[Service]\nExecStart=/usr/bin/nginx\n', 'n.service')).toEqual([]);
  });

  it('malformed YAML is a VigilError naming the file and line', () => {
    try {
      launchesInYaml('kind: Pod\nspec:\n  containers: [\n', 'broken.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(VigilError);
      expect((err as VigilError).message).toContain('broken.yaml');
      expect((err as VigilError).location?.line).toBeGreaterThan(0);
    }
  });

  it('a YAML alias bomb is refused, not expanded', () => {
    const bomb = `kind: Pod\na: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`;
    expect(() => launchesInYaml(bomb, 'bomb.yaml')).toThrow(VigilError);
  });
});

describe('the inference server scanner on the corpus', () => {
  it('flags every bad configuration at medium or above and no good one', async () => {
    const scanner = createInferenceServerScanner();
    const bad = Object.values(corpus.bad).filter((p) => !/\.(txt|lock)$/.test(p));
    const result = await scanPaths(bad, { scanners: [scanner] });
    expect(result.errors).toEqual([]);
    for (const p of bad) {
      const mine = result.findings.filter((f) => f.evidence[0]?.uri === p);
      expect(mine.length, p).toBeGreaterThan(0);
      expect(Math.max(...mine.map((f) => severityRank(f.severity))), p).toBeGreaterThanOrEqual(
        severityRank('medium'),
      );
      for (const f of mine) expect(f.summary).toMatch(/no capture to tell whether it ran/);
    }
    const vllm = result.findings
      .filter((f) => f.evidence[0]?.uri === corpus.bad.vllmK8s)
      .map((f) => f.ruleId);
    expect(vllm.sort()).toEqual([
      'vigil.scan.inference-exposed',
      'vigil.scan.inference-remote-code',
      'vigil.scan.inference-unpinned-model',
    ]);
    const first = result.findings.find((f) => f.evidence[0]?.uri === corpus.bad.vllmK8s)!;
    expect(first.evidence[0]).toMatchObject({ jsonPointer: '/spec/template/spec/containers/0', line: 8 });

    const good = await scanPaths([join(dir, 'corpus/good')], { scanners: [scanner] });
    expect(good.errors).toEqual([]);
    expect(good.findings.map((f) => `${f.severity} ${f.summary}`)).toEqual([]);
  });

  it('says whether the server was seen running in the captures', async () => {
    const launch: InferenceServerLaunch = {
      server: 'vllm',
      argv: [
        '/usr/bin/python3',
        '/tmp/bin/vllm',
        'serve',
        'org/m',
        '--trust-remote-code',
        '--host',
        '0.0.0.0',
      ],
      env: {},
    };
    const scanner = createInferenceServerScanner({
      captured: [{ launch, uri: 'run.vcap', workload: 'host:vllm', pid: 4242, ts: 1.7e18 }],
      observedEvents: 300,
    });
    const result = await scanPaths([corpus.bad.vllmK8s, corpus.bad.ollamaCompose], { scanners: [scanner] });
    const k8s = result.findings.filter((f) => f.evidence[0]?.uri === corpus.bad.vllmK8s);
    for (const f of k8s) expect(f.summary).toMatch(/vllm seen running: pid 4242 in host:vllm/);
    const ollama = result.findings.filter((f) => f.evidence[0]?.uri === corpus.bad.ollamaCompose);
    for (const f of ollama)
      expect(f.summary).toMatch(
        /not seen running: no ollama process was seen running in 300 observed events/,
      );
    const live = result.findings.filter((f) => f.evidence[0]?.uri === 'run.vcap');
    expect(live.map((f) => f.ruleId).sort()).toEqual([
      'vigil.scan.inference-exposed',
      'vigil.scan.inference-remote-code',
      'vigil.scan.inference-unpinned-model',
    ]);
    for (const f of live) expect(f.summary).toMatch(/seen running: pid 4242/);
  });
});
