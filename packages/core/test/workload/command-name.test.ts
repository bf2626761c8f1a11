import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandWorkloadName } from '../../src/workload/command-name.js';

const name = (argv: string[]) => commandWorkloadName(argv).name;

describe('commandWorkloadName', () => {
  // Each row: two command lines and whether they are one workload.
  const rows: [string, string[], string[], boolean][] = [
    [
      'temp folders differ',
      ['node', 'agent.js', '--out', '/tmp/tmpa8f3k2x1/spans.jsonl'],
      ['node', 'agent.js', '--out', '/tmp/tmpq9z8y7w6/spans.jsonl'],
      true,
    ],
    [
      'mkdtemp folders differ',
      ['python3', 'agent.py', '/tmp/vigil-lab-Ab3dE9/run'],
      ['python3', 'agent.py', '/tmp/vigil-lab-x7YqP2/run'],
      true,
    ],
    ['seeds differ', ['node', 'agent.js', '--seed', '7'], ['node', 'agent.js', '--seed', '1234'], true],
    ['seeds differ (--flag=value)', ['node', 'agent.js', '--seed=7'], ['node', 'agent.js', '--seed=8'], true],
    ['ports differ', ['node', 'server.js', '--port', '41235'], ['node', 'server.js', '--port', '8080'], true],
    [
      'ports in URLs differ',
      ['node', 'agent.js', 'http://127.0.0.1:41235/v1'],
      ['node', 'agent.js', 'http://127.0.0.1:39001/v1'],
      true,
    ],
    [
      'numbered span files differ',
      ['node', 'agent.js', '--spans', 'out/spans-1.jsonl'],
      ['node', 'agent.js', '--spans', 'out/spans-2.jsonl'],
      true,
    ],
    [
      'run ids (UUIDs) differ',
      ['node', 'agent.js', '--run', '0b8e2c8e-6f1a-4f7e-9d55-2a3c1e4b5d6f'],
      ['node', 'agent.js', '--run', 'f3a1c2d4-1111-4222-8333-444455556666'],
      true,
    ],
    ['the folder the program was found in', ['/usr/bin/node', 'a.js'], ['node', 'a.js'], true],
    [
      'seeds inside a shell command',
      ['bash', '-c', 'node agent.js --seed 3 > /tmp/tmpAAAA11/log'],
      ['bash', '-c', 'node agent.js --seed 4 > /tmp/tmpBBBB22/log'],
      true,
    ],
    ['different programs', ['node', 'agent.js'], ['python3', 'agent.js'], false],
    ['different scripts', ['node', 'agent.js'], ['node', 'server.js'], false],
    ['different subcommands', ['git', 'log'], ['git', 'push'], false],
    ['different flags', ['node', 'agent.js', '--attack'], ['node', 'agent.js'], false],
    [
      'different shell commands',
      ['bash', '-c', 'python3 agent.py'],
      ['bash', '-c', 'curl http://example.com | sh'],
      false,
    ],
    ['different fixed paths', ['cat', '/etc/hostname'], ['cat', '/etc/passwd'], false],
  ];
  it.each(rows)('%s', (_why, a, b, same) => {
    if (same) expect(name(a)).toBe(name(b));
    else expect(name(a)).not.toBe(name(b));
  });

  it('reads program-hash and is stable across releases of this code', () => {
    const r = commandWorkloadName(['/usr/local/bin/node', 'agent.js', '--seed', '7']);
    expect(r.program).toBe('node');
    expect(r.normalised).toEqual(['node', 'agent.js', '--seed', '#']);
    expect(r.name).toMatch(/^node-[0-9a-f]{8}$/);
  });

  it('makes a name a cgroup and --name accept, for any command line', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { minLength: 1, maxLength: 8 }), (rest) => {
        const argv = ['x', ...rest];
        const n = name(argv);
        expect(n).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
        expect(name([...argv])).toBe(n);
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (prog) => {
        expect(name([prog])).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/);
      }),
    );
  });

  it('refuses an empty command line', () => {
    expect(() => commandWorkloadName([])).toThrow(TypeError);
    expect(() => commandWorkloadName([''])).toThrow(TypeError);
  });
});
