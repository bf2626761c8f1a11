import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const child = fileURLToPath(new URL('./read-in-child.ts', import.meta.url));

/** What a reader did with one hostile input in a child process, and its peak resident memory. */
export interface ChildResult {
  readonly outcome: 'read' | 'refused' | 'crashed';
  readonly message: string;
  readonly ms: number;
  readonly peakKiB: number;
}

/**
 * Reads a hostile input in a fresh Node.js process whose heap may grow to 4 GiB (well above what
 * any reader should need), so a reader that is not bounded shows in its peak memory, not in a crash.
 */
export function readInChild(name: string, file: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        '--conditions=@vigil/source',
        '--import',
        `file://${root}node_modules/tsx/dist/loader.mjs`,
        '--max-old-space-size=4096',
        child,
        name,
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ChildResult);
      } catch {
        reject(new Error(`child for ${name} exited with ${code ?? signal}: ${err.slice(-2000)}`));
      }
    });
  });
}
