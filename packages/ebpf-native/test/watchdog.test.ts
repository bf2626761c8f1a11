import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroup2Root } from '../src/internal/cgroup-resolver.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { tsNodeArgs, waitFor } from './helpers.js';

const OWNER = fileURLToPath(new URL('./fixtures/cgroup-owner.ts', import.meta.url));
const root = cgroup2Root();
const why =
  process.platform !== 'linux'
    ? `not Linux (${process.platform})`
    : process.getuid?.() !== 0
      ? 'needs root to create cgroups'
      : !existsSync(join(root, 'cgroup.procs'))
        ? `no cgroup v2 mount at ${root}`
        : undefined;
if (why) console.warn(`skipping cgroup watchdog tests: ${why}`);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

interface OwnerReport {
  dir: string;
  pids: number[];
  watchdog: number | null;
}

async function startOwner(name: string, watchdog: boolean) {
  const child = spawn(process.execPath, [...tsNodeArgs(OWNER), name, watchdog ? 'watchdog' : 'no-watchdog'], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child.pid!);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`owner exited early (${code}): ${stderr}`)));
  });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, sig) => r(sig)));
  return { child, report: JSON.parse(line) as OwnerReport, exited };
}

describe.skipIf(why !== undefined)('a workload cgroup never outlives its owner', () => {
  it('SIGKILL of the owner: the watchdog kills the workload (forked children too) and removes the cgroup', async () => {
    const { child, report, exited } = await startOwner('-', true);
    expect(report.watchdog).not.toBeNull();
    expect(alive(report.watchdog!)).toBe(true);
    // The watchdog runs in its own session, so the owner's terminal and process group cannot reach it.
    const sid = spawnSync('ps', ['-o', 'sid=', '-p', String(report.watchdog)], { encoding: 'utf8' });
    expect(Number(sid.stdout.trim())).toBe(report.watchdog);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(await waitFor(() => !existsSync(report.dir), 20_000)).toBe(true);
    for (const pid of report.pids) expect(await waitFor(() => !alive(pid), 5000)).toBe(true);
    expect(await waitFor(() => !alive(report.watchdog!), 5000)).toBe(true);
  }, 60_000);

  it('SIGHUP of an owner that does not handle it: the exit hook removes the cgroup, then the owner dies of SIGHUP', async () => {
    const { child, report, exited } = await startOwner('-', false);
    expect(report.watchdog).toBeNull();
    child.kill('SIGHUP');
    expect(await exited).toBe('SIGHUP');
    expect(existsSync(report.dir)).toBe(false);
    for (const pid of report.pids) expect(await waitFor(() => !alive(pid), 5000)).toBe(true);
  }, 60_000);

  it('a clean remove() releases the watchdog, which leaves a new cgroup of the same name alone', async () => {
    const name = `vigil-wdtest-${process.pid}`;
    const a = WorkloadCgroup.create({ name });
    const wd = a.watchdogPid!;
    await a.remove();
    expect(await waitFor(() => !alive(wd), 10_000)).toBe(true);
    const b = WorkloadCgroup.create({ name });
    expect(b.reclaimed).toBe(false);
    b.spawn('sleep', ['30'], { stdio: 'ignore' });
    expect(await waitFor(() => b.pids().length === 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.pids()).toHaveLength(1);
    await b.remove();
  }, 60_000);

  it('reclaims an empty cgroup of the same name left by an owner that died', async () => {
    const name = `vigil-stale-${process.pid}`;
    const dir = join(root, name);
    mkdirSync(join(dir, 'inner'), { recursive: true });
    const cg = WorkloadCgroup.create({ name });
    expect(cg.reclaimed).toBe(true);
    expect(existsSync(join(dir, 'inner'))).toBe(false);
    await cg.remove();
    expect(existsSync(dir)).toBe(false);
  });

  it('explains, with the command to clean it, a leftover cgroup that still has processes', async () => {
    const name = `vigil-busy-${process.pid}`;
    const dir = join(root, name);
    mkdirSync(dir);
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    started.push(sleeper.pid!);
    try {
      writeFileSync(join(dir, 'cgroup.procs'), `${sleeper.pid}\n`);
      let err: unknown;
      try {
        WorkloadCgroup.create({ name });
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string }).code).toBe('CGROUP');
      const msg = (err as Error).message;
      expect(msg).toContain(`pid ${sleeper.pid}`);
      expect(msg).toContain(`echo 1 > ${join(dir, 'cgroup.kill')} && rmdir ${dir}`);
      // Nothing was touched.
      expect(alive(sleeper.pid!)).toBe(true);
      expect(existsSync(dir)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
      await waitFor(() => {
        try {
          rmdirSync(dir);
          return true;
        } catch {
          return false;
        }
      });
    }
  });

  it('refuses a name another live owner holds, naming its watchdog', async () => {
    const name = `vigil-held-${process.pid}`;
    const { child, report, exited } = await startOwner(name, true);
    expect(() => WorkloadCgroup.create({ name })).toThrow(
      new RegExp(`in use by another running recorder \\(its watchdog is pid ${report.watchdog}\\)`),
    );
    child.kill('SIGTERM');
    await exited;
    expect(await waitFor(() => !existsSync(report.dir), 20_000)).toBe(true);
  }, 60_000);

  it('lists, signals and reports the processes of a workload', async () => {
    const cg = WorkloadCgroup.create({ watchdog: false });
    try {
      cg.spawn('sh', ['-c', 'sleep 600 & exec sleep 601'], { stdio: 'ignore' });
      // Both forked and both exec'd sleep (until then a process is still called sh).
      const comms = () => cg.processes().map((p) => p.comm);
      expect(await waitFor(() => cg.pids().length === 2 && comms().every((c) => c === 'sleep'))).toBe(true);
      expect(cg.populated()).toBe(true);
      expect(cg.processes().map((p) => p.comm)).toEqual(['sleep', 'sleep']);
      cg.kill('SIGTERM');
      expect(await waitFor(() => !cg.populated())).toBe(true);
      expect(cg.processes()).toEqual([]);
    } finally {
      await cg.remove();
    }
  });
});
