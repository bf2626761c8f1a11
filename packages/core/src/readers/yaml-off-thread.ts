import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ErrorLocation, ValidationIssue, VigilErrorCode } from '../errors/vigil-error.js';
import { VigilError } from '../errors/vigil-error.js';
import { YAML_TASKS, type YamlTaskName } from './yaml-tasks.js';

/**
 * Texts this large or larger are parsed in a worker thread. A YAML parse
 * costs seconds per MiB on a loaded machine and cannot yield, so in this
 * thread a Ctrl-C or an abort would wait for it to end; a worker is
 * terminated at once. Smaller texts parse in this thread (starting a worker
 * costs more than their parse).
 */
export const YAML_WORKER_MIN_BYTES = 256 * 1024;

type TaskArgs<K extends YamlTaskName> = Parameters<(typeof YAML_TASKS)[K]>;
type TaskResult<K extends YamlTaskName> = ReturnType<(typeof YAML_TASKS)[K]>;

type Reply =
  | { ok: true; result: unknown }
  | {
      ok: false;
      error?: {
        code: VigilErrorCode;
        message: string;
        location?: ErrorLocation;
        issues?: ValidationIssue[];
      };
      unexpected?: string;
    };

/** Where the parse runs and what may stop it. */
export interface OffThreadOptions {
  /** The file, for errors. */
  readonly file: string;
  /** What it is, for the abort message ("declared input"). */
  readonly what: string;
  readonly signal?: AbortSignal | undefined;
  /** Texts at least this long (UTF-8 bytes) go to a worker. Default {@link YAML_WORKER_MIN_BYTES}. */
  readonly minBytes?: number;
  /** Called when a worker has been started (tests see the parse is under way there). */
  readonly onWorker?: () => void;
}

function aborted(options: OffThreadOptions): VigilError {
  return new VigilError('ABORTED', `parsing ${options.what} interrupted`, {
    cause: options.signal?.reason,
    location: { file: options.file },
  });
}

// From the built package the worker is dist/yaml-worker.js beside this module's bundle; from
// the TypeScript sources (tests, scripts/ts) it is yaml-worker.ts, loaded through tsx.
function startWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./yaml-worker.js', here), { workerData });
  const tsx = dirname(createRequire(here).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsx, 'dist/esm/api/index.mjs')).href;
  const target = new URL('./yaml-worker.ts', here).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(target)}, ${JSON.stringify(here)}))`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Runs a YAML parse so that an abort stops it at once: a large text in a
 * worker thread (terminated on abort), a small one here. Resolves with the
 * parse's result; rejects with its `VigilError`, or `ABORTED` naming the file.
 */
export async function parseYamlOffThread<K extends YamlTaskName>(
  task: K,
  args: TaskArgs<K>,
  options: OffThreadOptions,
): Promise<TaskResult<K>> {
  const { signal } = options;
  if (signal?.aborted) throw aborted(options);
  if (Buffer.byteLength(args[0] as string) < (options.minBytes ?? YAML_WORKER_MIN_BYTES))
    return (YAML_TASKS[task] as (...a: unknown[]) => TaskResult<K>)(...args);
  const worker = startWorker({ task, args });
  options.onWorker?.();
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<TaskResult<K>>((resolve, reject) => {
      onAbort = () => reject(aborted(options));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (reply: Reply) => {
        if (reply.ok) resolve(reply.result as TaskResult<K>);
        else if (reply.error)
          reject(
            new VigilError(reply.error.code, reply.error.message, {
              ...(reply.error.location ? { location: reply.error.location } : {}),
              ...(reply.error.issues ? { issues: reply.error.issues } : {}),
            }),
          );
        else
          reject(
            new VigilError('INTERNAL', `the YAML parse failed: ${reply.unexpected ?? 'unknown error'}`, {
              location: { file: options.file },
            }),
          );
      });
      worker.once('error', (err) =>
        reject(
          new VigilError('INTERNAL', `the YAML parse failed: ${err.message}`, {
            cause: err,
            location: { file: options.file },
          }),
        ),
      );
      worker.once('exit', (code) =>
        reject(
          new VigilError('INTERNAL', `the YAML parse ended without a result (exit ${code})`, {
            location: { file: options.file },
          }),
        ),
      );
    });
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    void worker.terminate();
  }
}
