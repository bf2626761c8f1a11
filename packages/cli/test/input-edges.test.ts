// Inputs that are not what they seem: a FIFO as a baseline, a baseline store that is a folder,
// a FIFO, a device or a JSON file, over-large generalisation settings, gap --strict.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, type VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackEvents, benignAgent } from '../../core/test/baseline/helpers/agent-sim.js';
import { runCli } from './helpers.js';
import { spawnCli, waitFor, waitsForFifoPartner } from './process-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-input-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
const capture = join(dir, 'run.vcap');
const cutShort = join(dir, 'cut-short.vcap');
const cutShortAttack = join(dir, 'cut-short-attack.vcap');
const baseline = join(dir, 'baseline.json');
const stable = join(dir, 'stable.json');
let n = 0;
const fresh = (name: string) => {
  const d = join(dir, `case-${n++}`);
  mkdirSync(d);
  return join(d, name);
};

function write(path: string, events: Iterable<VigilEvent>, close = true): void {
  const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
  w.writeAll(events);
  if (close) w.close({ exitCode: 0 });
  else w.abandon();
}

beforeAll(async () => {
  write(capture, benignAgent({ seed: 1, seconds: 300 }));
  write(cutShort, benignAgent({ seed: 2, seconds: 120 }), false);
  write(
    cutShortAttack,
    [
      ...benignAgent({ seed: 3, seconds: 60 }),
      ...Object.values(attackEvents(1_764_000_061_000_000_000)).flat(),
    ],
    false,
  );
  const r = await runCli(['learn', '--no-dns', '--out', baseline, capture]);
  expect(r.code, r.stderr).toBe(0);
  // A stable baseline, so that the attack in cutShortAttack is drift with findings.
  expect((await runCli(['learn', '--no-dns', '--mark-stable', '--out', stable, capture])).code).toBe(0);
}, 120_000);

describe('a FIFO as the baseline of vigil check', { timeout: 240_000 }, () => {
  it('is read as a baseline file: the look at its first bytes neither blocks nor breaks the writer', async () => {
    const fifo = fresh('baseline.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat '${baseline}' > '${fifo}'`]);
    const writerExit = new Promise<number | null>((r) => writer.once('exit', (code) => r(code)));
    const r = await runCli(['check', '--json', '--baseline', fifo, capture]);
    expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
    expect(JSON.parse(r.stdout).baselines.length).toBeGreaterThan(0);
    // The writer wrote everything: nobody closed the FIFO on it half-way.
    expect(await writerExit).toBe(0);
  });

  it('with no writer, a SIGINT ends the wait: exit 2 naming the FIFO', async () => {
    const fifo = fresh('lonely.fifo');
    execFileSync('mkfifo', [fifo]);
    const p = spawnCli(['check', '--baseline', fifo, capture]);
    // Signalled once it waits in the FIFO's open (not while it loads): the wait is what SIGINT must end.
    expect(
      await Promise.race([
        waitFor(() => waitsForFifoPartner(p.child.pid!), 180_000),
        p.exited.then(() => false),
      ]),
      'vigil check never blocked opening the FIFO',
    ).toBe(true);
    p.child.kill('SIGINT');
    const exited = await Promise.race([
      p.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 120_000)),
    ]);
    if (exited === undefined) p.child.kill('SIGKILL');
    expect(exited, 'vigil check still waited for a writer after SIGINT').toEqual({ code: 2, signal: null });
    expect(p.stderr()).toBe(`vigil check: ${fifo}: reading baseline interrupted\n`);
  });
});

describe('vigil learn --generalisation is bounded', () => {
  it('refuses settings over 1 MiB from their size, and nesting past 8 levels, naming the file', async () => {
    const big = fresh('big.json');
    writeFileSync(
      big,
      `{"rules": [${'{"domain":"files","prefix":"/x/","maxChildren":2},'.repeat(30_000)}{}]}`,
    );
    const r = await runCli(['learn', '--generalisation', big, '--out', fresh('b.json'), capture]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^vigil learn: ${big}: generalisation settings is \\d+ bytes, over the 1048576-byte limit for this input\\n$`,
      ),
    );
    const deep = fresh('deep.json');
    writeFileSync(deep, `${'['.repeat(20)}${']'.repeat(20)}`);
    const d = await runCli(['learn', '--generalisation', deep, '--out', fresh('b.json'), capture]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(new RegExp(`^vigil learn: ${deep}, line 1.*nests deeper than 8 levels`));
    expect(d.stderr).not.toMatch(/learned from/);
  });

  it('still reads good settings, and names the file and place of a wrong shape', async () => {
    const good = fresh('gen.json');
    writeFileSync(
      good,
      JSON.stringify({
        defaultMaxChildren: 10,
        rules: [{ domain: 'files', prefix: '/data/', maxChildren: 3 }],
        examplesPerEntry: 2,
        introducersPerEntry: 1,
        maxArgs: 8,
      }),
    );
    expect(
      (await runCli(['learn', '--no-dns', '--generalisation', good, '--out', fresh('b.json'), capture])).code,
    ).toBe(0);
    const wrong = fresh('wrong.json');
    writeFileSync(wrong, '{"defaultMaxChildren": "ten"}');
    const w = await runCli(['learn', '--generalisation', wrong, '--out', fresh('b.json'), capture]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(
      new RegExp(`^vigil learn: ${wrong}: invalid generalisation settings: defaultMaxChildren`),
    );
  });
});

describe('vigil learn --store names the store and what was expected', { timeout: 240_000 }, () => {
  const expected = '(expected a SQLite baseline store, as `vigil learn --store` makes)';

  it('a folder, a JSON baseline, a msgpack baseline and a missing folder are refused before any work, untouched', async () => {
    const folder = fresh('store-dir');
    mkdirSync(folder);
    const json = fresh('store.json');
    writeFileSync(json, readFileSync(baseline));
    const msgpack = fresh('store.vbsl');
    expect((await runCli(['learn', '--no-dns', '--format', 'msgpack', '--out', msgpack, capture])).code).toBe(
      0,
    );
    const missing = join(dir, 'no-such-folder', 'store.db');
    for (const [store, why] of [
      [folder, 'the baseline store is a folder, not a file'],
      [json, 'not an SQLite database (it looks like JSON: a baseline file?)'],
      [msgpack, 'not an SQLite database (it is a msgpack baseline file)'],
      [missing, `cannot create a baseline store: the folder ${join(dir, 'no-such-folder')} does not exist`],
    ] as const) {
      const before = existsSync(store) && !store.endsWith('store-dir') ? readFileSync(store) : undefined;
      const r = await runCli(['learn', '--store', store, '--out', fresh('b.json'), capture]);
      expect(r.code, store).toBe(2);
      expect(r.stderr).toBe(`vigil learn: ${store}: ${why} ${expected}\n`);
      if (before) expect(readFileSync(store)).toEqual(before);
    }
    expect(readdirSync(join(json, '..'))).toEqual(['store.json']);
  });

  it('a FIFO is refused at once (SQLite would block reading it), in a real process', async () => {
    const fifo = fresh('store.fifo');
    execFileSync('mkfifo', [fifo]);
    const p = spawnCli(['learn', '--store', fifo, '--out', fresh('b.json'), capture]);
    const exited = await Promise.race([
      p.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 180_000)),
    ]);
    if (exited === undefined) p.child.kill('SIGKILL');
    expect(exited, 'vigil learn blocked on the FIFO').toEqual({ code: 2, signal: null });
    expect(p.stderr()).toBe(`vigil learn: ${fifo}: the baseline store is a FIFO, not a file ${expected}\n`);
  });

  it.skipIf(!isRoot)('a device is refused, and nothing is created beside it', async () => {
    const dev = fresh('null');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    const r = await runCli(['learn', '--store', dev, '--out', fresh('b.json'), capture]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`vigil learn: ${dev}: the baseline store is a device, not a file ${expected}\n`);
    expect(readdirSync(join(dev, '..'))).toEqual(['null']);
  });
});

describe('vigil gap --strict', { timeout: 240_000 }, () => {
  it('refuses a capture without its trailer like inspect, learn and check; without it the report flags it', async () => {
    const declared = fresh('k8s.yaml');
    writeFileSync(
      declared,
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: agent, namespace: ai }\n',
    );
    const strict = await runCli(['gap', '--strict', '--declared', declared, cutShort]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(new RegExp(`^vigil gap: ${cutShort}.*no trailer`));
    const json = await runCli(['gap', '--json', '--declared', declared, cutShort]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).integrity).toEqual({
      complete: false,
      incomplete: [{ path: cutShort }],
      interrupted: [],
    });
    const text = await runCli(['gap', '--declared', declared, cutShort]);
    expect(text.stdout).toMatch(/INCOMPLETE: .*cut-short\.vcap has no trailer/);
    const ok = await runCli(['gap', '--strict', '--json', '--declared', declared, capture]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).integrity.complete).toBe(true);
  });
});

describe('a capture without its trailer is flagged in every report format', { timeout: 240_000 }, () => {
  it('vigil check: SARIF, Markdown, HTML and OCSF', async () => {
    const sarif = await runCli(['check', '--baseline', stable, '--format', 'sarif', cutShortAttack]);
    expect(sarif.stderr).toMatch(/warning: .*cut-short-attack\.vcap has no trailer/);
    const inv = JSON.parse(sarif.stdout).runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications[0].message.text).toMatch(/cut-short-attack\.vcap has no trailer/);
    const md = await runCli(['check', '--baseline', stable, '--format', 'markdown', cutShortAttack]);
    expect(md.stdout).toMatch(/> \*\*Incomplete input\*\*[\s\S]*cut-short-attack\.vcap has no trailer/);
    const html = await runCli(['check', '--baseline', stable, '--format', 'html', cutShortAttack]);
    expect(html.stdout).toMatch(/<section id="incomplete"[^>]*>.*cut-short-attack\.vcap has no trailer/);
    const ocsf = await runCli(['check', '--baseline', stable, '--format', 'ocsf', cutShortAttack]);
    const events = ocsf.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.metadata.labels).toContain('vigil:input:incomplete');
    const complete = await runCli(['check', '--baseline', stable, '--format', 'sarif', capture]);
    expect(JSON.parse(complete.stdout).runs[0].invocations[0].executionSuccessful).toBe(true);
  });

  it('vigil aibom: the AI-BOM, its CycloneDX export and text; --strict refuses the capture', async () => {
    const json = await runCli(['aibom', '--json', cutShort]);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toMatch(/warning: .*cut-short\.vcap has no trailer/);
    expect(JSON.parse(json.stdout).inputs.integrity).toEqual({
      complete: false,
      incomplete: [{ path: cutShort }],
      interrupted: [],
    });
    const cdx = await runCli(['aibom', '--format', 'cyclonedx', cutShort]);
    expect(JSON.parse(cdx.stdout).metadata.properties).toEqual(
      expect.arrayContaining([
        { name: 'vigil:captures-complete', value: 'false' },
        { name: 'vigil:capture-incomplete', value: cutShort },
      ]),
    );
    const text = await runCli(['aibom', '--format', 'text', cutShort]);
    expect(text.stdout).toMatch(/INCOMPLETE: .*cut-short\.vcap has no trailer/);
    const strict = await runCli(['aibom', '--strict', cutShort]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/cut-short\.vcap.*no trailer/);
  });
});
