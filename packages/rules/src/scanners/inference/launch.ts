import { basename } from 'node:path';
import type { Severity } from '@vigil/core';

/** The inference servers Vigil recognises. */
export type InferenceServerKind = 'vllm' | 'tgi' | 'ollama' | 'llama.cpp' | 'triton' | 'localai';

/**
 * How an inference server is started: its command line and environment,
 * from a Kubernetes container, a Compose service or a `process.exec` seen in
 * a capture.
 *
 * @example
 * ```ts
 * const l: InferenceServerLaunch = { server: 'vllm', argv: ['vllm', 'serve', 'org/model'], env: {} };
 * ```
 */
export interface InferenceServerLaunch {
  readonly server: InferenceServerKind;
  readonly argv: readonly string[];
  /** Environment entries known for the launch (names and values). */
  readonly env: Readonly<Record<string, string>>;
  /** The container image, when launched from one. */
  readonly image?: string;
}

/** What is wrong with a launch. */
export type InferenceIssueKind =
  | 'remote-code'
  | 'exposed-no-auth'
  | 'admin-endpoint'
  | 'unpinned-model'
  | 'unpinned-image';

/**
 * One problem in an inference server's launch.
 *
 * @example
 * ```ts
 * const i: InferenceIssue = { kind: 'remote-code', severity: 'high', subject: '--trust-remote-code', summary: 'vllm trusts remote code' };
 * ```
 */
export interface InferenceIssue {
  readonly kind: InferenceIssueKind;
  readonly severity: Severity;
  /** The flag, variable or value the issue is about. */
  readonly subject: string;
  readonly summary: string;
}

const IMAGES: readonly [RegExp, InferenceServerKind][] = [
  [/(?:^|\/)vllm-openai(?::|@|$)|(?:^|\/)vllm\/vllm/i, 'vllm'],
  [/text-generation-inference/i, 'tgi'],
  [/(?:^|\/)ollama\/ollama(?::|@|$)|(?:^|\/)ollama(?::|@|$)/i, 'ollama'],
  [/llama\.cpp|llama-cpp/i, 'llama.cpp'],
  [/tritonserver/i, 'triton'],
  [/local-?ai/i, 'localai'],
];

/**
 * Which inference server a command line (or, failing that, a container
 * image) starts: `vllm serve`, `python -m vllm.entrypoints.openai.api_server`,
 * `text-generation-launcher`, `ollama serve|run|pull`, `llama-server`,
 * `python -m llama_cpp.server`, `tritonserver`, `local-ai`.
 *
 * @example
 * ```ts
 * inferenceServerOf(['/usr/local/bin/vllm', 'serve', 'Qwen/Qwen2-0.5B']); // 'vllm'
 * ```
 */
export function inferenceServerOf(argv: readonly string[], image?: string): InferenceServerKind | undefined {
  const found = serverOfCommand(argv, 0);
  if (found) return found;
  if (image) for (const [re, kind] of IMAGES) if (re.test(image)) return kind;
  return undefined;
}

// The program a command line runs, looking through wrappers: `exec`, `env [VAR=value…]`, an interpreter
// running a script (how a shebang script's exec looks), `sh -c "…"`.
function serverOfCommand(argv: readonly string[], depth: number): InferenceServerKind | undefined {
  let i = 0;
  const at = (k: number) => basename(argv[k] ?? '');
  if (at(i) === 'exec') i++;
  if (at(i) === 'env') {
    i++;
    while (i < argv.length && (argv[i]!.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i]!))) i++;
  }
  const b = at(i);
  const next = argv[i + 1];
  if ((b === 'sh' || b === 'bash' || b === 'dash') && next === '-c' && depth < 2)
    return serverOfCommand(splitCommandWords(argv[i + 2] ?? ''), depth + 1);
  if (/^python[\d.]*$/.test(b)) {
    if (next === '-m') {
      const mod = argv[i + 2] ?? '';
      if (mod.startsWith('vllm.entrypoints')) return 'vllm';
      if (mod === 'llama_cpp.server') return 'llama.cpp';
      return undefined;
    }
    // A script run by the interpreter: `python3 /usr/local/bin/vllm serve …`.
    if (next !== undefined && !next.startsWith('-')) return serverOfCommand(argv.slice(i + 1), depth + 1);
    return undefined;
  }
  const sub = argv[i + 1];
  if (b === 'vllm' && (sub === 'serve' || sub === undefined || sub.startsWith('-'))) return 'vllm';
  if (b === 'text-generation-launcher' || b === 'text-generation-server') return 'tgi';
  if (b === 'ollama' && (sub === 'serve' || sub === 'run' || sub === 'pull' || sub === 'start'))
    return 'ollama';
  if (b === 'llama-server' || b === 'llama-cpp-server') return 'llama.cpp';
  if (b === 'tritonserver') return 'triton';
  if (b === 'local-ai' || b === 'localai') return 'localai';
  return undefined;
}

/**
 * The command an `sh -c "…"` (or `bash -c`) line runs, split into words;
 * any other command line as it is. Container commands often wrap the server
 * this way; its flags are read from the inner command.
 *
 * @example
 * ```ts
 * unwrapShell(['/bin/sh', '-c', 'vllm serve org/m --host 0.0.0.0']); // ['vllm', 'serve', 'org/m', '--host', '0.0.0.0']
 * ```
 */
export function unwrapShell(argv: readonly string[]): readonly string[] {
  const b = basename(argv[0] ?? '');
  if ((b === 'sh' || b === 'bash' || b === 'dash') && argv[1] === '-c' && argv[2] !== undefined)
    return splitCommandWords(argv[2]);
  return argv;
}

// Whitespace and quotes only: enough to find the program of an `sh -c` string.
function splitCommandWords(text: string): string[] {
  return (text.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^["']|["']$/g, '')).slice(0, 64);
}

/** The value of `--flag value` or `--flag=value` (any of the spellings), or `true` for a bare flag. */
function flag(argv: readonly string[], names: readonly string[]): string | true | undefined {
  let found: string | true | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      if (a === n) {
        const v = argv[i + 1];
        found = v !== undefined && !v.startsWith('-') ? v : true;
      } else if (a.startsWith(`${n}=`)) found = a.slice(n.length + 1);
    }
  }
  return found;
}

function truthy(v: string | true | undefined): boolean {
  if (v === undefined) return false;
  if (v === true) return true;
  return !/^(?:0|false|no|off|)$/i.test(v.trim());
}

function envOf(launch: InferenceServerLaunch, name: string): string | undefined {
  return Object.hasOwn(launch.env, name) ? launch.env[name] : undefined;
}

const ALL_INTERFACES = /^(?:0\.0\.0\.0|::|\[::\]|\*|)$/;

/** The address a server listens on, as configured; `undefined` when only its default applies. */
function listenHost(l: InferenceServerLaunch): { host: string; configured: boolean } {
  const a = l.argv;
  switch (l.server) {
    case 'vllm': {
      const h = flag(a, ['--host']);
      // vLLM's API server binds every interface when --host is not given.
      return typeof h === 'string' ? { host: h, configured: true } : { host: '0.0.0.0', configured: false };
    }
    case 'tgi': {
      const h = flag(a, ['--hostname']) ?? envOf(l, 'HOSTNAME');
      return typeof h === 'string' ? { host: h, configured: true } : { host: '0.0.0.0', configured: false };
    }
    case 'ollama': {
      const h = envOf(l, 'OLLAMA_HOST');
      if (h === undefined) return { host: '127.0.0.1', configured: false };
      const host = h
        .replace(/^https?:\/\//, '')
        .replace(/:\d+$/, '')
        .replace(/^\[|\]$/g, '');
      return { host: host === '' ? '0.0.0.0' : host, configured: true };
    }
    case 'llama.cpp': {
      const h = flag(a, ['--host']) ?? envOf(l, 'LLAMA_ARG_HOST');
      return typeof h === 'string' ? { host: h, configured: true } : { host: '127.0.0.1', configured: false };
    }
    case 'triton': {
      const h = flag(a, ['--http-address']);
      return typeof h === 'string' ? { host: h, configured: true } : { host: '0.0.0.0', configured: false };
    }
    case 'localai': {
      const h = flag(a, ['--address']) ?? envOf(l, 'LOCALAI_ADDRESS') ?? envOf(l, 'ADDRESS');
      const addr = typeof h === 'string' ? h : ':8080';
      return { host: addr.replace(/:\d+$/, ''), configured: typeof h === 'string' };
    }
  }
}

/** Whether the launch sets an API key, and how; `undefined` when the server has no key option. */
function apiKey(l: InferenceServerLaunch): string | undefined | null {
  const a = l.argv;
  const has = (names: string[], envs: string[]) =>
    names.find((n) => flag(a, [n]) !== undefined) ?? envs.find((e) => (envOf(l, e) ?? '') !== '');
  switch (l.server) {
    case 'vllm':
      return has(['--api-key'], ['VLLM_API_KEY']);
    case 'tgi':
      return has(['--api-key'], ['API_KEY']);
    case 'llama.cpp':
      return has(['--api-key', '--api-key-file'], ['LLAMA_API_KEY', 'LLAMA_ARG_API_KEY']);
    case 'localai':
      return has(['--api-keys'], ['LOCALAI_API_KEY', 'API_KEY']);
    case 'ollama':
    case 'triton':
      return null;
  }
}

const HF_REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const COMMIT = /^[0-9a-f]{40}$/;

function modelOf(l: InferenceServerLaunch): { model?: string; revision?: string } {
  const a = l.argv;
  const str = (v: string | true | undefined) => (typeof v === 'string' ? v : undefined);
  switch (l.server) {
    case 'vllm': {
      const serve = a.indexOf('serve');
      const positional = serve >= 0 ? a[serve + 1] : undefined;
      const model =
        str(flag(a, ['--model'])) ?? (positional && !positional.startsWith('-') ? positional : undefined);
      const revision = str(flag(a, ['--revision']));
      return { ...(model ? { model } : {}), ...(revision ? { revision } : {}) };
    }
    case 'tgi': {
      const model = str(flag(a, ['--model-id'])) ?? envOf(l, 'MODEL_ID');
      const revision = str(flag(a, ['--revision'])) ?? envOf(l, 'REVISION');
      return { ...(model ? { model } : {}), ...(revision ? { revision } : {}) };
    }
    case 'ollama': {
      const i = a.findIndex((x) => x === 'run' || x === 'pull');
      const model = i >= 0 ? a[i + 1] : undefined;
      return model ? { model } : {};
    }
    case 'llama.cpp': {
      const model =
        str(flag(a, ['-hf', '--hf-repo'])) ??
        str(flag(a, ['-mu', '--model-url'])) ??
        envOf(l, 'LLAMA_ARG_HF_REPO') ??
        envOf(l, 'LLAMA_ARG_MODEL_URL');
      return model ? { model } : {};
    }
    case 'triton': {
      const model = str(flag(a, ['--model-repository', '--model-store']));
      return model ? { model } : {};
    }
    case 'localai': {
      const model = a.find((x) => /^(?:https?|huggingface|hf|ollama|oci):\/\//i.test(x));
      return model ? { model } : {};
    }
  }
}

function unpinnedModel(l: InferenceServerLaunch): InferenceIssue | undefined {
  const { model, revision } = modelOf(l);
  if (!model) return undefined;
  const name = l.server === 'llama.cpp' ? 'llama-server' : l.server;
  if (/^http:\/\//i.test(model))
    return {
      kind: 'unpinned-model',
      severity: 'high',
      subject: model,
      summary: `${name} downloads its model over plain HTTP (${model}): anyone on the path can swap the weights`,
    };
  if (l.server === 'ollama') {
    if (/^(?:hf\.co|huggingface\.co)\//i.test(model) || /^https:\/\//i.test(model))
      return {
        kind: 'unpinned-model',
        severity: 'medium',
        subject: model,
        summary: `ollama pulls ${model} from ${/^https:/i.test(model) ? 'a URL' : 'a Hugging Face repository'} that can change under the same name: build from a local file whose digest you checked`,
      };
    const tag = /:([^/]+)$/.exec(model)?.[1];
    if (model.includes('@sha256:')) return undefined;
    if (tag === undefined || tag === 'latest')
      return {
        kind: 'unpinned-model',
        severity: 'medium',
        subject: model,
        summary: `ollama pulls ${model} ${tag ? 'by the moving tag :latest' : 'without a tag (:latest)'}: what runs changes whenever the registry's tag moves`,
      };
    return undefined;
  }
  if (l.server === 'llama.cpp' || l.server === 'localai') {
    if (/^https:\/\/.+\/resolve\/[0-9a-f]{40}\//i.test(model)) return undefined;
    if (HF_REPO.test(model.replace(/:[^/]+$/, '')) || /^(?:huggingface|hf|https):\/\//i.test(model))
      return {
        kind: 'unpinned-model',
        severity: 'medium',
        subject: model,
        summary: `${name} downloads ${model} from a repository without a commit: what it loads changes whenever the repository does`,
      };
    return undefined;
  }
  if (l.server === 'triton') return undefined;
  // vLLM and TGI: a Hugging Face repository id (not a local path) needs a commit revision.
  if (model.startsWith('/') || model.startsWith('.') || !HF_REPO.test(model)) return undefined;
  if (revision && COMMIT.test(revision)) return undefined;
  return {
    kind: 'unpinned-model',
    severity: 'medium',
    subject: model,
    summary: `${name} loads ${model} from the Hugging Face Hub ${revision ? `at the moving revision "${revision}"` : 'without a revision'}: pin it to a commit sha (--revision)`,
  };
}

function adminEndpoints(l: InferenceServerLaunch): InferenceIssue[] {
  const out: InferenceIssue[] = [];
  const a = l.argv;
  const issue = (subject: string, summary: string, severity: Severity = 'medium') =>
    out.push({ kind: 'admin-endpoint', severity, subject, summary });
  if (l.server === 'vllm') {
    if (truthy(envOf(l, 'VLLM_SERVER_DEV_MODE')))
      issue(
        'VLLM_SERVER_DEV_MODE',
        'vllm runs with VLLM_SERVER_DEV_MODE: development endpoints (cache reset, sleep/wake, collective RPC) are served to every client',
      );
    if (truthy(envOf(l, 'VLLM_ALLOW_RUNTIME_LORA_UPDATING')))
      issue(
        'VLLM_ALLOW_RUNTIME_LORA_UPDATING',
        'vllm allows runtime LoRA updating: any client can load an adapter from a path or repository it names',
      );
    if ((envOf(l, 'VLLM_TORCH_PROFILER_DIR') ?? '') !== '')
      issue(
        'VLLM_TORCH_PROFILER_DIR',
        'vllm serves /start_profile and /stop_profile (VLLM_TORCH_PROFILER_DIR set): any client can start the profiler and fill the disk',
        'low',
      );
  }
  if (l.server === 'triton') {
    const mode = flag(a, ['--model-control-mode']);
    if (
      typeof mode === 'string' &&
      /^(?:explicit|poll)$/i.test(mode) &&
      flag(a, ['--http-restricted-api', '--grpc-restricted-protocol']) === undefined
    )
      issue(
        `--model-control-mode=${mode}`,
        `tritonserver runs with --model-control-mode=${mode} and no restricted model-repository API: any client can load and unload models`,
      );
  }
  if (l.server === 'llama.cpp') {
    if (flag(a, ['--props']) !== undefined)
      issue(
        '--props',
        "llama-server enables POST /props: any client can change the server's global settings",
      );
    if (flag(a, ['--slot-save-path']) !== undefined)
      issue(
        '--slot-save-path',
        'llama-server enables slot save/restore: clients write and read files under the slot save path',
      );
  }
  if (l.server === 'ollama') {
    const origins = envOf(l, 'OLLAMA_ORIGINS');
    if (origins !== undefined && /(?:^|,)\s*\*\s*(?:,|$)/.test(origins))
      issue(
        'OLLAMA_ORIGINS',
        'ollama accepts cross-origin requests from any web page (OLLAMA_ORIGINS=*): a page the user visits can drive the API',
      );
  }
  return out;
}

/**
 * Assesses one inference server launch: remote code trusted
 * (`--trust-remote-code`, `TRUST_REMOTE_CODE`), listening on every interface
 * without an API key (`--api-key`, `VLLM_API_KEY`, …; Ollama and Triton have
 * none), admin or debug endpoints switched on, and a model or image pulled
 * from an unpinned source (a Hub repository without a commit revision,
 * `:latest`, plain HTTP).
 *
 * @example
 * ```ts
 * assessInferenceLaunch({ server: 'vllm', argv: ['vllm', 'serve', 'org/m', '--trust-remote-code'], env: {} })
 *   .map((i) => i.kind); // ['remote-code', 'exposed-no-auth', 'unpinned-model']
 * ```
 */
export function assessInferenceLaunch(l: InferenceServerLaunch): InferenceIssue[] {
  const out: InferenceIssue[] = [];
  const name = l.server === 'llama.cpp' ? 'llama-server' : l.server;
  const trust = flag(l.argv, ['--trust-remote-code']);
  const trustEnv = envOf(l, 'TRUST_REMOTE_CODE') ?? envOf(l, 'VLLM_TRUST_REMOTE_CODE');
  if ((trust !== undefined && truthy(trust)) || truthy(trustEnv))
    out.push({
      kind: 'remote-code',
      severity: 'high',
      subject: trust !== undefined ? '--trust-remote-code' : 'TRUST_REMOTE_CODE',
      summary: `${name} trusts remote code: Python shipped with the model repository runs inside the server when the model loads`,
    });
  const { host, configured } = listenHost(l);
  const key = apiKey(l);
  if (ALL_INTERFACES.test(host) && !key) {
    const why = configured
      ? `listens on ${host || 'every interface'}`
      : 'listens on every interface by default';
    out.push({
      kind: 'exposed-no-auth',
      severity: 'high',
      subject: configured ? `host ${host || '*'}` : 'default host',
      summary:
        key === null
          ? `${name} ${why} and has no authentication of its own: anyone who can reach the port can run models${l.server === 'ollama' || l.server === 'triton' ? ' and pull, load or delete them' : ''}`
          : `${name} ${why} without an API key: anyone who can reach the port can use the model`,
    });
  }
  out.push(...adminEndpoints(l));
  const model = unpinnedModel(l);
  if (model) out.push(model);
  if (l.image !== undefined) {
    const ref = l.image;
    const digest = ref.includes('@sha256:');
    const tag = /:([^/:@]+)$/.exec(ref)?.[1];
    if (!digest && (tag === undefined || tag === 'latest'))
      out.push({
        kind: 'unpinned-image',
        severity: 'medium',
        subject: ref,
        summary: `${name} runs from the image ${ref} ${tag ? 'by the moving tag :latest' : 'without a tag'}: pin a version or digest`,
      });
  }
  return out;
}
