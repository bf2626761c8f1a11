import { execFileSync, spawn, spawnSync } from 'node:child_process';
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
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkOutputTarget,
  discardPendingOutputs,
  isVigilError,
  OutputFile,
  VigilError,
  writeOutput,
} from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-output-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
let n = 0;
const fresh = (name: string) => {
  const d = join(dir, `case-${n++}`);
  mkdirSync(d);
  return join(d, name);
};
const temporaries = (folder: string) => readdirSync(folder).filter((f) => f.endsWith('.tmp'));

// A tmpfs of its own, to make a read-only folder or a full disk for real.
function mountTmpfs(options: string): string | undefined {
  if (!isRoot) return undefined;
  const d = fresh('mnt');
  mkdirSync(d);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', d]);
  if (r.status !== 0) return undefined;
  mounts.push(d);
  return d;
}

async function rejection(p: Promise<unknown>): Promise<VigilError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VigilError);
  return err as VigilError;
}

describe('writeOutput to regular files', () => {
  it('creates a new file atomically with the usual mode and leaves no temporary file', async () => {
    const out = fresh('new.json');
    await writeOutput(out, '{"a":1}\n');
    expect(readFileSync(out, 'utf8')).toBe('{"a":1}\n');
    const umask = process.umask();
    expect(statSync(out).mode & 0o777).toBe(0o666 & ~umask);
    expect(temporaries(join(out, '..'))).toEqual([]);
  });

  it.skipIf(!isRoot)('keeps an existing file’s mode and owner (0600, owned by nobody)', async () => {
    const out = fresh('owned.json');
    writeFileSync(out, 'old');
    chownSync(out, NOBODY, NOBODY);
    chmodSync(out, 0o600);
    await writeOutput(out, 'new');
    const st = statSync(out);
    expect(readFileSync(out, 'utf8')).toBe('new');
    expect(st.mode & 0o7777).toBe(0o600);
    expect([st.uid, st.gid]).toEqual([NOBODY, NOBODY]);
  });

  it('follows a symbolic link: the target is written, the link kept', async () => {
    const real = fresh('real.json');
    writeFileSync(real, 'old');
    chmodSync(real, 0o640);
    const link = join(real, '..', 'link.json');
    symlinkSync('real.json', link);
    await writeOutput(link, 'through the link');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.json');
    expect(readFileSync(real, 'utf8')).toBe('through the link');
    expect(statSync(real).mode & 0o777).toBe(0o640);
  });

  it('creates the target of a dangling symbolic link (chains followed)', async () => {
    const target = fresh('later.json');
    const a = join(target, '..', 'a');
    const b = join(target, '..', 'b');
    symlinkSync('b', a);
    symlinkSync('later.json', b);
    await writeOutput(a, 'x');
    expect(readFileSync(target, 'utf8')).toBe('x');
    expect(lstatSync(a).isSymbolicLink() && lstatSync(b).isSymbolicLink()).toBe(true);
  });

  it('refuses a directory, a missing folder and a path through a file before writing, naming the path', async () => {
    const d = fresh('dir');
    mkdirSync(d);
    expect((await rejection(checkOutputTarget(d))).message).toBe(
      `${d}: cannot write here: it is a directory; name a file`,
    );
    const missing = join(d, 'no', 'x.json');
    expect((await rejection(checkOutputTarget(missing))).message).toMatch(
      new RegExp(`^${missing}: cannot write here: the folder ${join(d, 'no')} does not exist`),
    );
    const file = fresh('file');
    writeFileSync(file, '');
    expect((await rejection(writeOutput(join(file, 'x'), 'x'))).message).toMatch(
      /a part of the path is not a folder/,
    );
  });

  it.skipIf(!isRoot)('refuses a read-only folder (a read-only mount) before writing', async (ctx) => {
    const ro = mountTmpfs('ro,size=64k');
    if (!ro) return ctx.skip('cannot mount a tmpfs here');
    const err = await rejection(checkOutputTarget(join(ro, 'x.json')));
    expect(err.code).toBe('IO');
    expect(err.message).toMatch(
      new RegExp(
        `^${ro}/x.json: cannot write here: the folder ${ro} does not take new files: read-only file system \\(EROFS\\)`,
      ),
    );
  });

  it.skipIf(!isRoot)('refuses a folder an unprivileged writer may not write (run as nobody)', () => {
    const d = fresh('locked');
    mkdirSync(d);
    chmodSync(dir, 0o755);
    chmodSync(join(d, '..'), 0o755);
    chmodSync(d, 0o555);
    const script = `import('${fileURLToPath(new URL('../../src/index.ts', import.meta.url))}').then((m) => m.checkOutputTarget(process.argv[1])).then(() => console.log('ok'), (e) => console.log(e.code + ' ' + e.message))`;
    const r = spawnSync(
      process.execPath,
      ['--conditions=@vigil/source', '--import', 'tsx', '-e', script, join(d, 'x.json')],
      {
        uid: NOBODY,
        gid: NOBODY,
        encoding: 'utf8',
        cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
        env: { ...process.env, HOME: '/tmp' },
        timeout: 60_000,
      },
    );
    chmodSync(dir, 0o700);
    expect(r.stdout.trim(), r.stderr).toMatch(
      /^IO .*x\.json: cannot write here: the folder .* does not take new files: permission denied \(EACCES\)$/,
    );
  });

  it.skipIf(!isRoot)(
    'on a full disk: names the target, keeps the old file, leaves no temporary file',
    async (ctx) => {
      const small = mountTmpfs('size=64k');
      if (!small) return ctx.skip('cannot mount a tmpfs here');
      const out = join(small, 'report.json');
      writeFileSync(out, 'previous');
      const err = await rejection(writeOutput(out, Buffer.alloc(1 << 20, 0x61)));
      expect(err.message).toBe(`${out}: cannot write: no space left on device (ENOSPC)`);
      expect(readFileSync(out, 'utf8')).toBe('previous');
      expect(temporaries(small)).toEqual([]);
    },
  );

  it('stops when aborted: the target is left as it was and the temporary file removed', async () => {
    const out = fresh('big.json');
    writeFileSync(out, 'previous');
    const controller = new AbortController();
    const p = writeOutput(out, Buffer.alloc(64 << 20, 0x62), { signal: controller.signal });
    controller.abort();
    const err = await rejection(p);
    expect(err.code).toBe('ABORTED');
    expect(err.message).toContain(out);
    expect(readFileSync(out, 'utf8')).toBe('previous');
    expect(temporaries(join(out, '..'))).toEqual([]);
  });

  it('removes what a killed writer left (its pid is gone), and nothing of a live one', async () => {
    const out = fresh('r.json');
    const folder = join(out, '..');
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout.trim());
    writeFileSync(join(folder, `.r.json.${deadPid}.0badf00d.tmp`), 'half');
    writeFileSync(join(folder, `.r.json.${process.pid}.0000abcd.tmp`), 'mine, in flight');
    writeFileSync(join(folder, '.other.json.1.0badf00d.tmp'), 'not ours');
    await checkOutputTarget(out);
    expect(temporaries(folder).sort()).toEqual([
      '.other.json.1.0badf00d.tmp',
      `.r.json.${process.pid}.0000abcd.tmp`,
    ]);
  });
});

describe('writeOutput to what is not a regular file', () => {
  it.skipIf(!isRoot)(
    'writes to a character device in place and never replaces it (a null device made here)',
    async () => {
      const dev = fresh('null');
      execFileSync('mknod', [dev, 'c', '1', '3']);
      chmodSync(dev, 0o666);
      const target = await checkOutputTarget(dev);
      expect(target.kind).toBe('device');
      await writeOutput(target, 'discarded');
      const st = lstatSync(dev);
      expect(st.isCharacterDevice()).toBe(true);
      expect([Number(st.rdev >> 8), st.rdev & 0xff]).toEqual([1, 3]);
      expect(temporaries(join(dev, '..'))).toEqual([]);
    },
  );

  it('writes into a FIFO with a reader, and the FIFO stays a FIFO', async () => {
    const fifo = fresh('pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (c: Buffer) => {
      got += c.toString();
    });
    const closed = new Promise((r) => reader.once('close', r));
    const payload = 'x'.repeat(3 << 20);
    await writeOutput(fifo, payload);
    await closed;
    expect(got.length).toBe(payload.length);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('waits for a FIFO reader without blocking, and gives up when aborted', async () => {
    const fifo = fresh('lonely');
    execFileSync('mkfifo', [fifo]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const err = await rejection(writeOutput(fifo, 'nobody reads', { signal: controller.signal }));
    expect(err.code).toBe('ABORTED');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('connects to a Unix socket and sends the bytes', async () => {
    const sock = fresh('s.sock');
    let got = '';
    const done = new Promise<void>((resolve) => {
      const server = createServer((c) => {
        c.on('data', (d) => {
          got += d.toString();
        });
        c.on('end', () => {
          server.close();
          resolve();
        });
      });
      server.listen(sock);
    });
    await new Promise((r) => setTimeout(r, 50));
    expect((await checkOutputTarget(sock)).kind).toBe('socket');
    await writeOutput(sock, 'over the socket');
    await done;
    expect(got).toBe('over the socket');
  });
});

describe('OutputFile (incremental writers)', () => {
  it('commits over a regular file keeping its mode, or discards leaving it alone', async () => {
    const out = fresh('cap.vcap');
    writeFileSync(out, 'old');
    chmodSync(out, 0o604);
    const a = await OutputFile.open(out);
    writeFileSync(a.path, 'new capture');
    await a.commit();
    expect(readFileSync(out, 'utf8')).toBe('new capture');
    expect(statSync(out).mode & 0o777).toBe(0o604);
    const b = await OutputFile.open(out);
    writeFileSync(b.path, 'abandoned');
    b.discard();
    expect(existsSync(b.path)).toBe(false);
    expect(readFileSync(out, 'utf8')).toBe('new capture');
    expect(temporaries(join(out, '..'))).toEqual([]);
  });

  it('copies into a FIFO on commit', async () => {
    const fifo = fresh('cap-pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (c: Buffer) => {
      got += c.toString();
    });
    const closed = new Promise((r) => reader.once('close', r));
    const o = await OutputFile.open(fifo);
    writeFileSync(o.path, 'streamed capture');
    await o.commit();
    await closed;
    expect(got).toBe('streamed capture');
    expect(existsSync(o.path)).toBe(false);
  });

  it('discardPendingOutputs removes every temporary file still pending', async () => {
    const out = fresh('pending.json');
    const o = await OutputFile.open(out);
    writeFileSync(o.path, 'half');
    expect(discardPendingOutputs()).toBeGreaterThanOrEqual(1);
    expect(existsSync(o.path)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('a process that exits in the middle leaves no temporary file', () => {
    const out = fresh('exit.json');
    const script = `import('${fileURLToPath(new URL('../../src/index.ts', import.meta.url))}').then(async (m) => { const o = await m.OutputFile.open(process.argv[1]); require('node:fs').writeFileSync(o.path, 'half'); console.log(o.path); process.exit(3); })`;
    const r = spawnSync(
      process.execPath,
      ['--conditions=@vigil/source', '--import', 'tsx', '-e', script, out],
      {
        encoding: 'utf8',
        cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
        timeout: 60_000,
      },
    );
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout.trim()).toMatch(/\.exit\.json\.\d+\.[0-9a-f]{8}\.tmp$/);
    expect(existsSync(r.stdout.trim())).toBe(false);
    expect(temporaries(join(out, '..'))).toEqual([]);
  });

  it('IO errors are VigilErrors', async () => {
    const err = await rejection(writeOutput('', 'x'));
    expect(isVigilError(err, 'IO')).toBe(true);
  });
});
