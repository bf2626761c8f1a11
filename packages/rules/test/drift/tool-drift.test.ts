import {
  Baseline,
  BaselineLearner,
  type BaselineSet,
  DriftDetector,
  type DriftFinding,
  EventSchema,
  MemorySource,
  Vigil,
  type VigilEvent,
  type WorkloadRef,
} from '@vigil/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinPacks, criticalBehaviours, RuleEngine } from '../../src/index.js';

/**
 * An agent (`node /app/agent.js --seed N`) with a local shell tool `run_command`: the model's
 * response asks for the tool, the agent forks `sh -c …`, which execs the command in place. The
 * events go through the real pipeline (process tree, call attribution), so `cause` is set by
 * attribution, not by the test.
 */
const AGENT: WorkloadRef = { id: 'systemd:/lab-agent.service', kind: 'systemd-service', labels: {} };
const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const WORDS = ['alder', 'birch', 'cedar', 'dogwood', 'elm', 'fir', 'ginkgo', 'hazel', 'ivy', 'juniper'];

type Extra = Record<string, unknown>;

/** Builds the events of runs; each run has its own pids and its own stretch of time. */
class Run {
  readonly events: VigilEvent[] = [];
  readonly #base: number;
  readonly #pid: number;
  #ms = 0;
  #calls = 0;
  #servers = 0;

  constructor(readonly seed: number) {
    this.#base = 1_800_000_000_000_000_000 + seed * 600_000 * 1e6;
    this.#pid = 1000 + seed * 10;
  }

  get agent(): number {
    return this.#pid;
  }

  #ev(kind: VigilEvent['kind'], pid: number, ppid: number, extra: Extra, at?: number): VigilEvent {
    this.#ms += 10;
    const ms = at ?? this.#ms;
    const ev = EventSchema.parse({
      ts: this.#base + ms * 1e6,
      workload: AGENT,
      pid,
      ppid,
      comm: 'node',
      exe: '/usr/bin/node',
      source: 'ebpf',
      kind,
      ...extra,
    });
    this.events.push(ev);
    return ev;
  }

  start(): this {
    this.#ev('process.exec', this.#pid, 1, {
      filename: '/usr/bin/node',
      argv: ['node', '/app/agent.js', '--seed', String(this.seed)],
      comm: 'node',
    });
    return this;
  }

  /** The agent's own work: its config, `git log` in a child, the model endpoint. */
  ownWork(): this {
    this.open(this.#pid, '/app/config.json');
    const child = this.#pid + 1;
    this.#ev('process.fork', this.#pid, 1, { childPid: child });
    this.#ev('process.exec', child, this.#pid, {
      filename: '/usr/bin/git',
      argv: ['git', 'log', '-n', '1'],
      comm: 'git',
    });
    this.open(child, '/app/.git/HEAD', this.#pid);
    this.connect(this.#pid, '127.0.0.1', 8080);
    return this;
  }

  /** A model call (request at the current time, response 200 ms later) asking for `tools`. */
  model(tools: string[] = []): this {
    this.#ms += 10;
    const ms = this.#ms;
    this.#ms += 200;
    const calls = tools.map((name) => ({ id: `call_${this.seed}_${++this.#calls}`, name }));
    this.#ev(
      'model.call',
      this.#pid,
      1,
      {
        provider: 'openai',
        model: 'gpt-4o-mini',
        endpoint: '127.0.0.1:8080',
        durationMs: 200,
        ...(calls.length > 0 ? { toolCalls: calls, finishReason: 'tool_calls' } : { finishReason: 'stop' }),
      },
      ms,
    );
    return this;
  }

  /** The shell tool runs `argv` (exec'd in place of `sh -c`); `then` adds what the command did. */
  shell(argv: string[], then: (pid: number) => void = () => {}): this {
    const pid = this.#pid + 2 + this.#calls;
    this.#ev('process.fork', this.#pid, 1, { childPid: pid });
    this.#ev('process.exec', pid, this.#pid, {
      filename: '/bin/sh',
      argv: ['sh', '-c', argv.join(' ')],
      comm: 'sh',
    });
    this.#ev('process.exec', pid, this.#pid, {
      filename: argv[0],
      argv: [argv[0]!.split('/').pop()!, ...argv.slice(1)],
      comm: argv[0]!.split('/').pop(),
      exe: argv[0],
    });
    then(pid);
    return this;
  }

  open(pid: number, path: string, ppid = 1, access: 'read' | 'write' = 'read'): this {
    this.#ev('file.open', pid, ppid, { path, flags: access === 'write' ? 0o1101 : 0, access, result: 3 });
    return this;
  }

  connect(pid: number, daddr: string, dport: number, ppid = 1): this {
    this.#ev('net.connect', pid, ppid, { family: 'inet', protocol: 'tcp', daddr, dport, result: 0 });
    return this;
  }

  unix(pid: number, path: string, ppid = 1): this {
    this.#ev('net.connect', pid, ppid, { family: 'unix', protocol: 'tcp', daddr: path, dport: 0, result: 0 });
    return this;
  }

  /** An MCP server over stdio that the agent starts and whose `tools` it lists; returns its pid. */
  mcpServer(server: string, tools: string[]): number {
    const pid = this.#pid + 50 + this.#servers++;
    this.#ev('process.fork', this.#pid, 1, { childPid: pid });
    this.#ev('process.exec', pid, this.#pid, {
      filename: '/usr/bin/node',
      argv: ['node', `/app/mcp/${server}.js`],
      comm: 'node',
    });
    this.#ev('tool.list', pid, this.#pid, {
      server,
      transport: 'stdio',
      tools: tools.map((name) => ({ name })),
    });
    return pid;
  }

  /** A call of `server`'s `tool` (100 ms) on the server `pid`; `then` adds what the server did in it. */
  mcpCall(pid: number, server: string, tool: string, then: () => void = () => {}): this {
    this.#ev('tool.call', pid, this.#pid, {
      server,
      tool,
      transport: 'stdio',
      callId: String(++this.#calls),
      status: 'ok',
      durationMs: 100,
    });
    then();
    this.#ms += 100;
    return this;
  }

  /** The events in the order a capture delivers them: model calls when their response completes. */
  arrival(): VigilEvent[] {
    const t = (e: VigilEvent) =>
      e.kind === 'model.call' && e.durationMs !== undefined ? e.ts + e.durationMs * 1e6 + 1 : e.ts;
    return this.events
      .map((e, i) => ({ e, i }))
      .sort((a, b) => t(a.e) - t(b.e) || a.i - b.i)
      .map((x) => x.e);
  }
}

/** One benign run: the agent's own work, then a task of its shell tool that varies by seed. */
function benign(seed: number): Run {
  const word = WORDS[seed % WORDS.length]!;
  const r = new Run(seed).start().ownWork().model(['run_command']);
  r.shell(['/usr/bin/ls', '-la', `/srv/work/run-${seed}`], (pid) => {
    r.open(pid, `/srv/work/notes-${seed}.txt`, r.agent);
    r.open(pid, `/tmp/job-${word}.out`, r.agent, 'write');
  });
  return r.model();
}

async function learn(runs: Run[], stable = true): Promise<BaselineSet> {
  const learner = new BaselineLearner({ origin: 't', critical: criticalBehaviours(builtinPacks()) });
  await new Vigil({
    source: new MemorySource(runs.flatMap((r) => r.arrival())),
    consumers: [learner],
  }).run();
  for (const b of learner.set.baselines()) {
    // The reviewer admits the shell tool's shell, as `vigil learn --admit` does.
    for (const q of [...b.quarantined()])
      if (q.behaviour === 'vigil.critical.shell-from-interpreter') b.admit(q);
    if (stable) b.markStable(2_000_000_000_000_000_000);
  }
  return learner.set;
}

async function check(baselines: Iterable<Baseline>, events: VigilEvent[]): Promise<DriftFinding[]> {
  const drift = new DriftDetector({ baselines, assessor: new RuleEngine({ packs: builtinPacks() }) });
  await new Vigil({ source: new MemorySource(events), consumers: [drift] }).run();
  return drift.findings().filter((f) => f.severity !== 'info');
}

const show = (fs: readonly DriftFinding[]) => fs.map((f) => `${f.severity} ${f.ruleId}`).sort();
const LEARN_SEEDS = [101, 102, 103, 104, 105, 106];

describe('drift per tool: what a tool did is checked against what that tool did while learning', () => {
  it('learns each tool’s programs, files and peers, generalised like the workload-wide domains', async () => {
    const set = await learn(LEARN_SEEDS.map(benign));
    const fx = set
      .baselines()[0]!
      .entries('toolEffects')
      .map((e) => e.display);
    // Temp folders collapse after four names, numbered files become <num>: as for files.
    expect(fx).toContain('tool function/run_command: /tmp/* (write)');
    expect(fx).toContain('tool function/run_command: /srv/work/notes-<num>.txt (read)');
    expect(fx.some((d) => d.startsWith('tool function/run_command: /usr/bin/ls'))).toBe(true);
  });

  const rows: { name: string; run: (seed: number) => Run; expected: string[] }[] = [
    {
      name: 'fresh benign runs whose paths vary by seed (must not fire)',
      run: benign,
      expected: [],
    },
    {
      name: 'a program the agent runs itself, new under the tool',
      run: (seed) =>
        new Run(seed)
          .start()
          .ownWork()
          .model(['run_command'])
          .shell(['/usr/bin/git', 'log', '-n', '1'])
          .model(),
      expected: ['high vigil.drift.tool-call.new-program'],
    },
    {
      name: 'an ordinary read-only utility new under a tool that ran programs (tail where it ran ls)',
      run: (seed) =>
        new Run(seed)
          .start()
          .ownWork()
          .model(['run_command'])
          .shell(['/usr/bin/tail', '-n', '5', `/srv/work/notes-${seed}.txt`])
          .model(),
      expected: ['low vigil.drift.tool-call.new-program'],
    },
    {
      name: 'a program new to the workload too: one finding, under the tool',
      run: (seed) =>
        new Run(seed)
          .start()
          .ownWork()
          .model(['run_command'])
          .shell(['/usr/bin/curl', '-s', 'http://example.test/x'])
          .model(),
      expected: ['high vigil.drift.tool-call.new-program'],
    },
    {
      name: 'a credential read under the tool',
      run: (seed) => {
        const r = new Run(seed).start().ownWork().model(['run_command']);
        return r
          .shell(['/usr/bin/ls', '-la', `/srv/work/run-${seed}`], (pid) => r.open(pid, TOKEN, r.agent))
          .model();
      },
      expected: ['critical vigil.drift.tool-call.credential-read'],
    },
    {
      name: 'a peer the agent reaches itself, new under the tool',
      run: (seed) => {
        const r = new Run(seed).start().ownWork().model(['run_command']);
        return r
          .shell(['/usr/bin/ls', '-la', `/srv/work/run-${seed}`], (pid) =>
            r.connect(pid, '127.0.0.1', 8080, r.agent),
          )
          .model();
      },
      expected: ['critical vigil.drift.tool-call.new-peer'],
    },
    {
      name: 'a peer new to the workload too: one finding, under the tool',
      run: (seed) => {
        const r = new Run(seed).start().ownWork().model(['run_command']);
        return r
          .shell(['/usr/bin/ls', '-la', `/srv/work/run-${seed}`], (pid) =>
            r.connect(pid, '10.9.9.9', 4444, r.agent),
          )
          .model();
      },
      expected: ['critical vigil.drift.tool-call.new-peer'],
    },
    {
      name: "the name-service cache under the tool (what ls's getpwuid reaches): low, infrastructure",
      run: (seed) => {
        const r = new Run(seed).start().ownWork().model(['run_command']);
        return r
          .shell(['/usr/bin/ls', '-la', `/srv/work/run-${seed}`], (pid) =>
            r.unix(pid, '/var/run/nscd/socket', r.agent),
          )
          .model();
      },
      expected: ['low vigil.drift.tool-call.new-peer'],
    },
    {
      name: 'the D-Bus system bus under the tool: medium, a local socket that is no infrastructure',
      run: (seed) => {
        const r = new Run(seed).start().ownWork().model(['run_command']);
        return r
          .shell(['/usr/bin/ls', '-la', `/srv/work/run-${seed}`], (pid) =>
            r.unix(pid, '/run/dbus/system_bus_socket', r.agent),
          )
          .model();
      },
      expected: ['medium vigil.drift.tool-call.new-peer'],
    },
    {
      name: 'a container runtime socket under the tool: critical',
      run: (seed) => {
        const r = new Run(seed).start().ownWork().model(['run_command']);
        return r
          .shell(['/usr/bin/ls', '-la', `/srv/work/run-${seed}`], (pid) =>
            r.unix(pid, '/var/run/docker.sock', r.agent),
          )
          .model();
      },
      expected: ['critical vigil.drift.tool-call.new-peer'],
    },
    {
      name: 'a file the agent reads itself, new under the tool',
      run: (seed) => {
        const r = new Run(seed).start().ownWork().model(['run_command']);
        return r
          .shell(['/usr/bin/ls', '-la', `/srv/work/run-${seed}`], (pid) =>
            r.open(pid, '/app/config.json', r.agent),
          )
          .model();
      },
      expected: ['medium vigil.drift.tool-call.new-activity'],
    },
    {
      name: 'a tool the baseline never saw at work',
      run: (seed) =>
        new Run(seed)
          .start()
          .ownWork()
          .model(['fetch_url'])
          .shell(['/usr/bin/ls', '-la', `/srv/work/run-${seed}`])
          .model(),
      // The new tool, and the program it ran (known under run_command, not under fetch_url).
      // `sh` from node is a critical behaviour: admitted under run_command, lifted under a tool never reviewed.
      // The new tool itself is one of the agent's own function tools: low, never "a new MCP tool".
      expected: [
        'critical vigil.drift.tool-call.new-program',
        'high vigil.drift.tool-call.new-program',
        'low vigil.drift.tool.new-local-tool',
      ],
    },
  ];
  for (const row of rows)
    it(row.name, async () => {
      const set = await learn(LEARN_SEEDS.map(benign));
      const found = await check(set.baselines(), [...row.run(208).arrival(), ...row.run(209).arrival()]);
      expect(show(found)).toEqual(row.expected);
      for (const f of found)
        if (f.drift.domain === 'toolEffects') expect(f.summary).toContain('in a call of the tool');
    });

  it('names the tool and says the workload did it elsewhere', async () => {
    const set = await learn(LEARN_SEEDS.map(benign));
    const r = new Run(201).start().ownWork().model(['run_command']).shell(['/usr/bin/git', 'log', '-n', '1']);
    const [f] = await check(set.baselines(), r.model().arrival());
    expect(f?.summary).toContain('ran /usr/bin/git in a call of the tool run_command');
    expect(f?.summary).toContain('the workload did it elsewhere');
    expect(f?.drift.domain).toBe('toolEffects');
  });

  it('without a cause, what the agent does itself stays per parent (must not fire)', async () => {
    const set = await learn(LEARN_SEEDS.map(benign));
    // The same program the tool must not run, run by the agent outside any call: known.
    const r = new Run(203).start().ownWork();
    expect(show(await check(set.baselines(), r.arrival()))).toEqual([]);
  });

  it('keeps the provisional cap of a baseline still learning', async () => {
    const set = await learn(LEARN_SEEDS.map(benign), false);
    const r = new Run(201).start().ownWork().model(['run_command']);
    r.shell(['/usr/bin/ls', '-la', '/srv/work/run-201'], (pid) => r.open(pid, TOKEN, r.agent)).model();
    const found = await check(set.baselines(), r.arrival());
    expect(show(found)).toEqual(['medium vigil.drift.tool-call.credential-read']);
    expect(found[0]!.title).toBe('Provisional: Credential read under this tool');
  });
});

describe('tools an MCP server listed while learning, first called by a fresh run', () => {
  /**
   * A benign run of an agent with two MCP servers it starts every run: `files` (read_file, called)
   * and `notes` (lookup_note and edit_note, listed but never called while learning). The agent's
   * `files` tool reads the task's notes file.
   */
  function withServers(seed: number, calls: (r: Run, files: number, notes: number) => void): Run {
    const r = benign(seed);
    const files = r.mcpServer('files', ['read_file']);
    const notes = r.mcpServer('notes', ['lookup_note', 'edit_note']);
    r.mcpCall(files, 'files', 'read_file', () => r.open(files, `/srv/work/notes/topic-${seed}.md`, r.agent));
    calls(r, files, notes);
    return r;
  }
  const learnRuns = () => LEARN_SEEDS.map((s) => withServers(s, () => {}));

  const rows: {
    name: string;
    calls: (r: Run, files: number, notes: number, seed: number) => void;
    expected: string[];
  }[] = [
    {
      name: 'a listed tool reading a file the workload read elsewhere: low, not a new server (must not fire above low)',
      calls: (r, _f, notes, seed) =>
        r.mcpCall(notes, 'notes', 'lookup_note', () =>
          r.open(notes, `/srv/work/notes/topic-${seed}.md`, r.agent),
        ),
      expected: ['low vigil.drift.tool-call.new-activity'],
    },
    {
      name: 'a listed tool that does nothing the baseline could judge (must not fire)',
      calls: (r, _f, notes) => r.mcpCall(notes, 'notes', 'lookup_note'),
      expected: [],
    },
    {
      name: 'a listed tool reading a credential',
      calls: (r, _f, notes) => r.mcpCall(notes, 'notes', 'lookup_note', () => r.open(notes, TOKEN, r.agent)),
      expected: ['critical vigil.drift.tool-call.credential-read'],
    },
    {
      name: 'a listed tool reaching a new peer',
      calls: (r, _f, notes) =>
        r.mcpCall(notes, 'notes', 'lookup_note', () => r.connect(notes, '10.9.9.9', 4444, r.agent)),
      expected: ['critical vigil.drift.tool-call.new-peer'],
    },
    {
      name: 'a tool the server never listed',
      calls: (r, _f, notes) => r.mcpCall(notes, 'notes', 'delete_note'),
      expected: ['medium vigil.drift.tool.new-tool'],
    },
    {
      name: 'a server never listed while learning',
      calls: (r) => {
        const other = r.mcpServer('other', ['exfil']);
        r.mcpCall(other, 'other', 'exfil');
      },
      // Its process is a known program (node) with new arguments.
      expected: ['high vigil.drift.tool.new-server', 'low vigil.drift.process.new-arguments'],
    },
    {
      name: 'a known tool opening a file outside its habit stays medium',
      calls: (r, files) =>
        r.mcpCall(files, 'files', 'read_file', () => r.open(files, '/app/config.json', r.agent)),
      expected: ['medium vigil.drift.tool-call.new-activity'],
    },
  ];
  for (const row of rows)
    it(row.name, async () => {
      const set = await learn(learnRuns());
      const found = await check(set.baselines(), [
        ...withServers(208, (r, f, n) => row.calls(r, f, n, 208)).arrival(),
        ...withServers(209, (r, f, n) => row.calls(r, f, n, 209)).arrival(),
      ]);
      expect(show(found)).toEqual(row.expected);
    });

  it('says the tool was never seen at work', async () => {
    const set = await learn(learnRuns());
    const r = withServers(208, (r, _f, notes) =>
      r.mcpCall(notes, 'notes', 'lookup_note', () => r.open(notes, '/srv/work/notes/topic-208.md', r.agent)),
    );
    const [f] = await check(set.baselines(), r.arrival());
    expect(f?.summary).toContain(
      'in a call of the tool lookup_note of the MCP server notes, a tool it never saw at work while learning',
    );
  });
});

/** A baseline without its `toolEffects` entries: what it was before drift read them. */
function withoutToolEffects(b: Baseline): Baseline {
  const doc = structuredClone(b.toDocument());
  doc.entries.toolEffects = [];
  return Baseline.fromDocument(doc);
}

describe('events without a cause give the findings they gave before drift read toolEffects', () => {
  const PROGRAMS = ['/usr/bin/ls', '/usr/bin/cat', '/usr/bin/curl', '/bin/sh', '/usr/bin/git'];
  const FILES = ['/app/config.json', '/srv/work/notes-201.txt', TOKEN, '/tmp/job-x.out', '/etc/passwd'];
  const PEERS: [string, number][] = [
    ['127.0.0.1', 8080],
    ['10.9.9.9', 4444],
    ['127.0.0.1', 9090],
  ];
  const step = fc.oneof(
    fc.record({ k: fc.constant('exec' as const), i: fc.nat(PROGRAMS.length - 1), child: fc.boolean() }),
    fc.record({ k: fc.constant('open' as const), i: fc.nat(FILES.length - 1), child: fc.boolean() }),
    fc.record({ k: fc.constant('connect' as const), i: fc.nat(PEERS.length - 1), child: fc.boolean() }),
  );

  it('with and without toolEffects in the baseline, for random streams', async () => {
    const set = await learn(LEARN_SEEDS.map(benign));
    const b = set.baselines()[0]!;
    expect(b.entryCount('toolEffects')).toBeGreaterThan(0);
    const before = withoutToolEffects(b);
    expect(before.entryCount('toolEffects')).toBe(0);
    let seed = 300;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const r = new Run(seed++).start();
        const child = r.agent + 1;
        for (const s of steps) {
          const pid = s.child ? child : r.agent;
          const ppid = s.child ? r.agent : 1;
          if (s.k === 'exec')
            r.events.push(
              EventSchema.parse({
                ...r.events[0]!,
                ts: r.events[r.events.length - 1]!.ts + 1e6,
                pid,
                ppid,
                filename: PROGRAMS[s.i]!,
                argv: [PROGRAMS[s.i]!.split('/').pop()!, '-x'],
              }),
            );
          else if (s.k === 'open') r.open(pid, FILES[s.i]!, ppid);
          else r.connect(pid, PEERS[s.i]![0], PEERS[s.i]![1], ppid);
        }
        const events = r.arrival();
        expect(events.every((e) => e.cause === undefined)).toBe(true);
        const now = await check([b], structuredClone(events));
        const then = await check([before], structuredClone(events));
        const view = (fs: DriftFinding[]) => fs.map((f) => [f.id, f.ruleId, f.severity, f.summary, f.count]);
        expect(view(now)).toEqual(view(then));
      }),
      { numRuns: 40 },
    );
  });
});
