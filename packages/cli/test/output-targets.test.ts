import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureWriter, type VigilEvent } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const entry = fileURLToPath(new URL('./fixtures/vigil.ts', import.meta.url));
const nodeArgs = ['--conditions=@vigil/source', '--import', 'tsx', entry];
const dir = mkdtempSync(join(tmpdir(), 'vigil-out-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
let n = 0;
const folder = () => {
  const d = join(dir, `case-${n++}`);
  mkdirSync(d);
  return d;
};
const temporaries = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

const ESC = '\u001b';
const rawControls = (s: string) => [...s].filter((c) => ['\u001b', '\u0007', '\r', '\u202e'].includes(c));
const hostile = `${ESC}]0;pwned\u0007${ESC}[2J\rvigil: all clear\u202e`;
const ev = (i: number, extra: Partial<VigilEvent> & Pick<VigilEvent, 'kind'>) =>
  ({
    ts: 1_764_000_000_000_000_000 + i,
    workload: { id: `cgroup:/w${i % 3000}`, kind: 'cgroup', labels: {} },
    pid: 100 + i,
    ppid: 1,
    comm: 'sh',
    exe: `/opt/${hostile}/bin/tool`,
    source: 'synthetic',
    ...extra,
  }) as VigilEvent;

function writeCapture(path: string, count: number): string {
  const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
  for (let i = 0; i < count; i++) {
    w.write(
      i % 2 === 0
        ? ev(i, {
            kind: 'process.exec',
            filename: `/opt/${hostile}/bin/tool`,
            argv: ['tool', hostile],
          } as never)
        : ev(i, {
            kind: 'file.open',
            path: `/data/${i}/${hostile}`,
            flags: 0,
            access: 'read',
            result: 3,
          } as never),
    );
  }
  w.close();
  return path;
}
const small = writeCapture(join(dir, 'small.vcap'), 6);
const big = writeCapture(join(dir, 'big.vcap'), 12_000);

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}
function vigil(args: string[], opts: { stdio?: 'pipe' } = {}): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, stdio: opts.stdio ?? 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

function mountTmpfs(options: string): string | undefined {
  if (!isRoot) return undefined;
  const d = join(folder(), 'mnt');
  mkdirSync(d);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', d]).status !== 0) return undefined;
  mounts.push(d);
  return d;
}

// Each spawned vigil compiles its sources with tsx: slow on a busy machine, hence the margins.
describe('--out targets (the vigil process)', { timeout: 240_000 }, () => {
  it.skipIf(!isRoot)(
    'writes to a device node in place and leaves it a device (a null device made with mknod)',
    async () => {
      const d = folder();
      const dev = join(d, 'null');
      execFileSync('mknod', [dev, 'c', '1', '3']);
      const r = await vigil(['inspect', small, '--out', dev]).done;
      expect(r.code, r.stderr).toBe(0);
      const st = lstatSync(dev);
      expect(st.isCharacterDevice()).toBe(true);
      expect([Number(st.rdev >> 8), st.rdev & 0xff]).toEqual([1, 3]);
      expect(readdirSync(d)).toEqual(['null']);
    },
  );

  it('writes into a FIFO that has a reader; the FIFO stays', async () => {
    const d = folder();
    const fifo = join(d, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (c: Buffer) => {
      got += c.toString();
    });
    const read = new Promise((r) => reader.once('close', r));
    const r = await vigil(['inspect', small, '--json', '--out', fifo]).done;
    await read;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(got).events).toBe(6);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('follows a symbolic link: the target is written, the link kept', async () => {
    const d = folder();
    writeFileSync(join(d, 'real.json'), 'old');
    symlinkSync('real.json', join(d, 'link.json'));
    const r = await vigil(['inspect', small, '--json', '--out', join(d, 'link.json')]).done;
    expect(r.code, r.stderr).toBe(0);
    expect(readlinkSync(join(d, 'link.json'))).toBe('real.json');
    expect(JSON.parse(readFileSync(join(d, 'real.json'), 'utf8')).events).toBe(6);
  });

  it.skipIf(!isRoot)('keeps an existing 0600 file owned by nobody: mode and owner', async () => {
    const d = folder();
    const out = join(d, 'owned.json');
    writeFileSync(out, 'old');
    chownSync(out, NOBODY, NOBODY);
    chmodSync(out, 0o600);
    const r = await vigil(['inspect', small, '--json', '--out', out]).done;
    expect(r.code, r.stderr).toBe(0);
    const st = statSync(out);
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o600, NOBODY, NOBODY]);
    expect(JSON.parse(readFileSync(out, 'utf8')).events).toBe(6);
  });

  it.skipIf(!isRoot)(
    'refuses a read-only folder with one line naming the target, before any work',
    async (ctx) => {
      const ro = mountTmpfs('ro,size=64k');
      if (!ro) return ctx.skip('cannot mount a tmpfs here');
      const out = join(ro, 'x.json');
      // The capture does not exist: reaching it would be the work; the target is checked first.
      const r = await vigil(['inspect', join(dir, 'missing.vcap'), '--out', out]).done;
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `vigil inspect: ${out}: cannot write here: the folder ${ro} does not take new files: read-only file system (EROFS)\n`,
      );
    },
  );

  it('refuses a directory and a missing folder before the work', async () => {
    const d = folder();
    for (const [out, why] of [
      [d, 'it is a directory; name a file'],
      [join(d, 'no', 'x.json'), `the folder ${join(d, 'no')} does not exist`],
    ] as const) {
      const r = await runCli(['check', join(dir, 'missing.vcap'), '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`vigil check: ${out}: cannot write here: ${why}\n`);
    }
  });

  it('ends quietly with 141 when the reader of stdout goes away (vigil inspect big.vcap | head -1), leaving nothing', async () => {
    const { child, done } = vigil(['inspect', big, '--json']);
    child.stdout?.once('data', () => child.stdout?.destroy());
    const r = await done;
    expect(r.code).toBe(141);
    expect(r.stderr).toBe('');
  });

  it('ends quietly with 141 on a broken stderr too (vigil learn … 2>&1 | head -1), leaving no temporary file', () => {
    const d = folder();
    const out = join(d, 'baseline.json');
    const cmd = `${[process.execPath, ...nodeArgs].map((a) => `'${a}'`).join(' ')} learn --no-dns --out '${out}' '${big}' 2>&1 | head -1; echo "status=\${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', cmd], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('status=141');
    expect(temporaries(d)).toEqual([]);
  });

  const strace = spawnSync('strace', ['-V']).status === 0;
  if (!strace)
    console.warn('skipping the SIGTERM-while-writing test: strace is not installed (apt-get install strace)');
  it.skipIf(!strace || !isRoot)(
    'a SIGTERM while the result is being written leaves no temporary file and no half result',
    async () => {
      const d = folder();
      const out = join(d, 'summary.json');
      writeFileSync(out, 'previous');
      // fsync of the temporary file is held for 3 s by strace: the signal lands while it exists.
      const child = spawn(
        'strace',
        [
          '-f',
          '-qq',
          '-o',
          join(dir, `strace-${n}.log`),
          '-e',
          'trace=fsync',
          '-e',
          'inject=fsync:delay_enter=3000000',
          process.execPath,
          ...nodeArgs,
          'inspect',
          big,
          '--json',
          '--out',
          out,
        ],
        { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
      let tmp: string | undefined;
      for (let i = 0; i < 1200 && tmp === undefined; i++) {
        tmp = temporaries(d).find((f) => f.startsWith('.summary.json.'));
        if (tmp === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(tmp, 'the temporary file never appeared').toBeDefined();
      const pid = Number(/^\.summary\.json\.(\d+)\./.exec(tmp!)![1]);
      process.kill(pid, 'SIGTERM');
      const code = await exited;
      // An interrupted command is neither a success nor a findings result.
      expect(code === 0 || code === 1, `exit ${code}: ${stderr}`).toBe(false);
      expect(temporaries(d)).toEqual([]);
      expect(readFileSync(out, 'utf8')).toBe('previous');
    },
  );
});

describe('terminal safety', { timeout: 240_000 }, () => {
  it('text output and stderr lines never carry input control characters raw; JSON stays exact', async () => {
    const text = await runCli(['inspect', small]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('\\x1b]0;pwned\\x07\\x1b[2J\\x0dvigil: all clear\\u202e');
    expect(rawControls(text.stdout)).toEqual([]);
    const json = await runCli(['inspect', small, '--json']);
    const doc = JSON.parse(json.stdout) as { workloads: { processes: Record<string, unknown> }[] };
    expect(Object.keys(doc.workloads[0]!.processes)).toContain(`/opt/${hostile}/bin/tool`);

    const named = join(dir, `evil${hostile}.vcap`);
    const err = await runCli(['inspect', named]);
    expect(err.code).toBe(2);
    expect(err.stderr.trim().split('\n')).toHaveLength(1);
    expect(rawControls(err.stderr)).toEqual([]);
    expect(err.stderr).toContain('evil\\x1b]0;pwned');
  });

  it('the process itself: a file name with escapes reaches the terminal escaped', async () => {
    const r = await vigil(['inspect', join(dir, `x${ESC}[31mred.vcap`)]).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('x\\x1b[31mred.vcap');
    expect(r.stderr).not.toContain(ESC);
  });
});

describe('arguments', () => {
  it('stray arguments to a command that takes none are a usage error', async () => {
    const r = await runCli(['probe', 'extra']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("vigil probe: probe takes no arguments (got 'extra'; see 'vigil probe --help')\n");
    expect((await runCli(['record', 'stray', '--out', join(dir, 'r.vcap'), '--', 'true'])).code).toBe(2);
  });

  it('--json with a conflicting --format is a usage error; --json --format json is fine', async () => {
    const r = await runCli(['inspect', small, '--json', '--format', 'text']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'vigil inspect: --json and --format text contradict each other; give one of them\n',
    );
    expect((await runCli(['inspect', small, '--json', '--format', 'json'])).code).toBe(0);
  });

  it('--min-severity bogus is blamed on --min-severity', async () => {
    const r = await runCli(['check', small, '--min-severity', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^vigil check: --min-severity takes one of info, low, medium, high, critical \(got 'bogus'\)$/m,
    );
  });

  it('demo refuses to empty a folder that is not an earlier demo’s output', async () => {
    const d = folder();
    writeFileSync(join(d, 'precious.txt'), 'keep me');
    const r = await runCli(['demo', '--out', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a folder that is not empty and not an earlier demo's output/);
    expect(readFileSync(join(d, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('a missing input names the file; a directory or FIFO given as a capture names it too', async () => {
    const d = folder();
    const r = await runCli(['inspect', d]);
    expect(r.stderr).toBe(
      `vigil inspect: ${d}: cannot read capture: illegal operation on a directory (EISDIR)\n`,
    );
    const fifo = join(d, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `printf VCAP0000000000000000 > '${fifo}'`]);
    const p = await runCli(['inspect', fifo]);
    writer.kill();
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(
      new RegExp(`^vigil inspect: ${fifo}: cannot read capture: invalid seek \\(ESPIPE\\)`),
    );
    expect(existsSync(fifo)).toBe(true);
  });
});
