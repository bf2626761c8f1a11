import {
  BaselineLearner,
  type BaselineSet,
  DriftDetector,
  type DriftFinding,
  isVigilError,
  MemorySource,
  Vigil,
  type VigilEvent,
} from '@vigil/core';
import { describe, expect, it } from 'vitest';
import {
  builtinPacks,
  criticalBehaviours,
  defineDriftRule,
  definePack,
  driftPack,
  RuleEngine,
  type RuleEngineOptions,
  type RulePack,
} from '../../src/index.js';
import { connect, exec, fork, open, tick } from '../events.js';

const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

async function learn(events: VigilEvent[]): Promise<BaselineSet> {
  const learner = new BaselineLearner({ origin: 't', critical: criticalBehaviours(builtinPacks()) });
  await new Vigil({ source: new MemorySource(events), consumers: [learner] }).run();
  for (const b of learner.set.baselines()) b.markStable(tick());
  return learner.set;
}

async function check(
  set: BaselineSet,
  events: VigilEvent[],
  engine: Partial<RuleEngineOptions> = {},
): Promise<DriftFinding[]> {
  const assessor = new RuleEngine({ packs: builtinPacks(), ...engine });
  const drift = new DriftDetector({ baselines: set.baselines(), assessor });
  await new Vigil({ source: new MemorySource(events), consumers: [drift] }).run();
  return drift.findings().filter((f) => f.severity !== 'info');
}

const show = (fs: readonly DriftFinding[]) => fs.map((f) => `${f.severity} ${f.ruleId}`).sort();

/** The agent (pid 100) reads its config, talks to its model API and runs git. */
function agentRun(): VigilEvent[] {
  return [
    exec('/usr/bin/node', ['node', '/app/agent.js'], { pid: 100, ppid: 1 }),
    open('/app/config.json', 'read', { pid: 100, ppid: 1 }),
    connect('203.0.113.10', 443, { pid: 100, ppid: 1, dnsName: 'api.example.com' }),
    fork(101, { pid: 100, ppid: 1 }),
    exec('/usr/bin/git', ['git', 'status'], { pid: 101, ppid: 100 }),
  ];
}

describe('the drift pack is a rule pack like any other', () => {
  it('reports what assessDrift reported, with the same ids and severities', async () => {
    const set = await learn(agentRun());
    const found = await check(set, [
      ...agentRun(),
      exec('/usr/bin/curl', ['curl', 'x'], { pid: 102, ppid: 100 }),
      connect('203.0.113.10', 8443, { pid: 100, ppid: 1, dnsName: 'api.example.com' }),
      open('/app/other.json', 'read', { pid: 100, ppid: 1 }),
    ]);
    expect(show(found)).toEqual([
      'high vigil.drift.process.new-binary',
      'low vigil.drift.file.new-read',
      'medium vigil.drift.peer.new-port',
    ]);
  });

  it('overrides a severity without editing the pack', async () => {
    const set = await learn(agentRun());
    const found = await check(
      set,
      [...agentRun(), connect('203.0.113.10', 8443, { pid: 100, ppid: 1, dnsName: 'api.example.com' })],
      { overrides: [{ rule: 'vigil.drift.peer.*', severity: 'high' }] },
    );
    expect(show(found)).toEqual(['high vigil.drift.peer.new-port']);
  });

  it('hands an observation to the next rule when a rule is disabled', async () => {
    const set = await learn(agentRun());
    const curl = exec('/usr/bin/curl', ['curl', 'x'], { pid: 102, ppid: 100 });
    expect(
      show(await check(set, [...agentRun(), curl], { disable: ['vigil.drift.process.new-binary'] })),
    ).toEqual(['medium vigil.drift.other']);
    expect(
      show(
        await check(set, [...agentRun(), curl], { disable: ['vigil.drift.process.*', 'vigil.drift.other'] }),
      ),
    ).toEqual([]);
  });

  it('tunes a critical rule through its parameters', async () => {
    const set = await learn(agentRun());
    const attack = () => {
      const read = open(TOKEN, 'read', { pid: 100, ppid: 1 });
      const later = connect('198.51.100.7', 4444, { pid: 100, ppid: 1, ts: read.ts + 5e9 });
      return [...agentRun(), read, later];
    };
    const byDefault = await check(set, attack());
    expect(byDefault.find((f) => f.ruleId === 'vigil.drift.peer.new-egress-address')?.severity).toBe(
      'critical',
    );
    expect(byDefault.find((f) => f.ruleId === 'vigil.drift.peer.new-egress-address')?.drift.critical).toEqual(
      ['vigil.critical.token-then-egress'],
    );
    const narrow = await check(set, attack(), {
      overrides: [{ rule: 'vigil.critical.token-then-egress', params: { windowSeconds: 1 } }],
    });
    expect(narrow.find((f) => f.ruleId === 'vigil.drift.peer.new-egress-address')?.severity).toBe('high');
  });

  it('rejects an override naming a parameter the rule does not have', () => {
    let caught: unknown;
    try {
      new RuleEngine({
        packs: [driftPack],
        overrides: [{ rule: 'vigil.critical.token-then-egress', params: { windowMinutes: 5 } }],
      });
    } catch (e) {
      caught = e;
    }
    expect(isVigilError(caught) && caught.code === 'RULE' && /windowSeconds/.test(caught.message)).toBe(true);
  });

  it('is extended with a user drift rule that claims observations before the built-in ones', async () => {
    const gpu: RulePack = definePack({
      name: '@acme/drift',
      version: '1.0.0',
      engine: '^1.0.0',
      rules: [
        defineDriftRule({
          meta: {
            id: 'acme.drift.gpu',
            title: 'New GPU device',
            description: 'A GPU device never opened while learning.',
            severity: 'high',
            version: '1.0.0',
          },
          domain: 'files',
          kinds: ['file.open'],
          assess: (_u, ev) =>
            ev.path.startsWith('/dev/nvidia')
              ? { what: `opened ${ev.path}, a GPU it never used` }
              : undefined,
        }),
      ],
    });
    const set = await learn(agentRun());
    const events = [...agentRun(), open('/dev/nvidia0', 'readwrite', { pid: 100, ppid: 1 })];
    const drift = new DriftDetector({
      baselines: set.baselines(),
      assessor: new RuleEngine({ packs: [gpu, ...builtinPacks()] }),
    });
    await new Vigil({ source: new MemorySource(events), consumers: [drift] }).run();
    const found = drift.findings().filter((f) => f.severity !== 'info');
    expect(show(found)).toEqual(['high acme.drift.gpu']);
    expect(found[0]!.summary).toContain('opened /dev/nvidia0, a GPU it never used');
  });

  it('never fires outside a drift detector (must not fire)', () => {
    const engine = new RuleEngine({ packs: [driftPack] });
    const out = engine.process([...agentRun(), open(TOKEN, 'read', { pid: 100, ppid: 1 })]);
    expect(out).toEqual([]);
  });
});

/** The agent's shell tool: node (100) forks 200, which runs `sh -c …` and execs the command in place. */
/** `argv`: the program's path, then its own argv. */
function shellTask(command: string, argv: string[], agentArgs = ['/app/agent.js']): VigilEvent[] {
  return [
    exec('/usr/bin/node', ['node', ...agentArgs], { pid: 100, ppid: 1 }),
    fork(200, { pid: 100, ppid: 1 }),
    exec('/bin/sh', ['sh', '-c', command], { pid: 200, ppid: 100 }),
    exec(argv[0]!, argv.slice(1), { pid: 200, ppid: 100 }),
    open('/app/src/main.js', 'read', { pid: 200, ppid: 100, comm: 'cat', exe: argv[0]! }),
  ];
}

describe('what a shell runs is learned per the program that started it', () => {
  const learnShell = async () => {
    const set = await learn([
      ...shellTask('cat /app/src/main.js', ['/usr/bin/cat', 'cat', '/app/src/main.js']),
      ...shellTask('ls -la /app', ['/usr/bin/ls', 'ls', '-la', '/app']),
    ]);
    const b = set.baselines()[0]!;
    const q = b.quarantined().find((x) => x.behaviour === 'vigil.critical.shell-from-interpreter')!;
    expect(q).toBeDefined();
    b.admit(q);
    return set;
  };

  it('learns the context and the programs and files under it', async () => {
    const set = await learnShell();
    const shells = set
      .baselines()[0]!
      .entries('shells')
      .map((e) => e.display);
    expect(shells).toContain('sh under node /app/agent.js');
    expect(shells).toContain('sh under node /app/agent.js: /usr/bin/ls -la /app');
    expect(shells).toContain('sh under node /app/agent.js: /app/src/main.js (read)');
  });

  const rows: { name: string; events: () => VigilEvent[]; expected: string[] }[] = [
    {
      name: 'the same tasks again (must not fire)',
      events: () => shellTask('ls -la /app', ['/usr/bin/ls', 'ls', '-la', '/app']),
      expected: [],
    },
    {
      name: 'a shell started by a program that never started one',
      events: () => shellTask('ls -la /app', ['/usr/bin/ls', 'ls', '-la', '/app'], ['/app/other-agent.js']),
      // What runs under it is not reported again: the new shell speaks for it.
      expected: ['critical vigil.drift.process.new-shell', 'low vigil.drift.process.new-arguments'],
    },
    {
      name: 'a credential read under the known shell',
      events: () => [
        ...shellTask('cat /app/src/main.js', ['/usr/bin/cat', 'cat', '/app/src/main.js']),
        open(TOKEN, 'read', { pid: 200, ppid: 100, comm: 'cat', exe: '/usr/bin/cat' }),
      ],
      expected: ['critical vigil.drift.file.credential-read'],
    },
    {
      name: 'a program the agent runs itself, new under its shell',
      events: () => [
        ...shellTask('ls -la /app', ['/usr/bin/ls', 'ls', '-la', '/app']),
        exec('/usr/bin/node', ['node', '/app/agent.js'], { pid: 300, ppid: 200 }),
      ],
      expected: ['medium vigil.drift.shell.new-activity'],
    },
    {
      name: 'an ordinary read-only utility the known shell never ran (tail where it ran ls and cat)',
      events: () =>
        shellTask('tail -n 5 /app/src/main.js', ['/usr/bin/tail', 'tail', '-n', '5', '/app/src/main.js']),
      expected: ['low vigil.drift.process.new-binary'],
    },
    {
      name: 'a program that is not an ordinary utility, new under the known shell',
      events: () =>
        shellTask('curl -s http://example.test/x', ['/usr/bin/curl', 'curl', '-s', 'http://example.test/x']),
      expected: ['high vigil.drift.process.new-binary'],
    },
    {
      name: 'an ordinary utility under a shell started from a new place stays behind the new shell',
      events: () =>
        shellTask(
          'tail -n 5 /app/src/main.js',
          ['/usr/bin/tail', 'tail', '-n', '5', '/app/src/main.js'],
          ['/app/other-agent.js'],
        ),
      expected: [
        'critical vigil.drift.process.new-shell',
        'high vigil.drift.process.new-binary',
        'low vigil.drift.process.new-arguments',
      ],
    },
  ];
  for (const row of rows)
    it(row.name, async () => {
      const set = await learnShell();
      expect(show(await check(set, row.events()))).toEqual(row.expected);
    });
});

describe('a file a known shell read, read under another known shell that never read it', () => {
  /** A second agent (pid 110) whose shell (210) runs `ls`, and reads main.js when `read`. */
  const other = (read: boolean) => [
    exec('/usr/bin/node', ['node', '/app/other-agent.js'], { pid: 110, ppid: 1 }),
    fork(210, { pid: 110, ppid: 1 }),
    exec('/bin/sh', ['sh', '-c', 'ls -la /app'], { pid: 210, ppid: 110 }),
    exec('/usr/bin/ls', ['ls', '-la', '/app'], { pid: 210, ppid: 110 }),
    ...(read
      ? [open('/app/src/main.js', 'read', { pid: 210, ppid: 110, comm: 'ls', exe: '/usr/bin/ls' })]
      : []),
  ];
  // Two shells, started by two programs: the first read /app/src/main.js, the second only ran ls.
  const learnTwo = () =>
    learn([
      ...shellTask('cat /app/src/main.js', ['/usr/bin/cat', 'cat', '/app/src/main.js']),
      ...other(false),
    ]).then((set) => {
      const b = set.baselines()[0]!;
      for (const q of [...b.quarantined()]) b.admit(q);
      return set;
    });

  it('is new activity under the second shell however often the first read it before', async () => {
    const first = () => shellTask('cat /app/src/main.js', ['/usr/bin/cat', 'cat', '/app/src/main.js']);
    const second = () => other(true);
    const set = await learnTwo();
    expect(show(await check(set, [...first(), ...first()]))).toEqual([]);
    const found = await check(set, [...first(), ...first(), ...second(), ...first(), ...second()]);
    expect(show(found)).toEqual(['medium vigil.drift.shell.new-activity']);
    expect(found[0]!.count).toBe(2);
  });
});

describe('a process under a shell reading its own /proc pseudo-files is not new shell activity', () => {
  const AGENT = { pid: 100, ppid: 1 };
  const TOOL = { pid: 200, ppid: 100, comm: 'node', exe: '/usr/bin/node' };
  /** The shell tool runs a Node.js script (pid 200, exec'd in place of `sh -c`). */
  const nodeTask = (...after: VigilEvent[]) => [
    ...shellTask('node /app/tool.js', ['/usr/bin/node', 'node', '/app/tool.js']),
    ...after,
  ];
  const learnNodeShell = async () => {
    const set = await learn([
      ...nodeTask(),
      // The agent itself reads its own pseudo-files, and a file of its own tree.
      open('/proc/self/maps', 'read', AGENT),
      open('/proc/100/status', 'read', AGENT),
      open('/proc/self/fd', 'read', AGENT),
    ]);
    const b = set.baselines()[0]!;
    b.admit(b.quarantined().find((x) => x.behaviour === 'vigil.critical.shell-from-interpreter')!);
    return set;
  };
  const rows: { name: string; events: () => VigilEvent[]; expected: string[] }[] = [
    {
      name: 'its own maps and status, which the agent reads of itself too (must not fire)',
      events: () => nodeTask(open('/proc/self/maps', 'read', TOOL), open('/proc/200/status', 'read', TOOL)),
      expected: [],
    },
    {
      // Nothing from the shell; files the workload never read at all stay low drift of their own.
      name: 'its own maps, status, stat, cgroup and fd, by every name: nothing above low',
      events: () =>
        nodeTask(
          open('/proc/self/maps', 'read', TOOL),
          open('/proc/200/status', 'read', TOOL),
          { ...open('/proc/thread-self/stat', 'read', TOOL), tid: 201 } as VigilEvent,
          { ...open('/proc/201/comm', 'read', TOOL), tid: 201 } as VigilEvent,
          open('/proc/self/cgroup', 'read', TOOL),
          open('/proc/self/fd', 'read', TOOL),
        ),
      expected: [
        'low vigil.drift.file.new-read',
        'low vigil.drift.file.new-read',
        'low vigil.drift.file.new-read',
      ],
    },
    {
      name: "the agent's environment, read by the process under its shell",
      events: () => nodeTask(open('/proc/100/environ', 'read', TOOL)),
      expected: ['low vigil.drift.file.new-read'],
    },
    {
      name: "another process's memory",
      events: () => nodeTask(open('/proc/1/mem', 'read', TOOL)),
      expected: ['low vigil.drift.file.new-read'],
    },
    {
      name: "a file the agent read, through another process's /proc entry, under the shell",
      events: () => nodeTask(open('/proc/100/status', 'read', TOOL)),
      expected: ['medium vigil.drift.shell.new-activity'],
    },
    {
      name: 'a credential through its own /proc/self/root',
      events: () => nodeTask(open(`/proc/self/root${TOKEN}`, 'read', TOOL), open(TOKEN, 'read', TOOL)),
      expected: ['critical vigil.drift.file.credential-read', 'critical vigil.drift.file.credential-read'],
    },
  ];
  for (const row of rows)
    it(row.name, async () => {
      const set = await learnNodeShell();
      expect(show(await check(set, row.events()))).toEqual(row.expected);
    });
});

describe('system service sockets are infrastructure; a loopback alias is a new peer', () => {
  const NSCD = '/var/run/nscd/socket';
  const DBUS = '/run/dbus/system_bus_socket';
  const unix = (path: string, b: { pid: number; ppid: number; comm?: string; exe?: string }) =>
    connect(path, 0, { ...b, family: 'unix' });
  /** The agent's own work, its local model server on 127.0.0.1:8080, and its shell tool. */
  const learnAgent = async (own: VigilEvent[] = []) => {
    const set = await learn([
      ...agentRun(),
      connect('127.0.0.1', 8080, { pid: 100, ppid: 1 }),
      ...own,
      ...shellTask('ls -la /app', ['/usr/bin/ls', 'ls', '-la', '/app']),
    ]);
    const b = set.baselines()[0]!;
    b.admit(b.quarantined().find((x) => x.behaviour === 'vigil.critical.shell-from-interpreter')!);
    return set;
  };
  const LS = { pid: 200, ppid: 100, comm: 'ls', exe: '/usr/bin/ls' };
  const rows: { name: string; own?: VigilEvent[]; events: () => VigilEvent[]; expected: string[] }[] = [
    {
      name: 'the known local model server (must not fire)',
      events: () => [...agentRun(), connect('127.0.0.1', 8080, { pid: 100, ppid: 1 })],
      expected: [],
    },
    {
      name: 'a loopback alias never used: new egress, not a neighbour of 127.0.0.1',
      events: () => [...agentRun(), connect('127.0.0.2', 45679, { pid: 100, ppid: 1 })],
      expected: ['high vigil.drift.peer.new-egress-address'],
    },
    {
      name: 'a loopback alias reached by the shell tool',
      events: () => [
        ...shellTask('ls -la /app', ['/usr/bin/ls', 'ls', '-la', '/app']),
        connect('127.0.0.2', 45679, LS),
      ],
      expected: ['high vigil.drift.peer.new-egress-address'],
    },
    {
      name: 'a new address in the /24 of a remote peer stays low',
      own: [connect('198.51.100.20', 443, { pid: 100, ppid: 1 })],
      events: () => [...agentRun(), connect('198.51.100.21', 443, { pid: 100, ppid: 1 })],
      expected: ['low vigil.drift.peer.new-address-in-known-range'],
    },
    {
      name: 'the name-service cache, new to the workload: low, named as a system socket',
      events: () => [...agentRun(), unix(NSCD, { pid: 100, ppid: 1 })],
      expected: ['low vigil.drift.peer.new-local-socket'],
    },
    {
      name: 'the name-service cache under the shell, where the agent used it itself: low',
      own: [unix(NSCD, { pid: 100, ppid: 1 }), unix(DBUS, { pid: 100, ppid: 1 })],
      events: () => [...shellTask('ls -la /app', ['/usr/bin/ls', 'ls', '-la', '/app']), unix(NSCD, LS)],
      expected: ['low vigil.drift.shell.new-activity'],
    },
    {
      name: 'the D-Bus system bus under the shell, where the agent used it itself: medium (not infrastructure)',
      own: [unix(NSCD, { pid: 100, ppid: 1 }), unix(DBUS, { pid: 100, ppid: 1 })],
      events: () => [...shellTask('ls -la /app', ['/usr/bin/ls', 'ls', '-la', '/app']), unix(DBUS, LS)],
      expected: ['medium vigil.drift.shell.new-activity'],
    },
  ];
  for (const row of rows)
    it(row.name, async () => {
      const set = await learnAgent(row.own);
      const found = await check(set, row.events());
      expect(show(found)).toEqual(row.expected);
      for (const f of found.filter((x) => x.ruleId === 'vigil.drift.peer.new-local-socket')) {
        expect(f.title).toBe('System service socket');
        expect(f.summary).toContain('a system name-service or logging socket');
      }
    });
});

describe('a shell started by a program new under the known shell tool is rated with that program', () => {
  // The agent (node, 100) runs its shell tool `bash -c CMD` (200), which runs each program as a child.
  function bashTask(command: string, children: [string, string[]][]): VigilEvent[] {
    const out: VigilEvent[] = [
      exec('/usr/bin/node', ['node', '/app/agent.js'], { pid: 100, ppid: 1 }),
      fork(200, { pid: 100, ppid: 1 }),
      exec('/bin/bash', ['bash', '-c', command], { pid: 200, ppid: 100 }),
    ];
    children.forEach(([path, argv], i) => {
      out.push(fork(300 + i, { pid: 200, ppid: 100, comm: 'bash', exe: '/bin/bash' }));
      out.push(exec(path, argv, { pid: 300 + i, ppid: 200 }));
    });
    return out;
  }
  const learnBash = async () => {
    const set = await learn([
      ...bashTask('ls -la /app', [['/usr/bin/ls', ['ls', '-la', '/app']]]),
      ...bashTask('git log -n 5', [['/usr/bin/git', ['git', 'log', '-n', '5']]]),
    ]);
    const b = set.baselines()[0]!;
    b.admit(b.quarantined().find((x) => x.behaviour === 'vigil.critical.shell-from-interpreter')!);
    return set;
  };
  // `tar czf` under the tool: tar (300) starts `sh -c gzip` (400), which runs gzip in place.
  const tarTask = (): VigilEvent[] => [
    ...bashTask('tar czf /tmp/src.tgz src', [['/usr/bin/tar', ['tar', 'czf', '/tmp/src.tgz', 'src']]]),
    fork(400, { pid: 300, ppid: 200, comm: 'tar', exe: '/usr/bin/tar' }),
    exec('/bin/sh', ['sh', '-c', 'gzip'], { pid: 400, ppid: 300 }),
    exec('/usr/bin/gzip', ['gzip'], { pid: 400, ppid: 300 }),
  ];
  const rows: { name: string; events: () => VigilEvent[]; expected: string[] }[] = [
    {
      name: 'tar, new under the known shell tool, starts sh -c gzip: high, as tar is (must not be critical)',
      events: tarTask,
      expected: [
        'high vigil.drift.process.new-binary',
        'high vigil.drift.process.new-binary',
        'high vigil.drift.process.new-shell',
      ],
    },
    {
      name: 'the same when the tool shell ran tar in its own place (bash -c exec): high (must not be critical)',
      events: () => [
        ...bashTask('tar czf /tmp/src.tgz src', []),
        exec('/usr/bin/tar', ['tar', 'czf', '/tmp/src.tgz', 'src'], { pid: 200, ppid: 100 }),
        fork(400, { pid: 200, ppid: 100, comm: 'tar', exe: '/usr/bin/tar' }),
        exec('/bin/sh', ['sh', '-c', 'gzip'], { pid: 400, ppid: 200 }),
        exec('/usr/bin/gzip', ['gzip'], { pid: 400, ppid: 200 }),
      ],
      expected: [
        'high vigil.drift.process.new-binary',
        'high vigil.drift.process.new-binary',
        'high vigil.drift.process.new-shell',
      ],
    },
    {
      name: 'the agent starts a shell it never ran, itself (must stay critical)',
      events: () => [
        exec('/usr/bin/node', ['node', '/app/agent.js'], { pid: 100, ppid: 1 }),
        fork(500, { pid: 100, ppid: 1 }),
        exec('/bin/sh', ['sh', '-c', 'id'], { pid: 500, ppid: 100 }),
      ],
      expected: ['critical vigil.drift.process.new-shell'],
    },
    {
      name: 'the known shell tool starts another shell itself (must stay critical)',
      events: () => bashTask('sh -c id', [['/bin/sh', ['sh', '-c', 'id']]]),
      expected: ['critical vigil.drift.process.new-shell'],
    },
    {
      name: 'a program the shell tool ran while learning starts a shell (must stay critical)',
      events: () => [
        ...bashTask('git log -n 5', [['/usr/bin/git', ['git', 'log', '-n', '5']]]),
        fork(400, { pid: 300, ppid: 200, comm: 'git', exe: '/usr/bin/git' }),
        exec('/bin/sh', ['sh', '-c', 'less'], { pid: 400, ppid: 300 }),
      ],
      expected: ['critical vigil.drift.process.new-shell'],
    },
  ];
  for (const row of rows)
    it(row.name, async () => {
      const set = await learnBash();
      expect(show(await check(set, row.events()))).toEqual(row.expected);
    });
});
