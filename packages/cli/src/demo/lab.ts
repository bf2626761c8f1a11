import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VigilError } from '@vigil/core';

const SERVE = join('examples', 'lab', 'src', 'serve.ts');

/** Finds the repository root (where `pnpm-workspace.yaml` and the lab are). */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(join(dir, SERVE))) return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new VigilError(
        'USAGE',
        'the demo runs from a Vigil repository checkout: it drives the lab (examples/lab), which the npm packages do not include; clone the repository, run `bash scripts/setup.sh`, then `bash scripts/demo.sh` there',
      );
    }
    dir = up;
  }
}

/** One agent run the lab prepared: the command to run under capture and what it needs. */
export interface LabRun {
  readonly argv: string[];
  readonly env: Record<string, string>;
  /** The team the run's task is about (tasks vary by seed). */
  readonly topic: string;
  /** The agent's workspace. */
  readonly work: string;
}

/** The lab's services (`examples/lab/src/serve.ts`) in a process of their own, outside any captured cgroup. */
export interface LabServices {
  /** The scripted model's OpenAI-compatible base URL. */
  readonly model: string;
  /** The attacker's drop server (`http://127.0.0.2:PORT`). */
  readonly drop: string;
  /** Why PostgreSQL (the RAG step) did not start, when it did not. */
  readonly postgresSkipped?: string;
  prepare(agent: string, seed: number, attack?: string): Promise<LabRun>;
  /** Undoes what the last prepared attack planted. */
  cleanup(): Promise<void>;
  /** Bytes the drop server received. */
  received(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the lab's services and waits until they are ready (the first start compiles TypeScript). */
export async function startLab(root: string, logFd: number): Promise<LabServices> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SERVE], {
    cwd: root,
    stdio: ['pipe', 'pipe', logFd],
  });
  const lines: Interface = createInterface({ input: child.stdout! });
  const queue: ((line: string) => void)[] = [];
  let exited: number | null | undefined;
  const failures: ((err: Error) => void)[] = [];
  lines.on('line', (line) => queue.shift()?.(line));
  child.once('exit', (code) => {
    exited = code;
    for (const f of failures.splice(0))
      f(new VigilError('INTERNAL', `the lab's services exited with ${code} (see the demo log)`));
  });
  const next = <T>(timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolveLine, reject) => {
      if (exited !== undefined)
        return reject(
          new VigilError('INTERNAL', `the lab's services exited with ${exited} (see the demo log)`),
        );
      const timer = setTimeout(
        () =>
          reject(new VigilError('INTERNAL', `the lab's services did not ${what} in ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      failures.push(reject);
      queue.push((line) => {
        clearTimeout(timer);
        failures.splice(failures.indexOf(reject), 1);
        try {
          const v = JSON.parse(line) as T & { error?: string };
          if (v.error) reject(new VigilError('INTERNAL', `the lab: ${v.error}`));
          else resolveLine(v);
        } catch (cause) {
          reject(new VigilError('INTERNAL', `unexpected output from the lab's services: ${line}`, { cause }));
        }
      });
    });
  const ask = <T>(req: unknown, what: string): Promise<T> => {
    const answer = next<T>(60_000, what);
    child.stdin!.write(`${JSON.stringify(req)}\n`);
    return answer;
  };
  const ready = await next<{ model: string; drop: string; postgresSkipped?: string }>(180_000, 'start');
  return {
    model: ready.model,
    drop: ready.drop,
    ...(ready.postgresSkipped ? { postgresSkipped: ready.postgresSkipped } : {}),
    prepare: (agent, seed, attack) =>
      ask<LabRun>({ prepare: { agent, seed, ...(attack ? { attack } : {}) } }, 'prepare a run'),
    cleanup: async () => {
      await ask({ cleanup: true }, 'clean up');
    },
    received: async () => (await ask<{ received: number }>({ status: true }, 'answer')).received,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.stdin!.end();
      }),
  };
}

/** Opens the demo's log file for the lab's and the agents' output. */
export function openLog(path: string): number {
  return openSync(path, 'a');
}
