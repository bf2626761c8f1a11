// ESM consumer of the installed tarballs: imports every package, uses each a
// little, and checks that a VigilError from the CommonJS copy of core is
// recognised by the ESM copy (one identity across both builds).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, isVigilError, readCapture, SqliteBaselineStore, VigilError } from '@vigil/core';
import { probe } from '@vigil/ebpf-native';
import { toSarif } from '@vigil/reporters';
import { builtinPacks, shippedAdvisories } from '@vigil/rules';

const dir = mkdtempSync(join(tmpdir(), 'vigil-esm-consumer-'));
try {
  const file = join(dir, 'empty.vcap');
  CaptureWriter.create(file).close();
  const { events } = await readCapture(file);
  assert.equal(events.length, 0);
  assert.ok(builtinPacks().length > 0, 'built-in rule packs');
  // The bundle carries the advisory set as its JSON text, parsed on first use.
  assert.ok(shippedAdvisories().advisories.length > 100, 'the shipped advisory set');
  assert.equal(toSarif([]).version, '2.1.0');

  const cjsCore = createRequire(import.meta.url)('@vigil/core');
  assert.notEqual(cjsCore.VigilError, VigilError, 'the CommonJS build is a second copy');
  const fromCjs = new cjsCore.VigilError('INPUT_INVALID', 'made by the CommonJS copy');
  assert.ok(fromCjs instanceof VigilError, 'instanceof across copies');
  assert.ok(isVigilError(fromCjs, 'INPUT_INVALID'), 'isVigilError across copies');
  assert.ok(!(new Error('plain') instanceof VigilError));

  // better-sqlite3 is an optional peer dependency, not installed here.
  await assert.rejects(SqliteBaselineStore.open(join(dir, 'b.db')), (err) => {
    assert.ok(isVigilError(err, 'NATIVE_ADDON_MISSING'), String(err));
    assert.match(err.message, /npm install better-sqlite3@/);
    return true;
  });

  const report = await probe();
  // package-test.sh sets VIGIL_EXPECT_PREBUILT=1 when the tarball carries a module for this platform.
  if (process.env.VIGIL_EXPECT_PREBUILT === '1') {
    assert.ok(report.addon.available, `the prebuilt addon loads: ${report.addon.error}`);
    assert.match(report.addon.path, /prebuilds\/linux-x64-glibc\/vigil_native\.node$/);
  }
  console.log(`esm consumer: ok (addon ${report.addon.available ? report.addon.path : 'unavailable'})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
