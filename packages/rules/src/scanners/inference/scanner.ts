import { readFile } from 'node:fs/promises';
import { countOf, VigilError } from '@vigil/core';
import type { RuleMeta } from '../../api/rule.js';
import type {
  ArtifactDetection,
  ArtifactLocation,
  ArtifactRef,
  ArtifactScanner,
  ScanContext,
} from '../scanner.js';
import {
  type ConfiguredLaunch,
  launchesInEnvFile,
  launchesInHelmValues,
  launchesInLocalAiModel,
  launchesInModelfile,
  launchesInVllmConfig,
  looksLikeHelmValues,
  looksLikeLocalAiModel,
  looksLikeVllmConfig,
} from './config-files.js';
import {
  assessInferenceLaunch,
  type InferenceIssue,
  type InferenceIssueKind,
  type InferenceServerLaunch,
} from './launch.js';
import { type DeclaredLaunch, launchesInSystemdUnit, launchesInYaml } from './sources.js';

/** An inference server trusting code shipped with the model. */
export const INFERENCE_REMOTE_CODE: RuleMeta = {
  id: 'vigil.scan.inference-remote-code',
  title: 'Inference server trusts remote code from the model repository',
  description:
    "vLLM or TGI started with `--trust-remote-code` (or `TRUST_REMOTE_CODE=true`): the Python files of the model repository (`modeling_*.py`, tokenizers) are imported into the server when the model loads. Whoever controls the repository, or the path to it, runs code with the server's rights and GPU.",
  severity: 'high',
  version: '1.0.0',
  tags: {
    owaspLlm: ['LLM03'],
    owaspAgentic: ['ASI04', 'ASI05'],
    atlas: ['AML.T0010', 'AML.T0011'],
    attack: ['T1195', 'T1059.006'],
  },
  areas: ['supply-chain', 'execution'],
};

/** An inference server reachable from everywhere without authentication. */
export const INFERENCE_EXPOSED: RuleMeta = {
  id: 'vigil.scan.inference-exposed',
  title: 'Inference server listens on all interfaces without an API key',
  description:
    'The server binds 0.0.0.0 or :: (by flag, environment or its default) and no API key is configured (`--api-key`, `VLLM_API_KEY`, llama.cpp `--api-key`, LocalAI `--api-keys`); Ollama and Triton have no authentication of their own. Anyone who reaches the port uses the model and its GPU, and on Ollama or Triton also pulls, loads and deletes models.',
  severity: 'high',
  version: '1.0.0',
  tags: {
    owaspLlm: ['LLM10'],
    owaspAgentic: ['ASI03'],
    atlas: ['AML.T0040', 'AML.T0034'],
    attack: ['T1190', 'T1496'],
  },
  areas: ['least-privilege', 'resource-hijacking'],
};

/** Admin or debug endpoints switched on. */
export const INFERENCE_ADMIN_ENDPOINT: RuleMeta = {
  id: 'vigil.scan.inference-admin-endpoint',
  title: 'Inference server exposes admin or debug endpoints',
  description:
    'Endpoints that change the server rather than query a model are on: vLLM `VLLM_SERVER_DEV_MODE` and `VLLM_ALLOW_RUNTIME_LORA_UPDATING` (and the profiler), Triton `--model-control-mode=explicit|poll` without a restricted repository API, llama.cpp `--props` and `--slot-save-path`, Ollama `OLLAMA_ORIGINS=*`.',
  severity: 'medium',
  version: '1.0.0',
  tags: { owaspLlm: ['LLM03'], owaspAgentic: ['ASI03'], atlas: ['AML.T0040'], attack: ['T1190'] },
  areas: ['least-privilege'],
};

/** A model or server image from a moving or unauthenticated source. */
export const INFERENCE_UNPINNED_MODEL: RuleMeta = {
  id: 'vigil.scan.inference-unpinned-model',
  title: 'Inference server pulls its model or image from an unpinned source',
  description:
    'The model comes from a Hugging Face repository without a commit `--revision`, an Ollama tag that moves (`:latest` or none), a llama.cpp `-hf` repository or a URL over plain HTTP; or the server image is `:latest` or untagged. What runs changes when the source does, without review.',
  severity: 'medium',
  version: '1.0.0',
  tags: {
    owaspLlm: ['LLM03', 'LLM04'],
    owaspAgentic: ['ASI04'],
    atlas: ['AML.T0010', 'AML.T0018'],
    attack: ['T1195'],
  },
  areas: ['supply-chain'],
};

const RULE_OF: Record<InferenceIssue['kind'], RuleMeta> = {
  'remote-code': INFERENCE_REMOTE_CODE,
  'exposed-no-auth': INFERENCE_EXPOSED,
  'admin-endpoint': INFERENCE_ADMIN_ENDPOINT,
  'unpinned-model': INFERENCE_UNPINNED_MODEL,
  'unpinned-image': INFERENCE_UNPINNED_MODEL,
};

/**
 * An inference server start seen in a capture: the argv (and environment,
 * when the capture kept it) of its `process.exec`.
 *
 * @example
 * ```ts
 * const c: CapturedInferenceLaunch = { launch, uri: 'run.vcap', workload: 'host:vllm', pid: 4242, ts: 1.7e18 };
 * ```
 */
export interface CapturedInferenceLaunch {
  readonly launch: InferenceServerLaunch;
  /** The capture file. */
  readonly uri: string;
  readonly workload: string;
  readonly pid: number;
  readonly ts: number;
}

/** Options for {@link createInferenceServerScanner}. */
export interface InferenceServerScannerOptions {
  /** Inference servers seen starting in captures (`readScanCaptures` collects them). */
  readonly captured?: readonly CapturedInferenceLaunch[];
  /** Events the captures held: with none, nothing is said about what ran. */
  readonly observedEvents?: number;
}

const YAML = /\.ya?ml$/i;
const UNIT = /\.service$/i;
const MAX_BYTES = 16 << 20;

type ConfigKind = 'manifest' | 'unit' | 'vllm' | 'modelfile' | 'localai' | 'env' | 'helm';

const CONFIG_READERS: Record<
  Exclude<ConfigKind, 'manifest' | 'unit'>,
  (text: string, file: string) => ConfiguredLaunch[]
> = {
  vllm: launchesInVllmConfig,
  modelfile: launchesInModelfile,
  localai: launchesInLocalAiModel,
  env: launchesInEnvFile,
  helm: launchesInHelmValues,
};

/** Which reader a file needs, from its name and first bytes; `undefined` when it is none of them. */
function configKind(a: ArtifactRef): ConfigKind | undefined {
  const base = a.path.slice(a.path.lastIndexOf('/') + 1);
  if (UNIT.test(a.path)) return 'unit';
  if (/^Modelfile(?:\..+)?$|\.modelfile$/i.test(base)) return 'modelfile';
  if (/^\.env$|\.env$/i.test(base) || /\/etc\/default\/(?:ollama|local-?ai|vllm)$/.test(a.path)) return 'env';
  if (!YAML.test(a.path)) return undefined;
  const head = Buffer.from(a.head).toString('utf8');
  // An unrendered Helm template is not YAML yet: `helm template` renders it into manifests.
  if (/\/templates\//.test(a.path) && head.includes('{{')) return undefined;
  if (/^(?:kind|services)\s*:/m.test(head) || /\b(?:containers|services)\s*:/.test(head)) return 'manifest';
  if (looksLikeHelmValues(head)) return 'helm';
  if (looksLikeLocalAiModel(head)) return 'localai';
  if (looksLikeVllmConfig(head)) return 'vllm';
  return undefined;
}

function serverName(l: InferenceServerLaunch): string {
  return l.server === 'llama.cpp' ? 'llama-server' : l.server;
}

/**
 * The inference server scanner: vLLM, TGI, Ollama, llama.cpp server,
 * Triton and LocalAI, from Kubernetes manifests (and `helm template`
 * output), Compose files, systemd units, vLLM `--config` YAML, Ollama
 * Modelfiles, LocalAI model YAML, environment files (`OLLAMA_HOST=…`), Helm
 * values of vLLM's production stack and the Ollama chart, and the
 * argv/environment of the `process.exec` events in captures. Findings from a
 * configuration file point at the setting (line, and JSON pointer in YAML).
 * Reports remote code trusted, listening on every interface without an API
 * key, admin or debug endpoints, and models or images from unpinned
 * sources; each finding says whether such a server was seen running in the
 * captures (and which process), or that no capture was given.
 *
 * @example
 * ```ts
 * import { createInferenceServerScanner, readScanCaptures, scanPaths } from '@vigil/rules';
 *
 * const cap = await readScanCaptures(['run.vcap']);
 * const scanner = createInferenceServerScanner({ captured: cap.inferenceLaunches, observedEvents: cap.observed.events });
 * const result = await scanPaths(['deploy/'], { scanners: [scanner], observed: cap.observed });
 * ```
 */
export function createInferenceServerScanner(options: InferenceServerScannerOptions = {}): ArtifactScanner {
  const captured = options.captured ?? [];
  const events = options.observedEvents ?? 0;
  const haveRuntime = events > 0 || captured.length > 0;

  const running = (l: InferenceServerLaunch): { used: boolean; reason: string } | undefined => {
    if (!haveRuntime) return undefined;
    const same = captured.filter((c) => c.launch.server === l.server);
    if (same.length === 0)
      return {
        used: false,
        reason: `no ${serverName(l)} process was seen running in ${events} observed events`,
      };
    const c = same[0]!;
    return {
      used: true,
      reason: `${serverName(l)} seen running: pid ${c.pid} in ${c.workload} (${countOf(same.length, 'start')} in the captures)`,
    };
  };

  const report = (
    ctx: ScanContext,
    l: InferenceServerLaunch,
    location: ArtifactLocation | ((issue: InferenceIssue) => ArtifactLocation),
    where: string,
    seen: { used: boolean; reason: string } | undefined,
    envIncomplete: boolean,
    kinds?: readonly InferenceIssueKind[],
  ) => {
    for (const issue of assessInferenceLaunch(l)) {
      if (kinds && !kinds.includes(issue.kind)) continue;
      // An environment file is not the whole launch: the command line may set the address.
      if (
        where.startsWith('env-file') &&
        issue.kind === 'exposed-no-auth' &&
        issue.subject === 'default host'
      )
        continue;
      const softened = issue.kind === 'exposed-no-auth' && envIncomplete;
      const d: ArtifactDetection = {
        ruleId: RULE_OF[issue.kind].id,
        subject: `${where}:${l.server}:${issue.kind}:${issue.subject}`,
        summary: `${issue.summary}${softened ? ' (unless the environment it loads from elsewhere sets a key)' : ''} — ${seen ? (seen.used ? seen.reason : `not seen running: ${seen.reason}`) : 'no capture to tell whether it ran'}`,
        location: typeof location === 'function' ? location(issue) : location,
        ...(softened
          ? { severity: 'medium' as const }
          : issue.severity !== RULE_OF[issue.kind].severity
            ? { severity: issue.severity }
            : {}),
        evidence: [{ type: 'note', description: `${where}: ${l.argv.join(' ').slice(0, 400)}` }],
        ...(seen ? { observable: { kind: 'verdict' as const, used: seen.used, reason: seen.reason } } : {}),
      };
      ctx.report(d);
    }
  };

  return {
    id: 'vigil.scan.inference-servers',
    title: 'Inference server configuration',
    version: '1.0.0',
    rules: [INFERENCE_REMOTE_CODE, INFERENCE_EXPOSED, INFERENCE_ADMIN_ENDPOINT, INFERENCE_UNPINNED_MODEL],
    accepts(a: ArtifactRef): boolean {
      return configKind(a) !== undefined;
    },
    async scan(a: ArtifactRef, ctx: ScanContext): Promise<void> {
      const max = Math.min(ctx.limits.maxBytes, MAX_BYTES);
      if (a.size > max)
        throw new VigilError(
          'INPUT_INVALID',
          `configuration is ${a.size} bytes, over the ${max}-byte limit`,
          {
            location: { file: a.path },
          },
        );
      let text: string;
      try {
        text = (await readFile(a.path)).toString('utf8');
      } catch (cause) {
        throw new VigilError('IO', `cannot read configuration: ${(cause as Error).message}`, {
          cause,
          location: { file: a.path },
        });
      }
      const kind = configKind(a);
      if (kind !== 'manifest' && kind !== 'unit' && kind !== undefined) {
        for (const c of CONFIG_READERS[kind](text, a.path)) {
          if (ctx.signal?.aborted) return;
          report(
            ctx,
            c.launch,
            (issue) => ({ uri: a.path, ...c.placeOf(issue) }),
            `${c.format} ${c.name}`,
            running(c.launch),
            false,
            c.kinds,
          );
        }
        return;
      }
      const found: DeclaredLaunch[] =
        kind === 'unit' ? launchesInSystemdUnit(text, a.path) : launchesInYaml(text, a.path);
      for (const d of found) {
        if (ctx.signal?.aborted) return;
        report(
          ctx,
          d.launch,
          {
            uri: a.path,
            ...(d.jsonPointer ? { jsonPointer: d.jsonPointer } : {}),
            ...(d.line !== undefined ? { line: d.line } : {}),
          },
          `${d.format} ${d.name}`,
          running(d.launch),
          d.envIncomplete,
        );
      }
    },
    async finish(ctx: ScanContext): Promise<void> {
      for (const c of captured)
        report(
          ctx,
          c.launch,
          { uri: c.uri },
          'captured exec',
          {
            used: true,
            reason: `seen running: pid ${c.pid} in ${c.workload}, started at ${new Date(c.ts / 1e6).toISOString()}`,
          },
          false,
        );
    },
  };
}
