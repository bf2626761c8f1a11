import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupV2Mount } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, describe, expect, it } from 'vitest';
import { daemonCommand } from '../src/commands/daemon.js';
import { runCli } from './helpers.js';
import { bpfObjectsOf, spawnCli, waitFor } from './process-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-daemon-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil daemon: usage', () => {
  it('takes every argument the DaemonSet gives it', () => {
    const manifest = readFileSync(
      new URL('../../../deploy/kustomize/base/daemon-daemonset.yaml', import.meta.url),
      'utf8',
    );
    // The container's args: the list items between `args:` and `env:`.
    const block = /\n\s+args:\n([\s\S]*?)\n\s+env:/.exec(manifest)![1]!;
    const args = [...block.matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1]!);
    expect(args.length).toBeGreaterThan(5);
    expect(args[0]).toBe('daemon');
    for (const a of args.slice(1)) {
      const name = /^--([a-z-]+)/.exec(a)?.[1];
      expect(name === 'out' || (name !== undefined && name in daemonCommand.options), a).toBe(true);
    }
  });

  it.each([
    [['daemon'], /needs --store DB/],
    [['daemon', '--store', 'x.db', '--kinds', 'pod'], /--kinds takes workload kinds/],
    [
      ['daemon', '--store', 'x.db', '--discovery-interval', '5'],
      /--discovery-interval takes milliseconds, 10 or more/,
    ],
    [['daemon', '--store', 'x.db', '--events-sample', '2'], /--events-sample takes a fraction/],
    [['daemon', '--store', 'x.db', '--capture-max-file', '64M'], /need --capture-dir/],
    [['daemon', '--store', 'x.db', '--capture-dir', 'c', '--capture-max-file', 'lots'], /takes a size like/],
    [['daemon', '--store', 'x.db', '--report-interval', 'soon'], /--report-interval takes a duration/],
  ])('%j is a usage error', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

const why =
  process.platform !== 'linux' || !existsSync('/sys/kernel/btf/vmlinux') || !capturePrivileges().sufficient
    ? 'needs Linux with BTF and root (or CAP_BPF + CAP_PERFMON)'
    : undefined;
if (why) console.warn(`skipping the live vigil daemon process test: ${why}`);

describe.skipIf(why !== undefined)('vigil daemon as a process', () => {
  it('stops cleanly on SIGTERM: programs attached while it runs, exit 0, the store and output written', async () => {
    const root = join(cgroupV2Mount(), `vigil-daemon-cli-${process.pid}`);
    mkdirSync(join(root, 'replica-1'), { recursive: true });
    const out = join(dir, 'out.jsonl');
    const store = join(dir, 'store.db');
    try {
      const p = spawnCli([
        'daemon',
        '--store',
        store,
        '--cgroup-root',
        root,
        '--node',
        'node-t',
        '--out',
        out,
        '--report-interval',
        '1s',
      ]);
      expect(await waitFor(() => p.stderr().includes('watching'), 120_000)).toBe(true);
      expect(p.stderr()).toMatch(/\+ cgroup \/vigil-daemon-cli-\d+\/replica-1/);
      expect(p.stderr()).toMatch(/watching 1 workload on node node-t/);
      expect(bpfObjectsOf(p.child.pid!).progs.length).toBeGreaterThan(0);
      p.child.kill('SIGTERM');
      const exit = await p.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(p.stderr()).toMatch(/vigil daemon: stopped; \d+ events/);
      expect(existsSync(store)).toBe(true);
      expect(existsSync(out)).toBe(true);
      expect(
        readFileSync(out, 'utf8')
          .split('\n')
          .filter(Boolean)
          .every((l) => JSON.parse(l).node === 'node-t'),
      ).toBe(true);
    } finally {
      rmdirSync(join(root, 'replica-1'));
      rmdirSync(root);
    }
  }, 240_000);
});
