import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GENERALISATION,
  EventSchema,
  isOwnProcPath,
  observeEvent,
  toolEffectObservations,
  type VigilEvent,
  type VigilEventInput,
} from '../../src/index.js';

describe('a process reading its own /proc pseudo-files', () => {
  const PID = 4242;
  const TID = 4250;
  const rows: [string, boolean][] = [
    ['/proc/self/maps', true],
    ['/proc/self/status', true],
    ['/proc/self/stat', true],
    ['/proc/self/cgroup', true],
    ['/proc/self/fd', true],
    ['/proc/self/fd/3', true],
    ['/proc/self', true],
    ['/proc/self/', true],
    ['/proc/thread-self/comm', true],
    ['/proc/4242/maps', true],
    ['/proc/4242/task/4250/stat', true],
    ['/proc/4250/status', true],
    ['/proc/self/task/4250/comm', true],
    // Must not count as its own: another process, and paths that leave the pseudo-files.
    ['/proc/1/environ', false],
    ['/proc/4243/mem', false],
    ['/proc/42420/maps', false],
    ['/proc/1/task/1/environ', false],
    ['/proc/self/root/etc/shadow', false],
    ['/proc/self//root/etc/shadow', false],
    ['/proc/self/./root/etc/shadow', false],
    ['/proc/self/cwd/.aws/credentials', false],
    ['/proc/self/task/4250/root/etc/shadow', false],
    ['/proc/self/../1/environ', false],
    ['/proc/self/fd/../../1/environ', false],
    ['/proc/selfish/maps', false],
    ['/proc/sys/kernel/hostname', false],
    ['/proc/meminfo', false],
    ['/etc/proc/self/maps', false],
    ['proc/self/maps', false],
    ['', false],
  ];
  for (const [path, own] of rows)
    it(`${path || '(empty)'} → ${own}`, () => {
      expect(isOwnProcPath(path, PID, TID)).toBe(own);
    });

  it('never counts another pid as its own, nor any path with ..', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4_194_304 }),
        fc.integer({ min: 1, max: 4_194_304 }),
        fc.string(),
        (pid, other, tail) => {
          fc.pre(pid !== other);
          expect(isOwnProcPath(`/proc/${other}/${tail}`, pid)).toBe(false);
          expect(isOwnProcPath(`/proc/self/${tail}/../x`, pid)).toBe(false);
        },
      ),
    );
  });
});

describe('a tool call reading its own /proc pseudo-files', () => {
  const cause = { toolCallId: 'call_1', toolName: 'run_command' };
  const open = (path: string, pid: number, access: 'read' | 'write' = 'read') =>
    EventSchema.parse({
      kind: 'file.open',
      ts: 1_800_000_000_000_000_000,
      workload: { id: 'cgroup:/lab', kind: 'cgroup', name: 'lab', labels: {} },
      pid,
      ppid: 1,
      comm: 'grep',
      exe: '/usr/bin/grep',
      source: 'replay',
      path,
      flags: 0,
      access,
      result: 3,
      cause,
    } as VigilEventInput);
  const effects = (ev: VigilEvent) =>
    toolEffectObservations(ev, observeEvent(ev, DEFAULT_GENERALISATION)).map((o) => o.segments.join('/'));

  it('gives the tool no observation: what a program learns about itself is not what the tool did', () => {
    expect(effects(open('/proc/self/maps', 4675))).toEqual([]);
    expect(effects(open('/proc/4675/status', 4675))).toEqual([]);
  });

  it('still gives one for another process’s /proc files, a write, and any other file', () => {
    expect(effects(open('/proc/1/environ', 4675)).length).toBeGreaterThan(0);
    expect(effects(open('/proc/self/attr/current', 4675, 'write')).length).toBeGreaterThan(0);
    expect(effects(open('/etc/hostname', 4675))[0]).toMatch(/^function\/run_command\/@files\//);
  });
});
