import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Sensor } from '../src/sensor.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { bpfLinksOf, bpfProgramIds, tsNodeArgs, waitFor, whyNoBpf } from './helpers.js';

const why = whyNoBpf();
if (why) console.warn(`skipping BPF leak tests: ${why}`);
const HOST = fileURLToPath(new URL('./fixtures/host.ts', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface HostReport {
  dir: string;
  programIds: number[];
  sleepPid: number;
}

async function runHost(mode: 'signal' | 'throw', signal?: NodeJS.Signals) {
  const child = spawn(process.execPath, [...tsNodeArgs(HOST), mode], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`host exited early (${code}): ${stderr}`)));
  });
  const report = JSON.parse(line) as HostReport;
  const ours = bpfProgramIds();
  for (const id of report.programIds) expect(ours).toContain(id);
  // Every program is attached but the payload path, which sys_exit enters by a tail call.
  expect(bpfLinksOf(report.programIds)).toHaveLength(report.programIds.length - 1);
  expect(existsSync(report.dir)).toBe(true);
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) =>
    child.once('exit', (code, sig) => r([code, sig])),
  );
  if (signal) child.kill(signal);
  else {
    // A host already gone closes the pipe: its exit code below says so, not an EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end('throw now\n');
  }
  const [code, sig] = await exited;
  return { report, code, sig, stderr };
}

describe.skipIf(why !== undefined)('nothing is left behind', () => {
  it('open → close leaves the program and link lists as they were', async () => {
    const cg = WorkloadCgroup.create();
    const sensor = await Sensor.open({ cgroups: [cg.dir] });
    const mine = sensor.programIds();
    expect(mine.length).toBe(5);
    expect(bpfLinksOf(mine)).toHaveLength(4); // vigil_payload_exit is tail-called, not attached
    await sensor.close();
    await cg.remove();
    // Program memory is freed after an RCU grace period, and the tail-called program only once
    // the kernel's deferred clearing of the program array ran: poll, generously under load.
    expect(await waitFor(() => !bpfProgramIds().some((id) => mine.includes(id)), 30_000)).toBe(true);
    expect(await waitFor(() => bpfLinksOf(mine).length === 0)).toBe(true);
    expect(existsSync(cg.dir)).toBe(false);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`a host killed by ${signal} leaves no program, link or cgroup`, async () => {
      const { report, sig } = await runHost('signal', signal);
      expect(sig).toBe(signal);
      expect(await waitFor(() => !bpfProgramIds().some((id) => report.programIds.includes(id)), 30_000)).toBe(
        true,
      );
      expect(await waitFor(() => bpfLinksOf(report.programIds).length === 0)).toBe(true);
      expect(existsSync(report.dir)).toBe(false);
      expect(await waitFor(() => !alive(report.sleepPid))).toBe(true);
    });
  }

  it('a host that dies of an uncaught exception leaves no program, link or cgroup', async () => {
    const { report, code, stderr } = await runHost('throw');
    expect(code).toBe(1);
    expect(stderr).toMatch(/host failed on purpose/);
    expect(await waitFor(() => !bpfProgramIds().some((id) => report.programIds.includes(id)), 30_000)).toBe(
      true,
    );
    expect(existsSync(report.dir)).toBe(false);
    expect(await waitFor(() => !alive(report.sleepPid))).toBe(true);
  });
});
