import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplaySource, readCapture } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { processesWith, spawnCli, waitFor } from './process-helpers.js';

const canRecord =
  process.platform === 'linux' && existsSync('/sys/kernel/btf/vmlinux') && capturePrivileges().sufficient;
const why = canRecord ? undefined : 'needs Linux with BTF and root (or CAP_BPF + CAP_PERFMON)';
if (why) console.warn(`skipping vigil record signal tests: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-record-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cgroupRoot = existsSync('/sys/fs/cgroup/unified/cgroup.procs')
  ? '/sys/fs/cgroup/unified'
  : '/sys/fs/cgroup';
const tag = `${process.pid}${Math.floor(Math.random() * 1000)}`;

async function integrityOf(path: string) {
  const source = new ReplaySource([path], { onTruncatedTail: 'stop' });
  let events = 0;
  for await (const b of source) events += b.length;
  return { events, integrity: source.integrity(), trailer: source.trailers[0] };
}

describe.skipIf(why !== undefined)('vigil record: descendants', () => {
  it('kills the processes a command leaves running, says so, and lists them in the trailer', async () => {
    const out = join(dir, 'daemon.vcap');
    const token = `${tag}1`;
    // The short pause lets the forked child exec sleep before bash exits (else it is still named bash).
    const r = await runCli([
      'record',
      '--out',
      out,
      '--',
      'bash',
      '-c',
      `sleep ${token} & sleep 0.3; exit 3`,
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/exited while 1 process\(es\) it started still ran; killed them .*sleep\[\d+\]/);
    const cap = await readCapture(out);
    expect(cap.trailer?.killedDescendants).toEqual([{ pid: expect.any(Number), comm: 'sleep' }]);
    expect(cap.trailer?.interrupted).toBeUndefined();
    expect(processesWith(`sleep ${token}`)).toEqual([]);
  }, 120_000);

  it('--wait-descendants waits for them and records what they did', async () => {
    const out = join(dir, 'wait.vcap');
    const r = await runCli([
      'record',
      '--out',
      out,
      '--wait-descendants',
      '--',
      'bash',
      '-c',
      '(sleep 0.5; cat /etc/hostname >/dev/null) & exit 0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const cap = await readCapture(out);
    expect(cap.trailer?.killedDescendants).toBeUndefined();
    expect(cap.events.some((e) => e.kind === 'file.open' && e.path === '/etc/hostname')).toBe(true);
  }, 120_000);
});

describe.skipIf(why !== undefined)('vigil record: signals', () => {
  it('SIGTERM stops the command; one that ignores it is killed after --kill-after; the capture is complete', async () => {
    const out = join(dir, 'term.vcap');
    const mark = join(dir, 'term.started');
    const p = spawnCli([
      'record',
      '--out',
      out,
      '--kill-after',
      '1',
      '--',
      'bash',
      '-c',
      `trap '' TERM; touch ${mark}; while :; do sleep 0.1; done`,
    ]);
    expect(await waitFor(() => existsSync(mark), 60_000), p.stderr()).toBe(true);
    p.child.kill('SIGTERM');
    const { code } = await p.exited;
    expect(code, p.stderr()).toBe(137);
    expect(p.stderr()).toMatch(/did not exit within 1s of SIGTERM; killing the workload/);
    const { integrity, trailer } = await integrityOf(out);
    expect(integrity.complete).toBe(true);
    expect(trailer).toMatchObject({ exitCode: 137, stopSignal: 'SIGTERM' });
  }, 120_000);

  it('a second SIGINT cuts the recording short: exit 130, the capture is written and marked interrupted', async () => {
    const out = join(dir, 'int.vcap');
    const mark = join(dir, 'int.started');
    const name = `sig-${tag}`;
    const p = spawnCli([
      'record',
      '--out',
      out,
      '--name',
      name,
      '--kill-after',
      '600',
      '--',
      'bash',
      '-c',
      `trap '' INT TERM; cat /etc/hostname >/dev/null; touch ${mark}; while :; do sleep 0.1; done`,
    ]);
    expect(await waitFor(() => existsSync(mark), 60_000), p.stderr()).toBe(true);
    p.child.kill('SIGINT');
    expect(await waitFor(() => p.stderr().includes('stopping bash'), 20_000)).toBe(true);
    p.child.kill('SIGINT');
    const { code } = await p.exited;
    expect(code, p.stderr()).toBe(130);
    expect(p.stderr()).toMatch(/INTERRUPTED by a second SIGINT/);
    const { events, integrity, trailer } = await integrityOf(out);
    expect(events).toBeGreaterThan(0);
    expect(integrity.interrupted).toEqual([out]);
    expect(trailer).toMatchObject({ interrupted: true, stopSignal: 'SIGINT' });
    expect(existsSync(join(cgroupRoot, `vigil-${name}`))).toBe(false);
    const inspect = await runCli(['inspect', out]);
    expect(inspect.code).toBe(0);
    expect(inspect.stderr).toMatch(/warning: .*int\.vcap is an interrupted recording/);
    expect(inspect.stdout).toMatch(/INCOMPLETE: .*interrupted/);
  }, 120_000);

  it('SIGKILL of the recorder: the watchdog removes the cgroup and its workload; the capture reads as incomplete; the name is free again', async () => {
    const out = join(dir, 'kill.vcap');
    const mark = join(dir, 'kill.started');
    const name = `kill-${tag}`;
    const token = `${tag}2`;
    const p = spawnCli([
      'record',
      '--out',
      out,
      '--name',
      name,
      '--',
      'bash',
      '-c',
      `cat /etc/hostname >/dev/null; sleep ${token} & touch ${mark}; wait`,
    ]);
    expect(await waitFor(() => existsSync(mark), 60_000), p.stderr()).toBe(true);
    // Past one timed flush, so the events before the kill are on disk.
    await new Promise((r) => setTimeout(r, 600));
    p.child.kill('SIGKILL');
    await p.exited;
    expect(await waitFor(() => !existsSync(join(cgroupRoot, `vigil-${name}`)), 20_000)).toBe(true);
    expect(await waitFor(() => processesWith(`sleep ${token}`).length === 0, 5000)).toBe(true);
    const cap = await integrityOf(out);
    expect(cap.events).toBeGreaterThan(0);
    expect(cap.integrity.incomplete.map((c) => c.path)).toEqual([out]);
    const strict = await runCli(['inspect', '--strict', out]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/kill\.vcap.*no trailer/);
    const again = await runCli(['record', '--out', join(dir, 'again.vcap'), '--name', name, '--', 'true']);
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);
});
