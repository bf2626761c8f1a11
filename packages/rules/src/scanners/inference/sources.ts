import { containersOfDocument, documentRecord, splitCommandLine, VigilError } from '@vigil/core';
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

export { splitCommandLine };

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
    for (const c of containersOfDocument(value)) {
      const argv = [...unwrapShell(c.argv)];
      const server = inferenceServerOf(argv, c.image);
      if (!server) continue;
      const line = lineOf(c.path);
      out.push({
        launch: { server, argv, env: c.env, ...(c.image ? { image: c.image } : {}) },
        jsonPointer: pointer([...prefix, ...c.path]),
        ...(line !== undefined ? { line } : {}),
        format: c.format,
        name: c.name,
        envIncomplete: c.envIncomplete,
      });
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
  const env = documentRecord<string>();
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
