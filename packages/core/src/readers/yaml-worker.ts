// A worker thread that runs one YAML parse (yaml-tasks.ts) and posts its result or its
// error back: see yaml-off-thread.ts. Built as its own entry (dist/yaml-worker.js).
import { parentPort, workerData } from 'node:worker_threads';
import { VigilError } from '../errors/vigil-error.js';
import { YAML_TASKS, type YamlTaskName } from './yaml-tasks.js';

const { task, args } = workerData as { task: YamlTaskName; args: unknown[] };
try {
  const run = YAML_TASKS[task] as (...a: unknown[]) => unknown;
  parentPort!.postMessage({ ok: true, result: run(...args) });
} catch (err) {
  if (err instanceof VigilError) {
    // The message without the location prefix VigilError adds, so the caller can rebuild it.
    const prefix = new VigilError(err.code, '', { location: err.location ?? {} }).message;
    parentPort!.postMessage({
      ok: false,
      error: {
        code: err.code,
        message: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message,
        location: err.location,
        issues: err.issues,
      },
    });
  } else parentPort!.postMessage({ ok: false, unexpected: String((err as Error)?.message ?? err) });
}
