import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./fixtures/cli-main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** A `vigil` command running in its own process, from the workspace sources. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Resolves when it exits: the exit code, or the signal that killed it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  stdout(): string;
}

/**
 * Starts `vigil ARGS…` as a real process. With `readyFile`, that file appears once the
 * modules are loaded and the command (with its signal handlers) has started.
 */
export function spawnCli(
  args: readonly string[],
  options: { cwd?: string; readyFile?: string } = {},
): CliProcess {
  const child = spawn(process.execPath, ['--conditions=@vigil/source', '--import', 'tsx', CLI, ...args], {
    cwd: options.cwd ?? REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(options.readyFile ? { VIGIL_TEST_READY_FILE: options.readyFile } : {}) },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
  });
  child.stderr!.on('data', (d) => {
    err += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stderr: () => err, stdout: () => out };
}

/** Polls `cond` every 20 ms until it is true or `ms` passed; returns its last value. */
export async function waitFor(cond: () => boolean, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/**
 * Whether a thread of process `pid` sleeps in the open of a FIFO, waiting for its other end: the
 * kernel function it sleeps in (`/proc/PID/task/TID/wchan`) is `wait_for_partner`. A readiness
 * test for "blocked on a FIFO nobody writes to" that needs no timer.
 */
export function waitsForFifoPartner(pid: number): boolean {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  return tasks.some((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8').trim() === 'wait_for_partner';
    } catch {
      return false;
    }
  });
}

/** The BPF programs, links and maps a live process holds, from its file descriptors. */
export function bpfObjectsOf(pid: number): { progs: number[]; links: number[]; maps: number[] } {
  const held = { progs: [] as number[], links: [] as number[], maps: [] as number[] };
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return held;
  }
  for (const fd of fds) {
    let target: string;
    let info: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const id = (key: string) => Number(new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(info)?.[1]);
    if (target === 'anon_inode:bpf-prog') held.progs.push(id('prog_id'));
    else if (target === 'anon_inode:bpf-link') held.links.push(id('link_id'));
    else if (target === 'anon_inode:bpf-map') held.maps.push(id('map_id'));
  }
  return held;
}

/** Ids of every BPF program, link and map on the host (bpftool). */
export function bpfObjectsOnHost(): { progs: number[]; links: number[]; maps: number[] } {
  const ids = (what: string) =>
    (
      JSON.parse(execFileSync('bpftool', ['-j', what, 'show'], { encoding: 'utf8' }) || '[]') as {
        id: number;
      }[]
    ).map((o) => o.id);
  return { progs: ids('prog'), links: ids('link'), maps: ids('map') };
}

/** Pids of processes whose command line contains `token`. */
export function processesWith(token: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(token)) found.push(Number(e));
    } catch {
      // exited
    }
  }
  return found;
}

/** Whether bpftool is installed. */
export function hasBpftool(): boolean {
  return ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/sbin/bpftool'].some((p) => existsSync(p));
}
