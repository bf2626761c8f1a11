import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandWorkloadName, readCapture } from '@vigil/core';
import { capturePrivileges, ProbeReportSchema } from '@vigil/ebpf-native';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const canRecord =
  process.platform === 'linux' && existsSync('/sys/kernel/btf/vmlinux') && capturePrivileges().sufficient;
const why = canRecord ? undefined : 'needs Linux with BTF and root (or CAP_BPF + CAP_PERFMON)';
if (why) console.warn(`skipping vigil record tests: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cgroupRoot = existsSync('/sys/fs/cgroup/unified') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
// The run cgroups this process made (vigil-NAME/run-PID-…), which must all be gone.
const vigilCgroups = () =>
  readdirSync(cgroupRoot)
    .filter((n) => n.startsWith('vigil-'))
    .flatMap((n) => {
      try {
        return readdirSync(join(cgroupRoot, n))
          .filter((r) => r.startsWith(`run-${process.pid}-`))
          .map((r) => `${n}/${r}`);
      } catch {
        return []; // removed meanwhile by its own recording
      }
    });

describe('vigil probe', () => {
  it('prints a schema-valid JSON report', async () => {
    const r = await runCli(['probe', '--json']);
    expect(r.code).toBe(0);
    const report = ProbeReportSchema.parse(JSON.parse(r.stdout));
    expect(Object.keys(report.features)).toContain('kprobe');
    if (canRecord) expect(report.captureReady).toBe(true);
  });

  it('prints one line per feature as text, with a reason for each no', async () => {
    const r = await runCli(['probe']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}tp_btf +(yes|no {3}.+)$/m);
    for (const line of r.stdout.split('\n').filter((l) => / {2}no {3}/.test(l)))
      expect(line.trim().length).toBeGreaterThan(20);
  });
});

describe.skipIf(why !== undefined)('vigil record', () => {
  it('captures exec, open and a refused connect, passes the exit code on and removes its cgroup', async () => {
    const out = join(dir, 'x.vcap');
    const r = await runCli([
      'record',
      '--out',
      out,
      '--',
      'bash',
      '-c',
      'cat /etc/hostname >/dev/null; (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null || true; exit 7',
    ]);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/vigil record: \d+ events to .*x\.vcap, none dropped; bash exited with 7/);
    const cap = await readCapture(out);
    const events = cap.events;
    expect(cap.header.command).toEqual(expect.arrayContaining(['bash', '-c']));
    expect(cap.trailer?.exitCode).toBe(7);
    expect(cap.trailer?.drops).toEqual({
      'ringbuf-full': 0,
      'consumer-refused': 0,
      'queue-full': 0,
      'decode-error': 0,
    });
    const execs = events
      .filter((e) => e.kind === 'process.exec')
      .map((e) => (e.kind === 'process.exec' ? e.filename : ''));
    expect(execs).toEqual(['/usr/bin/bash', '/usr/bin/cat']);
    expect(
      events.some((e) => e.kind === 'file.open' && e.path === '/etc/hostname' && e.access === 'read'),
    ).toBe(true);
    // glibc may also try the nscd socket (a unix connect) depending on the host's
    // nsswitch set-up; the assertion is about the IP connection the script made.
    expect(
      events
        .filter((e) => e.kind === 'net.connect' && e.family !== 'unix')
        .map((e) => (e.kind === 'net.connect' ? [e.daddr, e.dport, e.result] : [])),
    ).toEqual([['127.0.0.1', 9, -111]]);
    expect(events.some((e) => e.kind === 'process.exit' && e.exitCode === 7)).toBe(true);
    expect(vigilCgroups()).toEqual([]);
    const inspect = await runCli(['inspect', out]);
    expect(inspect.stdout).toMatch(/process\.exec=2/);
    expect(inspect.stdout).toMatch(/127\.0\.0\.1:9\/tcp {2}\(1 failed\)/);
  });

  it('records unix socket connects by path and abstract name, and inspect shows them as unix:PATH and unix:@name', async () => {
    const out = join(dir, 'unix.vcap');
    const script = [
      'import socket',
      's = socket.socket(socket.AF_UNIX); s.bind("\\0vigil-test-abstract"); s.listen()',
      'socket.socket(socket.AF_UNIX).connect("\\0vigil-test-abstract")',
      'try: socket.socket(socket.AF_UNIX).connect("/nonexistent/vigil-test.sock")',
      'except OSError: pass',
    ].join('\n');
    const r = await runCli(['record', '--out', out, '--', 'python3', '-c', script]);
    expect(r.code).toBe(0);
    const cap = await readCapture(out);
    const unix = cap.events.filter((e) => e.kind === 'net.connect' && e.family === 'unix');
    expect(unix.map((e) => (e.kind === 'net.connect' ? [e.daddr, e.dport, e.result < 0] : []))).toEqual(
      expect.arrayContaining([
        ['@vigil-test-abstract', 0, false],
        ['/nonexistent/vigil-test.sock', 0, true],
      ]),
    );
    const inspect = await runCli(['inspect', out]);
    expect(inspect.stdout).toMatch(/ {2}unix:@vigil-test-abstract\n/);
    expect(inspect.stdout).toMatch(/ {2}unix:\/nonexistent\/vigil-test\.sock {2}\(1 failed\)\n/);
    expect(inspect.stdout).not.toMatch(/vigil-test\S*:0/);
  });

  it('reports 127 for a command that does not exist and writes no partial file', async () => {
    const out = join(dir, 'missing.vcap');
    const r = await runCli(['record', '--out', out, '--', '/no/such/binary']);
    expect(r.code).toBe(127);
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
    expect(vigilCgroups()).toEqual([]);
  });

  it('gives five recordings of one command one workload, so learn makes one baseline; --name wins', async () => {
    // Each run differs in what names the run, not the workload: a seed and a temp folder.
    const cmd = (i: number) => [
      'sh',
      '-c',
      'cat /etc/hostname >/dev/null; ls "$2" >/dev/null 2>&1; exit 0',
      'lab-agent',
      `--seed=${i * 7919}`,
      join(dir, `tmp${i}x${i}y${i}z`),
    ];
    const expected = commandWorkloadName(cmd(1)).name;
    const caps: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const out = join(dir, `same-${i}.vcap`);
      const r = await runCli(['record', '--out', out, '--', ...cmd(i)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        `workload cgroup:/vigil-${expected} (name derived from the command; --name to choose one)`,
      );
      caps.push(out);
    }
    const ids = new Set<string>();
    for (const c of caps) for (const e of (await readCapture(c)).events) ids.add(e.workload.id);
    expect([...ids]).toEqual([`cgroup:/vigil-${expected}`]);
    expect(vigilCgroups()).toEqual([]);
    expect(existsSync(join(cgroupRoot, `vigil-${expected}`))).toBe(false);

    const named = join(dir, 'named.vcap');
    const r = await runCli(['record', '--out', named, '--name', 'my-agent', '--', ...cmd(6)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/workload cgroup:\/vigil-my-agent$/m);
    expect(new Set((await readCapture(named)).events.map((e) => e.workload.id))).toEqual(
      new Set(['cgroup:/vigil-my-agent']),
    );

    const learn = await runCli(['learn', '--out', join(dir, 'same.json'), ...caps]);
    expect(learn.code, learn.stderr).toBe(0);
    expect(learn.stderr).toMatch(/in 5 captures: 1 baseline\n/);
    expect(learn.stderr).toContain(`cgroup:/vigil-${expected} @ unversioned`);
    expect(learn.stderr).not.toMatch(/one-capture workloads/);
  });

  it('rejects a missing command or --out with a usage error', async () => {
    expect((await runCli(['record', '--out', join(dir, 'a.vcap')])).code).toBe(2);
    const r = await runCli(['record', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --out FILE/);
  });
});
