import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discardPendingOutputs, OutputFile } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-output-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OutputFile.open creates its temporary file synchronously', () => {
  it('the file exists, empty, before open resolves; callers write it without O_CREAT', async () => {
    const out = join(dir, 'cap.vcap');
    const o = await OutputFile.open(out);
    expect(existsSync(o.path)).toBe(true);
    expect(statSync(o.path).size).toBe(0);
    const fd = openSync(o.path, 'r+');
    writeSync(fd, 'captured');
    closeSync(fd);
    await o.commit();
    expect(readFileSync(out, 'utf8')).toBe('captured');
    expect(existsSync(o.path)).toBe(false);
  });

  it('replacing an existing file, the temporary file is private (0600) until commit gives it the mode', async () => {
    const out = join(dir, 'shared.json');
    writeFileSync(out, 'old', { mode: 0o644 });
    const o = await OutputFile.open(out);
    expect(statSync(o.path).mode & 0o777).toBe(0o600);
    expect(discardPendingOutputs()).toBeGreaterThanOrEqual(1);
    expect(existsSync(o.path)).toBe(false);
    expect(readFileSync(out, 'utf8')).toBe('old');
  });

  it('a target whose folder cannot take the file is an error naming the target, and nothing stays pending', async () => {
    const out = join(dir, 'gone', 'x.json');
    const t = { path: out, kind: 'file' as const, file: out };
    const err = await OutputFile.open(t).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(new RegExp(`^${out}: cannot write: no such file or directory \\(ENOENT\\)`));
    expect(discardPendingOutputs()).toBe(0);
  });
});
