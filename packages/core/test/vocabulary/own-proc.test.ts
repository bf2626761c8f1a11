import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOwnProcPath } from '../../src/index.js';

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
