import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, type VigilEvent } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = (pid: number, ts: number) => ({
  ts: 1_764_000_000_000_000_000 + ts,
  workload: { id: 'cgroup:/vigil/demo', kind: 'cgroup' as const, labels: {} },
  pid,
  ppid: 1,
  comm: 'bash',
  exe: '/usr/bin/bash',
  source: 'synthetic' as const,
});
const events: VigilEvent[] = [
  { ...env(10, 1), kind: 'process.exec', filename: '/usr/bin/cat', argv: ['cat', '/etc/hostname'] },
  { ...env(10, 2), kind: 'file.open', path: '/etc/hostname', flags: 0, access: 'read', result: 3 },
  {
    ...env(11, 3),
    kind: 'net.connect',
    family: 'inet',
    protocol: 'tcp',
    daddr: '127.0.0.1',
    dport: 9,
    result: -111,
  },
  { ...env(11, 4), kind: 'process.exit', exitCode: 1 },
];
const capture = join(dir, 'demo.vcap');
const w = CaptureWriter.create(capture, { header: { source: 'synthetic' } });
w.writeAll(events);
w.close();

describe('vigil command frame', () => {
  it('prints help with every command and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: vigil COMMAND');
    expect(r.stdout).toContain('inspect');
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 findings');
  });

  it('prints command help', async () => {
    const r = await runCli(['inspect', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: vigil inspect CAPTURE');
    expect((await runCli(['help', 'inspect'])).stdout).toContain('Usage: vigil inspect');
  });

  it('command help lists the global options, the severities and how a bare-valued option takes a value', async () => {
    const learn = (await runCli(['learn', '--help'])).stdout;
    expect(learn).toContain('Usage: vigil learn --out BASELINE');
    expect(learn).toMatch(/\nGlobal options:\n(.*\n)* {2}-o, --out FILE {7}write the result to FILE/);
    expect(learn).toMatch(/--fail-on VALUE +exit 1 when .* \(info, low, medium, high, critical\)/);
    const check = (await runCli(['check', '--help'])).stdout;
    expect(check).toMatch(/--min-severity VALUE +hide findings .* \(info, low, medium, high, critical\)/);
    expect(check).toContain('vigil record --payloads');
    const record = (await runCli(['record', '--help'])).stdout;
    expect(record).toMatch(/\n {6}--payloads\[=VALUE\] +decode model and tool calls/);
    expect(record).toContain('  -o, --out FILE');
  });

  it('says how to give a bare-valued option its value when it was given after a space', async () => {
    const r = await runCli(['record', '--payloads', 'content', '--out', '/dev/null', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--payloads takes its value after '=': --payloads=content");
  });

  it('exits 2 with one line on stderr for an unknown command', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('exits 2 for an unknown option, naming it', async () => {
    const r = await runCli(['inspect', '--bogus', capture]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--bogus');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 for an unsupported format', async () => {
    const r = await runCli(['inspect', capture, '--format', 'sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not support --format sarif');
  });

  it('exits 2 for a missing file, naming it, and writes nothing to --out', async () => {
    const out = join(dir, 'never.json');
    const r = await runCli(['inspect', join(dir, 'missing.vcap'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.vcap');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('exits 2 for a corrupt capture with the byte offset', async () => {
    const bad = join(dir, 'bad.vcap');
    writeFileSync(bad, 'VCAP\u0001\u0000');
    const r = await runCli(['inspect', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/byte offset \d+/);
  });

  it('inspect summarises a capture per workload as text', async () => {
    const r = await runCli(['inspect', capture]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('4 events, 1 workload');
    expect(r.stdout).toContain('workload cgroup:/vigil/demo');
    expect(r.stdout).toContain('/usr/bin/cat');
    expect(r.stdout).toContain('127.0.0.1:9/tcp  (1 failed)');
    expect(r.stdout).toContain('1 distinct read');
  });

  it('inspect --json writes a JSON document atomically to --out', async () => {
    const out = join(dir, 'summary.json');
    const r = await runCli(['inspect', capture, '--json', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(out, 'utf8')));
    expect(doc.events).toBe(4);
    expect(doc.workloads[0].byKind).toEqual({
      'process.exec': 1,
      'file.open': 1,
      'net.connect': 1,
      'process.exit': 1,
    });
  });

  const bin = new URL('../bin/vigil.js', import.meta.url).pathname;
  const built = existsSync(new URL('../dist/index.js', import.meta.url));
  if (!built)
    console.warn('skipping the installed-binary test: packages/cli is not built (run bash scripts/setup.sh)');
  it.skipIf(!built)('the built binary runs (npx vigil)', () => {
    const r = spawnSync(process.execPath, [bin, 'inspect', capture, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).events).toBe(4);
    // The binary sets V8's interrupt budget before loading the SDK: V8 would say so on stderr if
    // it did not know the flag.
    expect(r.stderr).not.toMatch(/unrecognized flag|interrupt/i);
  });

  it.skipIf(!built)('runs under node --interrupt-budget=N (the binary then sets none)', () => {
    const r = spawnSync(process.execPath, ['--interrupt-budget=100000', bin, 'inspect', capture, '--json'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/unrecognized flag/i);
    expect(JSON.parse(r.stdout).events).toBe(4);
  });
});
