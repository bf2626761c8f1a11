import { documentRecord, scalarText, VigilError } from '@vigil/core';
import type { Node } from 'yaml';
import { yamlModule } from '../../internal/yaml-module.js';
import type {
  InferenceIssue,
  InferenceIssueKind,
  InferenceServerKind,
  InferenceServerLaunch,
} from './launch.js';
import { splitCommandLine } from './sources.js';

/** Where in a configuration file one setting is: a line and, for YAML, an RFC 6901 pointer. */
export interface ConfigPlace {
  readonly line?: number;
  readonly jsonPointer?: string;
}

/** The inference server configuration files read besides manifests and units. */
export type InferenceConfigFormat =
  | 'vllm-config'
  | 'ollama-modelfile'
  | 'localai-model'
  | 'env-file'
  | 'helm-values';

/**
 * One inference server launch a configuration file describes, with the place
 * of each setting an issue can be about.
 *
 * @example
 * ```ts
 * const [c] = launchesInVllmConfig('trust-remote-code: true\n', 'vllm.yaml');
 * c.placeOf({ kind: 'remote-code', subject: '--trust-remote-code', severity: 'high', summary: '' }); // { line: 1, jsonPointer: '/trust-remote-code' }
 * ```
 */
export interface ConfiguredLaunch {
  readonly launch: InferenceServerLaunch;
  readonly format: InferenceConfigFormat;
  /** The model, chart entry or file the launch stands for. */
  readonly name: string;
  /** The issue kinds this file can speak to (a Modelfile says nothing about the listener). */
  readonly kinds: readonly InferenceIssueKind[];
  /** Where the setting an issue is about sits in the file. */
  placeOf(issue: InferenceIssue): ConfigPlace;
}

const ALL_KINDS: readonly InferenceIssueKind[] = [
  'remote-code',
  'exposed-no-auth',
  'admin-endpoint',
  'unpinned-model',
  'unpinned-image',
];
const MAX_DEPTH = 64;
const MAX_BYTES = 16 << 20;

function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function depthOf(v: unknown, limit: number, d = 0): number {
  if (d > limit || v === null || typeof v !== 'object') return d;
  let max = d;
  for (const x of Object.values(v as Record<string, unknown>)) {
    max = Math.max(max, depthOf(x, limit, d + 1));
    if (max > limit) break;
  }
  return max;
}

interface YamlMap {
  readonly value: Record<string, unknown>;
  place(path: readonly (string | number)[]): ConfigPlace;
}

/** One YAML document that must be a mapping; every fault a VigilError naming the file and line. */
function yamlMap(text: string, file: string, what: string): YamlMap {
  if (text.length > MAX_BYTES)
    throw new VigilError(
      'INPUT_INVALID',
      `${what} is ${text.length} bytes, over the ${MAX_BYTES}-byte limit`,
      {
        location: { file },
      },
    );
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = yamlModule();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    const pos = lineCounter.linePos(err.pos[0]);
    throw new VigilError('PARSE', `${what}: ${err.message.split('\n')[0]}`, {
      location: { file, line: pos.line, column: pos.col },
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (cause) {
    throw new VigilError('INPUT_INVALID', `${what}: ${(cause as Error).message}`, {
      cause,
      location: { file },
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new VigilError('INPUT_INVALID', `${what}: expected a mapping at the top`, {
      location: { file, line: 1, path: [] },
    });
  if (depthOf(value, MAX_DEPTH) > MAX_DEPTH)
    throw new VigilError('INPUT_INVALID', `${what} nests deeper than ${MAX_DEPTH} levels`, {
      location: { file },
    });
  return {
    value: value as Record<string, unknown>,
    place(path) {
      const node = doc.getIn(path, true) as Node | undefined;
      const at = node && (isMap(node) || isSeq(node) || isScalar(node)) ? node.range?.[0] : undefined;
      return {
        ...(at !== undefined ? { line: lineCounter.linePos(at).line } : {}),
        jsonPointer: pointer(path),
      };
    },
  };
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const kebab = (k: string) =>
  k
    .replace(/_/g, '-')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();

/** CLI flags from a mapping of options, the way vLLM's `--config` turns keys into flags. */
function flagsOf(
  options: Record<string, unknown>,
  skip: ReadonlySet<string> = new Set(),
): { argv: string[]; at: Map<string, string> } {
  const argv: string[] = [];
  const at = new Map<string, string>();
  for (const [k, v] of Object.entries(options)) {
    if (skip.has(k) || v === false || v === null || v === undefined) continue;
    const flag = `--${kebab(k)}`;
    at.set(flag, k);
    if (v === true) argv.push(flag);
    else if (Array.isArray(v)) argv.push(flag, ...v.map(scalarText));
    else argv.push(flag, scalarText(v));
  }
  return { argv, at };
}

function envList(v: unknown): { env: Record<string, string>; at: Map<string, number> } {
  const env = documentRecord<string>();
  const at = new Map<string, number>();
  if (!Array.isArray(v)) return { env, at };
  v.forEach((e, i) => {
    const r = record(e);
    if (!r || typeof r['name'] !== 'string') return;
    env[r['name']] = r['value'] !== undefined ? scalarText(r['value']) : '(valueFrom)';
    at.set(r['name'], i);
  });
  return { env, at };
}

const VLLM_KEYS =
  /^(?:trust[-_]remote[-_]code|tensor[-_]parallel[-_]size|pipeline[-_]parallel[-_]size|gpu[-_]memory[-_]utilization|max[-_]model[-_]len|served[-_]model[-_]name|max[-_]num[-_]seqs|enable[-_]prefix[-_]caching|kv[-_]cache[-_]dtype)$/;

/**
 * Whether a YAML file's top level looks like a vLLM `--config` file (keys
 * that are vLLM's CLI flags: `tensor-parallel-size`, `max-model-len`, …).
 *
 * @example
 * ```ts
 * looksLikeVllmConfig('model: org/m\nmax-model-len: 4096\n'); // true
 * ```
 */
export function looksLikeVllmConfig(head: string): boolean {
  return head.split('\n').some((l) => {
    const m = /^([A-Za-z][\w-]*)\s*:/.exec(l);
    return m !== null && VLLM_KEYS.test(m[1]!);
  });
}

/**
 * The vLLM launch a `vllm serve --config FILE` YAML describes: each key is
 * the CLI flag of the same name (`trust-remote-code: true` is
 * `--trust-remote-code`, `host`, `api-key`, `model`, `revision`, …; `_` and
 * `-` alike).
 *
 * @example
 * ```ts
 * launchesInVllmConfig('model: org/m\ntrust-remote-code: true\nhost: 0.0.0.0\n', 'vllm.yaml')[0].launch.argv;
 * // ['vllm', 'serve', '--model', 'org/m', '--trust-remote-code', '--host', '0.0.0.0']
 * ```
 */
export function launchesInVllmConfig(text: string, file: string): ConfiguredLaunch[] {
  const y = yamlMap(text, file, 'vLLM config');
  const { argv, at } = flagsOf(y.value);
  const keyOf = (flag: string) => at.get(flag);
  const placeOfFlag = (flag: string): ConfigPlace => {
    const k = keyOf(flag);
    return k !== undefined ? y.place([k]) : { line: 1, jsonPointer: '' };
  };
  const model = typeof y.value['model'] === 'string' ? y.value['model'] : undefined;
  return [
    {
      launch: { server: 'vllm', argv: ['vllm', 'serve', ...argv], env: {} },
      format: 'vllm-config',
      name: model ?? 'vllm',
      kinds: ALL_KINDS,
      placeOf(issue) {
        switch (issue.kind) {
          case 'remote-code':
            return placeOfFlag('--trust-remote-code');
          case 'exposed-no-auth':
            return placeOfFlag('--host');
          case 'unpinned-model':
            return placeOfFlag(keyOf('--revision') !== undefined ? '--revision' : '--model');
          default:
            return { line: 1, jsonPointer: '' };
        }
      },
    },
  ];
}

const MODELFILE_INSTRUCTIONS = /^(?:FROM|PARAMETER|TEMPLATE|SYSTEM|ADAPTER|LICENSE|MESSAGE|REQUIRES)$/i;

/**
 * The model an Ollama Modelfile builds on: its `FROM` (and `ADAPTER`)
 * sources that are not local files — a registry model (pinned by a tag other
 * than `latest` or a digest), `hf.co/…`, or a URL. Unknown instructions, a
 * missing `FROM` and an unterminated `"""` block are `VigilError`s naming
 * the file and line.
 *
 * @example
 * ```ts
 * launchesInModelfile('FROM llama3\nPARAMETER temperature 0.2\n', 'Modelfile')[0].launch.argv; // ['ollama', 'pull', 'llama3']
 * ```
 */
export function launchesInModelfile(text: string, file: string): ConfiguredLaunch[] {
  if (text.length > MAX_BYTES)
    throw new VigilError(
      'INPUT_INVALID',
      `Modelfile is ${text.length} bytes, over the ${MAX_BYTES}-byte limit`,
      {
        location: { file },
      },
    );
  const lines = text.split('\n');
  const sources: { value: string; line: number; instruction: string }[] = [];
  let open: number | undefined;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (open !== undefined) {
      if (line.includes('"""')) open = undefined;
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    if (!MODELFILE_INSTRUCTIONS.test(m[1]!))
      throw new VigilError('INPUT_INVALID', `Modelfile: unknown instruction "${m[1]!.slice(0, 40)}"`, {
        location: { file, line: i + 1, column: 1 },
      });
    const rest = m[2]!;
    const quotes = rest.split('"""').length - 1;
    if (quotes % 2 === 1) open = i + 1;
    const ins = m[1]!.toUpperCase();
    if (ins === 'FROM' || ins === 'ADAPTER') {
      const value = splitCommandLine(rest)[0];
      if (!value)
        throw new VigilError('INPUT_INVALID', `Modelfile: ${ins} without a source`, {
          location: { file, line: i + 1 },
        });
      sources.push({ value, line: i + 1, instruction: ins });
    }
  });
  if (open !== undefined)
    throw new VigilError('INPUT_INVALID', 'Modelfile: a """ block is never closed', {
      location: { file, line: open },
    });
  if (!sources.some((s) => s.instruction === 'FROM'))
    throw new VigilError('INPUT_INVALID', 'Modelfile: no FROM instruction', { location: { file, line: 1 } });
  const local = (v: string) =>
    /^(?:\.{0,2}\/|~)/.test(v) || /\.(?:gguf|bin|safetensors)$/i.test(v) || /^[A-Za-z]:\\/.test(v);
  return sources
    .filter((s) => !local(s.value))
    .map((s) => ({
      launch: { server: 'ollama' as InferenceServerKind, argv: ['ollama', 'pull', s.value], env: {} },
      format: 'ollama-modelfile' as const,
      name: `${s.instruction} ${s.value}`,
      kinds: ['unpinned-model'] as const,
      placeOf: () => ({ line: s.line }),
    }));
}

/**
 * Whether a YAML file's top level looks like a LocalAI model definition
 * (`backend:` with `parameters:`).
 *
 * @example
 * ```ts
 * looksLikeLocalAiModel('name: m\nbackend: transformers\nparameters:\n  model: org/m\n'); // true
 * ```
 */
export function looksLikeLocalAiModel(head: string): boolean {
  return /^backend\s*:/m.test(head) && /^(?:parameters|name)\s*:/m.test(head);
}

/**
 * The model a LocalAI model YAML loads: `parameters.model` and
 * `download_files[].uri` (a `huggingface://`, `hf://` or `http(s)://`
 * source is unpinned unless it names a commit) and `trust_remote_code`.
 *
 * @example
 * ```ts
 * launchesInLocalAiModel('name: m\nbackend: transformers\ntrust_remote_code: true\nparameters:\n  model: huggingface://org/m/f.gguf\n', 'm.yaml');
 * ```
 */
export function launchesInLocalAiModel(text: string, file: string): ConfiguredLaunch[] {
  const y = yamlMap(text, file, 'LocalAI model config');
  const v = y.value;
  const argv = ['local-ai', 'run'];
  const sourcesAt: [string, (string | number)[]][] = [];
  const params = record(v['parameters']);
  if (params && typeof params['model'] === 'string')
    sourcesAt.push([params['model'], ['parameters', 'model']]);
  if (Array.isArray(v['download_files']))
    v['download_files'].forEach((d, i) => {
      const r = record(d);
      if (r && typeof r['uri'] === 'string') sourcesAt.push([r['uri'], ['download_files', i, 'uri']]);
    });
  for (const [s] of sourcesAt) argv.push(s);
  const trustKey = ['trust_remote_code', 'trust-remote-code'].find((k) => v[k] === true);
  if (trustKey) argv.push('--trust-remote-code');
  const name = typeof v['name'] === 'string' ? v['name'] : 'localai model';
  return [
    {
      launch: { server: 'localai', argv, env: {} },
      format: 'localai-model',
      name,
      kinds: ['remote-code', 'unpinned-model'],
      placeOf(issue) {
        if (issue.kind === 'remote-code' && trustKey) return y.place([trustKey]);
        const hit = sourcesAt.find(([s]) => s === issue.subject);
        return hit ? y.place(hit[1]) : { line: 1, jsonPointer: '' };
      },
    },
  ];
}

const ENV_SERVERS: readonly [RegExp, InferenceServerKind, string[]][] = [
  [/^OLLAMA_/, 'ollama', ['ollama', 'serve']],
  [/^LOCALAI_/, 'localai', ['local-ai', 'run']],
  [/^VLLM_/, 'vllm', ['vllm', 'serve']],
  [/^LLAMA_ARG_/, 'llama.cpp', ['llama-server']],
];

/**
 * The inference server an environment file configures (`.env`,
 * `ollama.env`, `/etc/default/ollama`: `KEY=VALUE` lines, `export` and
 * quotes allowed), told by its variables: `OLLAMA_*`, `LOCALAI_*`, `VLLM_*`,
 * `LLAMA_ARG_*`. A file that sets none is no launch. A line that is not an
 * assignment is a `VigilError` naming the file and line.
 *
 * @example
 * ```ts
 * launchesInEnvFile('OLLAMA_HOST=0.0.0.0\n', 'ollama.env')[0].launch.env; // { OLLAMA_HOST: '0.0.0.0' }
 * ```
 */
export function launchesInEnvFile(text: string, file: string): ConfiguredLaunch[] {
  if (text.length > MAX_BYTES)
    throw new VigilError(
      'INPUT_INVALID',
      `environment file is ${text.length} bytes, over the ${MAX_BYTES}-byte limit`,
      {
        location: { file },
      },
    );
  const env = documentRecord<string>();
  const lineOf = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m)
      throw new VigilError('INPUT_INVALID', 'environment file: expected NAME=VALUE', {
        location: { file, line: i + 1, column: 1 },
      });
    const value = m[2]!.replace(/\s+#.*$/, '');
    env[m[1]!] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
    lineOf.set(m[1]!, i + 1);
  });
  const names = Object.keys(env);
  const out: ConfiguredLaunch[] = [];
  for (const [re, server, argv] of ENV_SERVERS) {
    if (!names.some((n) => re.test(n))) continue;
    const placeOfVar = (...vars: string[]): ConfigPlace => {
      const v = vars.find((x) => lineOf.has(x));
      return { line: v !== undefined ? lineOf.get(v)! : 1 };
    };
    out.push({
      launch: { server, argv, env },
      format: 'env-file',
      name: server,
      kinds: ALL_KINDS,
      placeOf(issue) {
        switch (issue.kind) {
          case 'remote-code':
            return placeOfVar('TRUST_REMOTE_CODE', 'VLLM_TRUST_REMOTE_CODE');
          case 'exposed-no-auth':
            return placeOfVar('OLLAMA_HOST', 'LOCALAI_ADDRESS', 'ADDRESS', 'LLAMA_ARG_HOST', 'HOSTNAME');
          case 'admin-endpoint':
            return placeOfVar(issue.subject);
          default:
            return { line: 1 };
        }
      },
    });
  }
  return out;
}

/**
 * Whether a YAML file is the values of a chart Vigil reads: vLLM's
 * production stack (`servingEngineSpec.modelSpec`) or the Ollama chart
 * (`ollama.models`).
 *
 * @example
 * ```ts
 * looksLikeHelmValues('servingEngineSpec:\n  modelSpec: []\n'); // true
 * ```
 */
export function looksLikeHelmValues(head: string): boolean {
  return /^servingEngineSpec\s*:/m.test(head) || (/^ollama\s*:/m.test(head) && /^\s+models\s*:/m.test(head));
}

/**
 * The inference servers a Helm chart's values deploy: vLLM's production
 * stack (`servingEngineSpec.modelSpec[]`: `repository`/`tag`, `modelURL`,
 * `vllmConfig` keys and `extraArgs`, `env`, the stack's `vllmApiKey`) and the
 * Ollama chart (`image`, `extraEnv`, `ollama.models.pull|run`). Templates
 * rendered by `helm template` are ordinary manifests and are read as such.
 *
 * @example
 * ```ts
 * launchesInHelmValues(readFileSync('values.yaml', 'utf8'), 'values.yaml').map((l) => l.name);
 * ```
 */
export function launchesInHelmValues(text: string, file: string): ConfiguredLaunch[] {
  const y = yamlMap(text, file, 'Helm values');
  const out: ConfiguredLaunch[] = [];
  const spec = record(y.value['servingEngineSpec']);
  if (spec && Array.isArray(spec['modelSpec'])) {
    const key = spec['vllmApiKey'];
    const keySet =
      (typeof key === 'string' && key !== '') ||
      (record(key) !== undefined &&
        typeof record(key)!['secretName'] === 'string' &&
        record(key)!['secretName'] !== '');
    spec['modelSpec'].forEach((m, i) => {
      const s = record(m);
      if (!s || s['enabled'] === false) return;
      const base: (string | number)[] = ['servingEngineSpec', 'modelSpec', i];
      const cfg = record(s['vllmConfig']) ?? {};
      const { argv: cfgArgv, at } = flagsOf(cfg, new Set(['extraArgs', 'v0']));
      const extra = Array.isArray(cfg['extraArgs']) ? cfg['extraArgs'].map(scalarText) : [];
      const model = typeof s['modelURL'] === 'string' ? s['modelURL'] : undefined;
      const argv = ['vllm', 'serve', ...(model ? [model] : []), ...cfgArgv, ...splitArgs(extra)];
      const { env, at: envAt } = envList(s['env']);
      if (keySet) env['VLLM_API_KEY'] = '(secret)';
      const repo = typeof s['repository'] === 'string' ? s['repository'] : undefined;
      const tag = s['tag'] !== undefined && s['tag'] !== null ? scalarText(s['tag']) : undefined;
      const image = repo ? (tag ? `${repo}:${tag}` : repo) : undefined;
      const placeOfFlag = (flag: string): ConfigPlace | undefined => {
        const k = at.get(flag);
        if (k !== undefined) return y.place([...base, 'vllmConfig', k]);
        const j = extra.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
        return j >= 0 ? y.place([...base, 'vllmConfig', 'extraArgs', j]) : undefined;
      };
      out.push({
        launch: { server: 'vllm', argv, env, ...(image ? { image } : {}) },
        format: 'helm-values',
        name: typeof s['name'] === 'string' ? s['name'] : `modelSpec ${i}`,
        kinds: ALL_KINDS,
        placeOf(issue) {
          switch (issue.kind) {
            case 'remote-code':
              return placeOfFlag('--trust-remote-code') ?? y.place(base);
            case 'unpinned-model':
              return placeOfFlag('--revision') ?? y.place([...base, 'modelURL']);
            case 'unpinned-image':
              return y.place([...base, tag !== undefined ? 'tag' : 'repository']);
            case 'admin-endpoint':
              return envAt.has(issue.subject)
                ? y.place([...base, 'env', envAt.get(issue.subject)!])
                : y.place(base);
            default:
              return placeOfFlag('--host') ?? y.place(base);
          }
        },
      });
    });
  }
  const ollama = record(y.value['ollama']);
  if (ollama) {
    const img = record(y.value['image']);
    const repo = img && typeof img['repository'] === 'string' ? img['repository'] : undefined;
    const tag = img && img['tag'] !== undefined && img['tag'] !== '' ? scalarText(img['tag']) : undefined;
    const { env, at: envAt } = envList(y.value['extraEnv']);
    out.push({
      // An empty tag is the chart's own appVersion: pinned by the chart.
      launch: {
        server: 'ollama',
        argv: ['ollama', 'serve'],
        env,
        ...(repo && tag ? { image: `${repo}:${tag}` } : {}),
      },
      format: 'helm-values',
      name: 'ollama',
      kinds: ALL_KINDS,
      placeOf(issue) {
        if (issue.kind === 'unpinned-image') return y.place(['image', 'tag']);
        const v = issue.kind === 'exposed-no-auth' ? 'OLLAMA_HOST' : issue.subject;
        return envAt.has(v) ? y.place(['extraEnv', envAt.get(v)!]) : y.place(['ollama']);
      },
    });
    const models = record(ollama['models']);
    for (const list of ['pull', 'run'] as const) {
      const names = models?.[list];
      if (!Array.isArray(names)) continue;
      names.forEach((n, j) => {
        if (typeof n !== 'string') return;
        out.push({
          launch: { server: 'ollama', argv: ['ollama', list, n], env: {} },
          format: 'helm-values',
          name: `ollama.models.${list} ${n}`,
          kinds: ['unpinned-model'],
          placeOf: () => y.place(['ollama', 'models', list, j]),
        });
      });
    }
  }
  return out;
}

// `extraArgs` entries are one argument each, or a whole `--flag value` string.
function splitArgs(args: readonly string[]): string[] {
  return args.flatMap((a) => (/\s/.test(a.trim()) ? splitCommandLine(a) : [a]));
}
