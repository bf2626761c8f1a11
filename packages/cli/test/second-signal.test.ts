import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureWriter } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { benignAgent } from '../../core/test/baseline/helpers/agent-sim.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const entry = fileURLToPath(new URL('./fixtures/vigil.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vigil-second-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const temporaries = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));
const isRoot = process.getuid?.() === 0;
const strace = spawnSync('strace', ['-V']).status === 0;
if (!strace)
  console.warn('skipping the second-signal test: strace is not installed (apt-get install strace)');

describe('a second signal while the result is being written', { timeout: 240_000 }, () => {
  it.skipIf(!strace || !isRoot)(
    'ends the process with 128+N, removing the temporary file and leaving the previous result',
    async () => {
      const capture = join(dir, 'run.vcap');
      const w = CaptureWriter.create(capture, { header: { source: 'synthetic' } });
      w.writeAll(benignAgent({ seed: 5, seconds: 600 }));
      w.close({ exitCode: 0 });
      const d = join(dir, 'out');
      mkdirSync(d);
      const out = join(d, 'baseline.json');
      writeFileSync(out, 'previous');
      // Every fsync is held for 20 s by strace: both signals land while the temporary file exists.
      const child = spawn(
        'strace',
        [
          '-f',
          '-qq',
          '-o',
          join(dir, 'strace.log'),
          '-e',
          'trace=fsync',
          '-e',
          'inject=fsync:delay_enter=20000000',
          process.execPath,
          '--conditions=@vigil/source',
          '--import',
          'tsx',
          entry,
          'learn',
          '--no-dns',
          '--out',
          out,
          capture,
        ],
        { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        child.once('close', (code, signal) => r({ code, signal })),
      );
      let tmp: string | undefined;
      for (let i = 0; i < 2400 && tmp === undefined; i++) {
        tmp = temporaries(d).find((f) => f.startsWith('.baseline.json.'));
        if (tmp === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(tmp, `the temporary file never appeared: ${stderr}`).toBeDefined();
      const pid = Number(/^\.baseline\.json\.(\d+)\./.exec(tmp!)![1]);
      process.kill(pid, 'SIGTERM');
      // The first asks the command to stop; it waits for the held fsync. The second must not.
      await new Promise((r) => setTimeout(r, 1500));
      process.kill(pid, 'SIGTERM');
      const r = await exited;
      expect(r, stderr).toEqual({ code: 143, signal: null });
      expect(temporaries(d)).toEqual([]);
      expect(readFileSync(out, 'utf8')).toBe('previous');
    },
  );
});
