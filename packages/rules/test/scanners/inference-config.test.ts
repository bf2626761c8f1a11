import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VigilError } from '@vigil/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { withHostileValues } from '../../../core/test/helpers/hostile-json.js';
import {
  createInferenceServerScanner,
  launchesInEnvFile,
  launchesInHelmValues,
  launchesInLocalAiModel,
  launchesInModelfile,
  launchesInVllmConfig,
  scanPaths,
} from '../../src/index.js';
import { buildSupplyCorpus } from './supply-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-inference-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = buildSupplyCorpus(join(dir, 'corpus'));

async function findingsOf(file: string) {
  const result = await scanPaths([file], { scanners: [createInferenceServerScanner()] });
  expect(result.errors).toEqual([]);
  return result.findings.map((f) => ({
    rule: f.ruleId.replace('vigil.scan.inference-', ''),
    severity: f.severity,
    line: f.evidence[0]?.line,
    pointer: f.evidence[0]?.jsonPointer,
  }));
}

describe('inference configuration files feed the four inference rules, each finding at its setting', () => {
  it.each([
    [
      'vLLM --config YAML',
      corpus.bad.vllmConfig,
      [
        { rule: 'exposed', severity: 'high', line: 4, pointer: '/host' },
        { rule: 'remote-code', severity: 'high', line: 3, pointer: '/trust-remote-code' },
        { rule: 'unpinned-model', severity: 'medium', line: 1, pointer: '/model' },
      ],
    ],
    [
      'Ollama Modelfile from hf.co',
      corpus.bad.modelfileRemote,
      [{ rule: 'unpinned-model', severity: 'medium', line: 1, pointer: undefined }],
    ],
    [
      'Ollama Modelfile :latest',
      corpus.bad.modelfileLatest,
      [{ rule: 'unpinned-model', severity: 'medium', line: 2, pointer: undefined }],
    ],
    [
      'Ollama environment file',
      corpus.bad.ollamaEnv,
      [{ rule: 'exposed', severity: 'high', line: 1, pointer: undefined }],
    ],
    [
      'LocalAI model YAML',
      corpus.bad.localaiModel,
      [
        { rule: 'remote-code', severity: 'high', line: 3, pointer: '/trust_remote_code' },
        { rule: 'unpinned-model', severity: 'medium', line: 5, pointer: '/parameters/model' },
      ],
    ],
    [
      "Helm values of vLLM's production stack",
      corpus.bad.helmVllm,
      [
        { rule: 'exposed', severity: 'high', line: 3, pointer: '/servingEngineSpec/modelSpec/0' },
        {
          rule: 'remote-code',
          severity: 'high',
          line: 10,
          pointer: '/servingEngineSpec/modelSpec/0/vllmConfig/extraArgs/0',
        },
        {
          rule: 'unpinned-model',
          severity: 'medium',
          line: 5,
          pointer: '/servingEngineSpec/modelSpec/0/tag',
        },
        {
          rule: 'unpinned-model',
          severity: 'medium',
          line: 6,
          pointer: '/servingEngineSpec/modelSpec/0/modelURL',
        },
      ],
    ],
    [
      'Helm values of the Ollama chart',
      corpus.bad.helmOllama,
      [
        { rule: 'admin-endpoint', severity: 'medium', line: 5, pointer: '/extraEnv/0' },
        { rule: 'unpinned-model', severity: 'medium', line: 10, pointer: '/ollama/models/pull/0' },
      ],
    ],
  ])('%s', async (_what, file, expected) => {
    const got = await findingsOf(file);
    const key = (x: { rule: string; pointer?: string | undefined }) => `${x.rule} ${x.pointer}`;
    expect(got.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...expected]
        .sort((a, b) => key(a).localeCompare(key(b)))
        .map((e) => (e.pointer === undefined ? { ...e, pointer: undefined } : e)),
    );
  });

  it.each([
    ['vLLM config bound to loopback with a key and a local model', corpus.good.vllmConfig],
    ['Modelfile from a local GGUF', corpus.good.modelfileLocal],
    ['Modelfile pinned to a tag', corpus.good.modelfilePinned],
    ['Ollama on loopback', corpus.good.ollamaEnv],
    ['LocalAI model from a local file', corpus.good.localaiModel],
    ['Ollama chart pinned', corpus.good.helmOllama],
    ['an unrendered Helm template', corpus.good.helmTemplate],
  ])('must not fire: %s', async (_what, file) => {
    expect(await findingsOf(file)).toEqual([]);
  });

  it('a vLLM config names the keys as flags, `_` and `-` alike', () => {
    const [c] = launchesInVllmConfig(
      'model: org/m\ntrust_remote_code: true\nenable-lora: false\nport: 8000\n',
      'c.yaml',
    );
    expect(c!.launch.argv).toEqual([
      'vllm',
      'serve',
      '--model',
      'org/m',
      '--trust-remote-code',
      '--port',
      '8000',
    ]);
  });
});

const readers: [string, (text: string, file: string) => unknown[], string][] = [
  ['vllm', launchesInVllmConfig, 'model: org/m\ntrust-remote-code: true\nhost: 0.0.0.0\n'],
  ['modelfile', launchesInModelfile, 'FROM llama3\nSYSTEM """\nhi\n"""\nPARAMETER temperature 1\n'],
  ['localai', launchesInLocalAiModel, 'name: m\nbackend: transformers\nparameters:\n  model: hf://org/m\n'],
  ['env', launchesInEnvFile, 'export OLLAMA_HOST="0.0.0.0"\nVLLM_API_KEY=x # comment\n'],
  ['helm', launchesInHelmValues, 'servingEngineSpec:\n  modelSpec:\n    - name: a\n      modelURL: org/m\n'],
];

describe('the configuration readers on malformed, truncated and hostile input', () => {
  it.each(readers)('%s: any input is launches or a VigilError naming the file', (_name, read, sample) => {
    const check = (text: string) => {
      try {
        expect(Array.isArray(read(text, 'conf/file'))).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(VigilError);
        expect((e as VigilError).location?.file).toBe('conf/file');
      }
    };
    for (let i = 0; i <= sample.length; i++) check(sample.slice(0, i));
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(sample.length), (junk, at) => {
        check(sample.slice(0, at) + junk + sample.slice(at));
      }),
      { numRuns: 300 },
    );
  });

  // The YAML readers, fed their own documents with values replaced by hostile JSON (a mapping with
  // `toString: null` where a flag value belongs, `__proto__` keys): launches or a VigilError.
  const documents: [string, (text: string, file: string) => unknown[], unknown][] = [
    [
      'vllm',
      launchesInVllmConfig,
      { model: 'org/m', 'trust-remote-code': true, host: '0.0.0.0', port: 8000 },
    ],
    [
      'localai',
      launchesInLocalAiModel,
      { name: 'm', parameters: { model: 'hf://org/m' }, download_files: [{ uri: 'x' }] },
    ],
    [
      'helm',
      launchesInHelmValues,
      {
        image: { repository: 'ollama/ollama', tag: 'latest' },
        ollama: { models: { pull: ['llama3'] } },
        extraEnv: [{ name: 'OLLAMA_HOST', value: '0.0.0.0' }],
        servingEngineSpec: {
          vllmApiKey: 'k',
          modelSpec: [
            {
              name: 'a',
              repository: 'vllm/vllm-openai',
              tag: 'v1',
              modelURL: 'org/m',
              vllmConfig: { extraArgs: ['--trust-remote-code'], maxModelLen: 4096 },
              env: [{ name: 'VLLM_SERVER_DEV_MODE', value: '1' }],
            },
          ],
        },
      },
    ],
  ];
  it.each(documents)(
    '%s: any hostile value in the document is launches or a VigilError',
    (_name, read, valid) => {
      fc.assert(
        fc.property(withHostileValues(fc.constant(valid), 4), (doc) => {
          try {
            expect(Array.isArray(read(JSON.stringify(doc), 'conf/file.yaml'))).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(VigilError);
          }
        }),
        { numRuns: 500 },
      );
    },
  );

  it('mappings where flag values and environment values belong are read as their JSON; __proto__ is a name', () => {
    // The counterexample: an extraArgs entry whose toString is not a function.
    const values = JSON.parse(
      '{"servingEngineSpec":{"modelSpec":[{"modelURL":"org/m","vllmConfig":{"extraArgs":[{"toJSON":["x"],"toString":false}],"dtype":{"toString":null}},"env":[{"name":"__proto__","value":{"valueOf":null}}]}]}}',
    );
    const [launch] = launchesInHelmValues(JSON.stringify(values), 'values.yaml');
    expect(launch!.launch.argv).toContain('{"toJSON":["x"],"toString":false}');
    expect(launch!.launch.argv).toContain('{"toString":null}');
    expect(Object.keys(launch!.launch.env ?? {})).toContain('__proto__');
    const [fromEnv] = launchesInEnvFile('__proto__=1\nOLLAMA_HOST=0.0.0.0\n', '.env');
    expect(Object.keys(fromEnv!.launch.env ?? {})).toEqual(['__proto__', 'OLLAMA_HOST']);
  });

  it('names the place of what is wrong', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as VigilError;
      }
      throw new Error('no error');
    };
    expect(err(() => launchesInModelfile('FROM x\nRUN rm -rf /\n', 'Modelfile')).location).toMatchObject({
      file: 'Modelfile',
      line: 2,
    });
    expect(err(() => launchesInModelfile('PARAMETER a 1\n', 'Modelfile')).message).toMatch(/no FROM/);
    expect(
      err(() => launchesInModelfile('FROM x\nSYSTEM """\nnever closed\n', 'Modelfile')).location,
    ).toMatchObject({ line: 2 });
    expect(err(() => launchesInEnvFile('OLLAMA_HOST=1\nnot an assignment\n', '.env')).location).toMatchObject(
      { file: '.env', line: 2 },
    );
    expect(err(() => launchesInVllmConfig('model: [unclosed\n', 'c.yaml')).location).toMatchObject({
      file: 'c.yaml',
      line: 2,
    });
    expect(err(() => launchesInVllmConfig('- a list\n', 'c.yaml')).message).toMatch(/expected a mapping/);
    // Hostile: an alias bomb is bounded (aliases stay shared, never expanded); deep nesting is refused.
    const bomb = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      bomb.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(',')}]`,
      );
    const bombed = (() => {
      try {
        return launchesInHelmValues(`${bomb.join('\n')}\nservingEngineSpec: {}\n`, 'v.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(Array.isArray(bombed) || bombed instanceof VigilError).toBe(true);
    const deep = err(() =>
      launchesInLocalAiModel(`backend: x\nparameters: ${'['.repeat(100)}${']'.repeat(100)}\n`, 'm.yaml'),
    );
    expect(deep.message).toMatch(/nests deeper than 64/);
    expect(deep.location?.file).toBe('m.yaml');
  });
});
