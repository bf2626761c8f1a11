import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without declarations
import * as scripts from '../scripts/prebuilt.mjs';
import { addonCandidates, prebuiltKey } from '../src/internal/binding.js';
import { tsNodeArgs } from './helpers.js';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/load-addon.ts', import.meta.url));
const saved = process.env['VIGIL_NATIVE_ADDON'];
afterEach(() => {
  if (saved === undefined) delete process.env['VIGIL_NATIVE_ADDON'];
  else process.env['VIGIL_NATIVE_ADDON'] = saved;
});

function load(env: Record<string, string | undefined>): { ok: boolean; code?: string; message?: string } {
  const r = spawnSync(process.execPath, tsNodeArgs(FIXTURE), {
    cwd: join(PKG, '../..'),
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { ok: boolean; code?: string; message?: string };
}

describe('addon loader', () => {
  it('keys prebuilt modules by platform, architecture and C library, as the build scripts do', () => {
    expect(prebuiltKey()).toBe((scripts as { prebuiltKey(): string }).prebuiltKey());
    expect(prebuiltKey()).toMatch(/^[a-z0-9]+-[a-z0-9]+-(glibc|musl|unknown)$/);
  });

  it('looks at the prebuilt module, then a source build; VIGIL_NATIVE_ADDON replaces both', () => {
    delete process.env['VIGIL_NATIVE_ADDON'];
    expect(addonCandidates()).toEqual([
      { kind: 'prebuilt', path: join(PKG, 'prebuilds', prebuiltKey(), 'vigil_native.node') },
      { kind: 'source-build', path: join(PKG, 'build', 'Release', 'vigil_native.node') },
    ]);
    process.env['VIGIL_NATIVE_ADDON'] = '/opt/x/vigil_native.node';
    expect(addonCandidates()).toEqual([{ kind: 'override', path: '/opt/x/vigil_native.node' }]);
  });

  it.skipIf(process.platform !== 'linux')(
    'a VIGIL_NATIVE_ADDON that is missing or not a module is an error naming it',
    () => {
      const missing = load({ VIGIL_NATIVE_ADDON: '/nonexistent/vigil_native.node' });
      expect(missing).toMatchObject({ ok: false, code: 'NATIVE_ADDON_MISSING' });
      expect(missing.message).toBe(
        'VIGIL_NATIVE_ADDON names /nonexistent/vigil_native.node, which does not exist',
      );

      const dir = mkdtempSync(join(tmpdir(), 'vigil-loader-'));
      try {
        const junk = join(dir, 'vigil_native.node');
        writeFileSync(junk, 'not an ELF object');
        const bad = load({ VIGIL_NATIVE_ADDON: junk });
        expect(bad).toMatchObject({ ok: false, code: 'NATIVE_ADDON_MISSING' });
        expect(bad.message).toMatch(
          new RegExp(`^the capture addon named by VIGIL_NATIVE_ADDON \\(${junk}\\) failed to load: `),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  const prebuilt = join(PKG, 'prebuilds', prebuiltKey(), 'vigil_native.node');
  it.skipIf(!existsSync(prebuilt))(
    'loads the prebuilt module, and the same file through VIGIL_NATIVE_ADDON',
    () => {
      expect(load({ VIGIL_NATIVE_ADDON: undefined })).toMatchObject({ ok: true });
      expect(load({ VIGIL_NATIVE_ADDON: prebuilt })).toMatchObject({ ok: true });
    },
  );
});
