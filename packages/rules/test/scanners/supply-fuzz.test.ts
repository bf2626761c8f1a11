import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VigilError } from '@vigil/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AdvisoryIndex,
  AdvisorySetSchema,
  assessInferenceLaunch,
  comparePep440,
  createAdvisoryScanner,
  createInferenceServerScanner,
  cvss3BaseScore,
  inferenceServerOf,
  inOsvRange,
  launchesInSystemdUnit,
  launchesInYaml,
  parsePep440,
  scanPaths,
  shippedAdvisories,
  splitCommandLine,
} from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-supply-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `fn`; anything thrown must be a VigilError that names the file. */
function onlyVigilErrors(fn: () => unknown, file: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).message + JSON.stringify((err as VigilError).location ?? {})).toContain(file);
  }
}

const FLAGS = [
  'vllm',
  'serve',
  'ollama',
  'llama-server',
  'tritonserver',
  'local-ai',
  'text-generation-launcher',
  'python3',
  '-m',
  'vllm.entrypoints.openai.api_server',
  '--trust-remote-code',
  '--host',
  '0.0.0.0',
  '::',
  '--api-key',
  '--revision',
  '--model',
  'org/m',
  'http://x/m.gguf',
  '-hf',
  '--model-control-mode=explicit',
  '--props',
  'sh',
  '-c',
  'env',
  'exec',
];
const word = fc.oneof(fc.constantFrom(...FLAGS), fc.string({ maxLength: 40 }));
const envEntry = fc.tuple(
  fc.constantFrom(
    'OLLAMA_HOST',
    'VLLM_API_KEY',
    'TRUST_REMOTE_CODE',
    'VLLM_SERVER_DEV_MODE',
    'OLLAMA_ORIGINS',
    'MODEL_ID',
    'X',
  ),
  fc.string({ maxLength: 30 }),
);

describe('hostile input to the supply-chain parsers, in bounded time and memory', () => {
  it('PEP 440: parse never throws; the order is antisymmetric and transitive on what parses', () => {
    const version = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc
        .tuple(
          fc.array(fc.nat(30), { minLength: 1, maxLength: 4 }),
          fc.constantFrom('', 'a1', 'b2', 'rc1', '.dev3', '.post1', '.post1.dev2', '+local.7', 'rc1.post2'),
        )
        .map(([r, s]) => `${r.join('.')}${s}`),
    );
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        const [x, y, z] = [parsePep440(a), parsePep440(b), parsePep440(c)];
        if (!x || !y || !z) return;
        // Summed, not compared with toBe: Object.is tells 0 from -0.
        expect(Math.sign(comparePep440(x, y)) + Math.sign(comparePep440(y, x))).toBe(0);
        if (comparePep440(x, y) <= 0 && comparePep440(y, z) <= 0)
          expect(comparePep440(x, z)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('OSV ranges: any events and versions give true, false or undefined, never an exception', () => {
    const event = fc.oneof(
      fc.record({ introduced: fc.oneof(fc.constant('0'), fc.string({ maxLength: 12 })) }),
      fc.record({ fixed: fc.string({ minLength: 1, maxLength: 12 }) }),
      fc.record({ last_affected: fc.string({ minLength: 1, maxLength: 12 }) }),
      fc.record({ limit: fc.string({ minLength: 1, maxLength: 12 }) }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('npm', 'pypi' as const),
        fc.string({ maxLength: 16 }),
        fc.array(event, { maxLength: 8 }),
        (eco, v, events) => {
          expect([true, false, undefined]).toContain(inOsvRange(eco as 'npm' | 'pypi', v, events));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('advisory sets: the schema accepts or rejects with issues, never throws otherwise; accepted sets index', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.constant(shippedAdvisories())), (doc) => {
        const r = AdvisorySetSchema.safeParse(doc);
        if (r.success) new AdvisoryIndex(r.data.advisories).match('pypi', 'torch', '1.0.0');
        else expect(r.error.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('CVSS vectors: a score in 0-10 or undefined', () => {
    const part = fc.tuple(
      fc.constantFrom('AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A', 'X'),
      fc.constantFrom('N', 'L', 'H', 'A', 'P', 'R', 'U', 'C', 'Z'),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 10 }), fc.string({ maxLength: 20 }), (parts, junk) => {
        for (const v of [`CVSS:3.1/${parts.map(([k, x]) => `${k}:${x}`).join('/')}`, junk]) {
          const s = cvss3BaseScore(v);
          if (s !== undefined) expect(s >= 0 && s <= 10).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('command lines and launches: split, recognise and assess any argv and environment', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.array(word, { maxLength: 14 }),
        fc.array(envEntry, { maxLength: 6 }),
        fc.option(fc.string({ maxLength: 40 })),
        (line, argv, env, image) => {
          splitCommandLine(line);
          const server = inferenceServerOf(argv, image ?? undefined);
          if (server) {
            const issues = assessInferenceLaunch({
              server,
              argv,
              env: Object.fromEntries(env),
              ...(image ? { image } : {}),
            });
            for (const i of issues) expect(i.summary.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('mappings where scalars belong, with keys such as toString and valueOf, are read as text, never called', () => {
    const hostile = { toString: null, valueOf: null };
    const pod = {
      kind: 'Pod',
      spec: {
        containers: [
          {
            image: 'vllm/vllm-openai',
            args: [hostile, '--trust-remote-code'],
            env: [{ name: 'A', value: hostile }],
          },
        ],
      },
    };
    const compose = {
      services: {
        m: {
          image: 'ollama/ollama',
          environment: { A: hostile },
          ports: [{ target: hostile, published: hostile }],
        },
      },
    };
    const launches = launchesInYaml(JSON.stringify(pod), 'pod.yaml');
    expect(launches).toHaveLength(1);
    expect(launches[0]!.launch.argv).toContain('{"toString":null,"valueOf":null}');
    expect(launches[0]!.launch.env?.['A']).toBe('{"toString":null,"valueOf":null}');
    expect(launchesInYaml(JSON.stringify(compose), 'compose.yaml')).toHaveLength(1);
  });

  it('YAML and systemd configurations: launches or a VigilError naming the file', () => {
    const container = fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
        image: fc.oneof(
          fc.constantFrom('vllm/vllm-openai:v1', 'ollama/ollama', 'nginx'),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        command: fc.oneof(
          fc.array(word, { maxLength: 6 }),
          fc.string({ maxLength: 40 }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        args: fc.oneof(fc.array(word, { maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
        env: fc.oneof(
          fc.array(fc.record({ name: fc.string({ maxLength: 10 }), value: fc.jsonValue({ maxDepth: 1 }) })),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      },
      { requiredKeys: [] },
    );
    const doc = fc.oneof(
      fc.record({
        kind: fc.constant('Pod'),
        spec: fc.record({ containers: fc.array(container, { maxLength: 3 }) }),
      }),
      fc.record({
        services: fc.dictionary(
          fc.string({ maxLength: 8 }),
          fc.oneof(container, fc.jsonValue({ maxDepth: 2 })),
        ),
      }),
      fc.jsonValue({ maxDepth: 4 }),
    );
    fc.assert(
      fc.property(doc, fc.string({ maxLength: 300 }), fc.nat(400), (d, junk, cut) => {
        const text = JSON.stringify(d);
        onlyVigilErrors(() => launchesInYaml(text, 'fuzz.yaml'), 'fuzz.yaml');
        onlyVigilErrors(() => launchesInYaml(text.slice(0, cut), 'cut.yaml'), 'cut.yaml');
        onlyVigilErrors(() => launchesInYaml(junk, 'junk.yaml'), 'junk.yaml');
        launchesInSystemdUnit(`[Service]\nExecStart=${junk}\nEnvironment=${junk}\n`, 'fuzz.service');
      }),
      { numRuns: 1500 },
    );
  });

  it('huge and deeply nested configurations and lockfiles end in bounded time and memory', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const deep = `kind: Pod\nspec: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(() => launchesInYaml(deep, 'deep.yaml')).toThrow(VigilError);
    const many = join(dir, 'many.yaml');
    writeFileSync(many, Array.from({ length: 1500 }, () => 'kind: Pod\n').join('---\n'));
    const bigReq = join(dir, 'requirements.txt');
    writeFileSync(
      bigReq,
      Array.from({ length: 200_000 }, (_, i) => `pkg-${i}==1.0.${i}\n`).join('') + 'torch==1.12.0\n',
    );
    const longLine = join(dir, 'long/requirements.txt');
    (await import('node:fs')).mkdirSync(join(dir, 'long'));
    writeFileSync(longLine, `torch==${'1'.repeat(4 << 20)}\n`);
    const result = await scanPaths([many, bigReq, longLine], {
      scanners: [createInferenceServerScanner(), createAdvisoryScanner()],
      limits: { timeoutMs: 120_000 },
    });
    expect(result.errors.map((e) => e.file).sort()).toEqual([longLine, many].sort());
    // Only torch, on the last of 200,001 lines: in 18 of the shipped set's torch ranges.
    const summaries = result.findings.map((f) => f.summary.split(':')[0]!);
    expect(summaries).toHaveLength(18);
    for (const x of summaries) expect(x).toMatch(/^torch 1\.12\.0 is affected by /);
    expect(summaries).toContain('torch 1.12.0 is affected by PYSEC-2022-43015 (CVE-2022-45907)');
    // Streamed line by line: memory stays far below the size of what was read.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 << 20);
  }, 240_000);
});
