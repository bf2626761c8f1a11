import { VigilError } from '@vigil/core';
import type { Node } from 'yaml';
import { yamlModule } from '../../internal/yaml-module.js';
import { type InferenceServerLaunch, inferenceServerOf, unwrapShell } from './launch.js';

/** Where a launch was declared inside a file. */
export interface DeclaredLaunch {
  readonly launch: InferenceServerLaunch;
  /** RFC 6901 pointer to the container or service, prefixed by the document index for multi-document YAML (`/1/spec/…`). */
  readonly jsonPointer: string;
  readonly line?: number;
  /** `kubernetes`, `compose` or `systemd`. */
  readonly format: 'kubernetes' | 'compose' | 'systemd';
  /** The container, service or unit name. */
  readonly name: string;
  /** The environment is partly out of sight (Kubernetes `envFrom`, Compose `env_file`). */
  readonly envIncomplete: boolean;
}

const MAX_DOCUMENTS = 1000;
const MAX_DEPTH = 64;

/**
 * Splits a command string like a POSIX shell would for the simple cases
 * (whitespace, single and double quotes, backslash escapes); no expansion.
 *
 * @example
 * ```ts
 * splitCommandLine(`vllm serve "org/model" --host 0.0.0.0`); // ['vllm', 'serve', 'org/model', '--host', '0.0.0.0']
 * ```
 */
export function splitCommandLine(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let any = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      any = true;
    } else if (/\s/.test(c)) {
      if (cur !== '' || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (cur !== '' || any) out.push(cur);
  return out;
}

function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return splitCommandLine(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : String(x)));
  return undefined;
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

function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

interface Container {
  readonly value: Record<string, unknown>;
  readonly path: (string | number)[];
}

// Every container of a Kubernetes object, wherever its kind nests the pod template.
function containersOf(node: unknown, path: (string | number)[], out: Container[], depth: number): void {
  if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      containersOf(v, [...path, i], out, depth + 1);
    });
    return;
  }
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if ((k === 'containers' || k === 'initContainers') && Array.isArray(v)) {
      v.forEach((c, i) => {
        if (c && typeof c === 'object' && !Array.isArray(c))
          out.push({ value: c as Record<string, unknown>, path: [...path, k, i] });
      });
    } else containersOf(v, [...path, k], out, depth + 1);
  }
}

function k8sEnv(c: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  const list = c['env'];
  if (!Array.isArray(list)) return env;
  for (const e of list) {
    if (!e || typeof e !== 'object') continue;
    const name = (e as Record<string, unknown>)['name'];
    if (typeof name !== 'string') continue;
    const value = (e as Record<string, unknown>)['value'];
    // A value from a Secret or ConfigMap is set, but not visible here.
    env[name] = typeof value === 'string' ? value : value !== undefined ? String(value) : '(valueFrom)';
  }
  return env;
}

function composeEnv(v: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const e of v) {
      if (typeof e !== 'string') continue;
      const i = e.indexOf('=');
      if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
      else env[e] = '(from the host environment)';
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      env[k] = x === null || x === undefined ? '(from the host environment)' : String(x);
  }
  return env;
}

/**
 * The inference server launches a YAML file declares: Kubernetes containers
 * (command, args, env, image; any workload kind, multi-document files) and
 * Compose services (entrypoint, command, environment, image). Documents
 * that are neither are ignored. Malformed YAML is a `VigilError` naming
 * the file and line; alias expansion, documents and depth are bounded.
 *
 * @example
 * ```ts
 * for (const d of launchesInYaml(readFileSync('deploy/vllm.yaml', 'utf8'), 'deploy/vllm.yaml'))
 *   console.log(d.name, d.launch.server, d.line);
 * ```
 */
export function launchesInYaml(text: string, file: string): DeclaredLaunch[] {
  const { isMap, isSeq, LineCounter, parseAllDocuments } = yamlModule();
  const lineCounter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  } catch (cause) {
    throw new VigilError('PARSE', `cannot parse YAML: ${(cause as Error).message}`, {
      cause,
      location: { file },
    });
  }
  if (!Array.isArray(docs)) return [];
  if (docs.length > MAX_DOCUMENTS)
    throw new VigilError(
      'INPUT_INVALID',
      `${docs.length} YAML documents, over the limit of ${MAX_DOCUMENTS}`,
      {
        location: { file },
      },
    );
  const out: DeclaredLaunch[] = [];
  docs.forEach((doc, di) => {
    const err = doc.errors[0];
    if (err) {
      const pos = lineCounter.linePos(err.pos[0]);
      throw new VigilError('PARSE', `YAML document ${di + 1}: ${err.message.split('\n')[0]}`, {
        location: { file, line: pos.line, column: pos.col },
      });
    }
    if (doc.contents === null) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (cause) {
      throw new VigilError('INPUT_INVALID', `YAML document ${di + 1}: ${(cause as Error).message}`, {
        cause,
        location: { file },
      });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    if (depthOf(value, MAX_DEPTH) > MAX_DEPTH)
      throw new VigilError('INPUT_INVALID', `YAML document ${di + 1} nests deeper than ${MAX_DEPTH} levels`, {
        location: { file },
      });
    const lineOf = (path: (string | number)[]): number | undefined => {
      const node = doc.getIn(path, true) as Node | undefined;
      const at = node && (isMap(node) || isSeq(node) || 'range' in node) ? node.range?.[0] : undefined;
      return at !== undefined ? lineCounter.linePos(at).line : undefined;
    };
    const prefix = docs.length > 1 ? [di] : [];
    const obj = value as Record<string, unknown>;
    if (typeof obj['kind'] === 'string') {
      const found: Container[] = [];
      containersOf(obj, [], found, 0);
      for (const c of found) {
        const image = typeof c.value['image'] === 'string' ? (c.value['image'] as string) : undefined;
        const argv = [
          ...unwrapShell([...(strings(c.value['command']) ?? []), ...(strings(c.value['args']) ?? [])]),
        ];
        const server = inferenceServerOf(argv, image);
        if (!server) continue;
        const line = lineOf(c.path);
        out.push({
          launch: { server, argv, env: k8sEnv(c.value), ...(image ? { image } : {}) },
          jsonPointer: pointer([...prefix, ...c.path]),
          ...(line !== undefined ? { line } : {}),
          format: 'kubernetes',
          name:
            typeof c.value['name'] === 'string' ? (c.value['name'] as string) : `container ${c.path.at(-1)}`,
          envIncomplete: c.value['envFrom'] !== undefined,
        });
      }
      return;
    }
    const services = obj['services'];
    if (services && typeof services === 'object' && !Array.isArray(services)) {
      for (const [name, svc] of Object.entries(services as Record<string, unknown>)) {
        if (!svc || typeof svc !== 'object' || Array.isArray(svc)) continue;
        const s = svc as Record<string, unknown>;
        const image = typeof s['image'] === 'string' ? (s['image'] as string) : undefined;
        const argv = [
          ...unwrapShell([...(strings(s['entrypoint']) ?? []), ...(strings(s['command']) ?? [])]),
        ];
        const server = inferenceServerOf(argv, image);
        if (!server) continue;
        const line = lineOf(['services', name]);
        out.push({
          launch: { server, argv, env: composeEnv(s['environment']), ...(image ? { image } : {}) },
          jsonPointer: pointer([...prefix, 'services', name]),
          ...(line !== undefined ? { line } : {}),
          format: 'compose',
          name,
          envIncomplete: s['env_file'] !== undefined,
        });
      }
    }
  });
  return out;
}

/**
 * The inference server a systemd unit starts: its `ExecStart=` command line
 * and `Environment=` assignments (`EnvironmentFile=` marks the environment
 * incomplete).
 *
 * @example
 * ```ts
 * launchesInSystemdUnit('[Service]\nExecStart=/usr/bin/ollama serve\nEnvironment="OLLAMA_HOST=0.0.0.0"\n', 'ollama.service');
 * ```
 */
export function launchesInSystemdUnit(text: string, file: string): DeclaredLaunch[] {
  const env: Record<string, string> = {};
  let exec: { argv: string[]; line: number } | undefined;
  let envIncomplete = false;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const m = /^(ExecStart|Environment|EnvironmentFile)\s*=\s*(.*)$/.exec(line);
    if (!m) return;
    if (m[1] === 'EnvironmentFile') envIncomplete = true;
    else if (m[1] === 'Environment')
      for (const a of splitCommandLine(m[2]!)) {
        const eq = a.indexOf('=');
        if (eq > 0) env[a.slice(0, eq)] = a.slice(eq + 1);
      }
    else if (m[2]!.trim() !== '')
      exec = { argv: splitCommandLine(m[2]!.replace(/^[-@:+!]+/, '')), line: i + 1 };
  });
  if (!exec) return [];
  const server = inferenceServerOf(exec.argv);
  if (!server) return [];
  const name = file.slice(file.lastIndexOf('/') + 1);
  return [
    {
      launch: { server, argv: exec.argv, env },
      jsonPointer: '',
      line: exec.line,
      format: 'systemd',
      name,
      envIncomplete,
    },
  ];
}
