import { describe, expect, it } from 'vitest';
import {
  Baseline,
  BaselineLearner,
  BaselineSet,
  DEFAULT_STABILITY,
  explainLearning,
  formatDuration,
  nearestBaselines,
  oneRunBaselines,
  StabilityTracker,
  type WorkloadRef,
} from '../../src/index.js';

const T0 = 1_764_000_000_000_000_000;

/** Feeds runs into a tracker: each entry is [observations, novel ones]. */
function feed(t: StabilityTracker, runs: [number, number][]): boolean[] {
  let ts = T0;
  return runs.map(([n, novel]) => {
    t.beginRun();
    let became = false;
    for (let i = 0; i < n; i++) {
      ts += 1e8;
      became = t.record(ts, i < novel) || became;
    }
    t.endRun();
    return became || t.check(ts);
  });
}

describe('stability from short runs', () => {
  const rows: [string, [number, number][], string | undefined][] = [
    [
      'first run learns, three quiet runs follow',
      [
        [300, 40],
        [300, 1],
        [300, 0],
        [300, 0],
      ],
      'quiet-runs',
    ],
    [
      'too few runs',
      [
        [300, 40],
        [300, 0],
        [300, 0],
      ],
      undefined,
    ],
    [
      'a noisy run breaks the streak',
      [
        [300, 40],
        [300, 0],
        [300, 0],
        [300, 5],
        [300, 0],
      ],
      undefined,
    ],
    [
      'quiet again after the noise',
      [
        [300, 40],
        [300, 0],
        [300, 5],
        [300, 0],
        [300, 0],
        [300, 0],
      ],
      'quiet-runs',
    ],
    // 2 novel of 300 is 0.67 %: above the 0.5 % threshold, so not quiet.
    [
      'runs that keep adding a little',
      [
        [300, 40],
        [300, 2],
        [300, 2],
        [300, 2],
        [300, 2],
      ],
      undefined,
    ],
  ];
  it.each(rows)('%s', (_why, runs, reason) => {
    const t = new StabilityTracker(DEFAULT_STABILITY);
    feed(t, runs);
    expect(t.state.runs).toBe(runs.length);
    expect(t.state.stableReason).toBe(reason);
    expect(t.state.status).toBe(reason ? 'stable' : 'learning');
  });

  it('never uses runs when the policy has no minRuns (older baselines)', () => {
    const { minRuns: _m, quietRuns: _q, ...old } = DEFAULT_STABILITY;
    const t = new StabilityTracker(old);
    feed(t, [
      [300, 40],
      [300, 0],
      [300, 0],
      [300, 0],
      [300, 0],
      [300, 0],
    ]);
    expect(t.state.status).toBe('learning');
  });
});

const workload = (name: string): WorkloadRef => ({
  id: `cgroup:/vigil-${name}`,
  kind: 'cgroup',
  name,
  cgroupPath: `/vigil-${name}/run-1-a`,
  labels: {},
});

describe('runs counted by the learner', () => {
  const run = (i: number): WorkloadRef => ({ ...workload('x'), cgroupPath: `/vigil-x/run-${i}-a` });
  const exec = (w: WorkloadRef, ts: number, pid: number) => ({
    kind: 'process.exec' as const,
    ts,
    pid,
    ppid: 1,
    comm: 'sh',
    exe: '/usr/bin/sh',
    source: 'ebpf' as const,
    workload: w,
    filename: '/usr/bin/sh',
    argv: ['sh', '-c', 'true'],
  });

  it('makes four sequential quiet runs stable, and overlapping runs never by runs', () => {
    const seq = new BaselineLearner({ origin: 'me' });
    for (let r = 1; r <= 4; r++)
      for (let i = 0; i < 50; i++) seq.observe(exec(run(r), T0 + (r * 100 + i) * 1e9, 1000 + i));
    seq.finish();
    const [a] = seq.set.baselines();
    expect(a!.learning()['me']).toMatchObject({ runs: 4, status: 'stable', stableReason: 'quiet-runs' });

    const mixed = new BaselineLearner({ origin: 'me' });
    for (let i = 0; i < 50; i++)
      for (let r = 1; r <= 4; r++) mixed.observe(exec(run(r), T0 + (i * 4 + r) * 1e9, 1000 + i));
    mixed.finish();
    const [b] = mixed.set.baselines();
    expect(b!.learning()['me']).toMatchObject({ runs: 4, status: 'learning', quietRuns: expect.any(Number) });
    expect(b!.learning()['me']!.quietRuns).toBeLessThan(3);
  });
});

describe('explainLearning', () => {
  it('says what each way to stability still needs', () => {
    const b = Baseline.create({
      subject: 'cgroup:/vigil-x',
      versionKey: 'unversioned',
      workload: workload('x'),
    });
    const t = b.tracker('me');
    feed(t, [
      [200, 30],
      [180, 0],
    ]);
    const e = explainLearning(b, 'me');
    expect(e.status).toBe('learning');
    expect(e.text).toMatch(
      /^still learning: 2 runs over 38 s, 380 observations, novelty [\d.]+ %; stable needs /,
    );
    expect(e.missing).toEqual([
      expect.stringMatching(
        /^≥ 15 min of observation \(14 min 2\d s more\) and ≥ 2,000 observations \(1,620 more\)/,
      ),
      '≥ 4 runs with the last 3 quiet: 2 more runs and 2 more quiet runs in a row (a run adding ≤ 0.5 % new behaviour; 1 so far)',
      '--mark-stable after review',
    ]);
    b.markStable(T0 + 40e9);
    expect(explainLearning(b).text).toMatch(/^stable \(marked stable by hand\)/);
  });

  it('formats durations', () => {
    expect([formatDuration(38), formatDuration(862), formatDuration(11_100), formatDuration(-1)]).toEqual([
      '38 s',
      '14 min 22 s',
      '3 h 5 min',
      '0 ms',
    ]);
    // Under a second, milliseconds: a short span never reads "0.0 s".
    expect([
      formatDuration(0.0004),
      formatDuration(0.25),
      formatDuration(0.9996),
      formatDuration(1.4),
    ]).toEqual(['0 ms', '250 ms', '1 s', '1 s']);
  });
});

describe('oneRunBaselines and nearestBaselines', () => {
  const make = (name: string, runs: number) => {
    const b = Baseline.create({
      subject: `cgroup:/vigil-${name}`,
      versionKey: 'unversioned',
      workload: workload(name),
    });
    feed(
      b.tracker('me'),
      Array.from({ length: runs }, () => [10, 1] as [number, number]),
    );
    return b;
  };

  it('flags several one-run workloads, not one, and not workloads of several runs', () => {
    expect(
      oneRunBaselines(new BaselineSet([make('a', 1), make('b', 1)]), 'me').map((b) => b.subject),
    ).toEqual(['cgroup:/vigil-a', 'cgroup:/vigil-b']);
    expect(oneRunBaselines(new BaselineSet([make('a', 1), make('b', 3)]), 'me')).toEqual([]);
  });

  it('ranks by program, then by name words, and explains each', () => {
    const set = [
      make('node-3f2a9c1e', 3),
      make('python3-0011aabb', 3),
      make('lab-openai-agents', 3),
      make('db', 3),
    ];
    const near = nearestBaselines(workload('node-99887766'), set);
    expect(near.map((n) => [n.baseline.subject, n.reasons])).toEqual([
      ['cgroup:/vigil-node-3f2a9c1e', ['same program node (its command line differs)']],
    ]);
    const lab = nearestBaselines(workload('lab-openai-agents-2'), set);
    expect(lab[0]?.baseline.subject).toBe('cgroup:/vigil-lab-openai-agents');
    expect(lab[0]?.reasons).toEqual(['names 100 % alike (lab, openai, agents)']);
    expect(nearestBaselines(workload('zzz'), set)).toEqual([]);
    // Its own baseline is not a neighbour.
    expect(nearestBaselines(workload('db'), set)).toEqual([]);
  });
});

describe('a baseline that keeps learning after it looked stable', () => {
  const run = (i: number): WorkloadRef => ({ ...workload('x'), cgroupPath: `/vigil-x/run-${i}-a` });
  const exec = (w: WorkloadRef, ts: number, pid: number, program = '/usr/bin/sh') => ({
    kind: 'process.exec' as const,
    ts,
    pid,
    ppid: 1,
    comm: program.split('/').at(-1)!,
    exe: program,
    source: 'ebpf' as const,
    workload: w,
    filename: program,
    argv: [program.split('/').at(-1)!, '-c', 'true'],
  });
  // Four quiet runs of one program, then a fifth that runs programs never seen, then `quietAfter` quiet runs.
  function learn(learner: BaselineLearner, quietAfter: number): void {
    let ts = T0;
    const at = (r: number, i: number, program?: string) => {
      ts += 1e9;
      learner.observe(exec(run(r), ts, 1000 + i, program));
    };
    for (let r = 1; r <= 4; r++) for (let i = 0; i < 50; i++) at(r, i);
    for (let i = 0; i < 50; i++) at(5, i, i < 6 ? `/usr/bin/tool-${i}` : '/usr/bin/sh');
    for (let r = 6; r < 6 + quietAfter; r++) for (let i = 0; i < 50; i++) at(r, i);
    learner.finish();
  }

  it('goes back to learning on a run that is not quiet, says why, and is stable again after quiet runs', () => {
    const notices: string[] = [];
    const learner = new BaselineLearner({ origin: 'me', freezeWhenStable: false });
    learner.onNotice((n) => notices.push(n.type));
    learn(learner, 0);
    const [b] = learner.set.baselines();
    expect(b!.status).toBe('learning');
    const s = b!.learning()['me']!;
    expect(s).toMatchObject({ status: 'learning', runs: 5, quietRuns: 0 });
    expect(s.reopened).toMatchObject({
      after: 'quiet-runs',
      run: 5,
      runId: '/vigil-x/run-5-a',
      novel: 6,
      entries: 6,
    });
    expect(notices).toEqual(['stable', 'reopened']);
    const e = explainLearning(b!, 'me', (id) => (id === '/vigil-x/run-5-a' ? 'run-5.vcap' : undefined));
    expect(e.text).toContain(
      'it looked stable (the last runs added (almost) nothing new), then run 5 (run-5.vcap) added 6 new entries in 6 of',
    );
    expect(e.text).toContain('so it went back to learning; stable needs');
    expect(e.missing).toContain(
      '≥ 4 runs with the last 3 quiet: 3 more quiet runs in a row (a run adding ≤ 0.5 % new behaviour; 0 so far)',
    );
    // The document keeps it.
    expect(Baseline.fromDocument(b!.toDocument()).status).toBe('learning');

    const again = new BaselineLearner({ origin: 'me', freezeWhenStable: false });
    learn(again, 3);
    const [c] = again.set.baselines();
    expect(c!.learning()['me']).toMatchObject({ status: 'stable', stableReason: 'quiet-runs', runs: 8 });
  });

  it('stays stable in a learner that freezes stable baselines (the fleet daemon)', () => {
    const learner = new BaselineLearner({ origin: 'me' });
    learn(learner, 0);
    const [b] = learner.set.baselines();
    expect(b!.learning()['me']).toMatchObject({ status: 'stable', stableReason: 'quiet-runs' });
    expect(b!.learning()['me']!.reopened).toBeUndefined();
  });

  it('stays stable when marked stable by hand', () => {
    const first = new BaselineLearner({ origin: 'me', freezeWhenStable: false });
    for (let i = 0; i < 50; i++) first.observe(exec(run(1), T0 + i * 1e9, 1000 + i));
    first.finish();
    const [b] = first.set.baselines();
    b!.markStable(T0 + 60e9);
    const more = new BaselineLearner({ origin: 'me', freezeWhenStable: false, resume: first.set });
    learn(more, 0);
    expect(b!.status).toBe('stable');
    expect(b!.learning()['manual']).toMatchObject({ status: 'stable', stableReason: 'manual' });
  });

  it('judges only what a run did after the baseline converged, and reopens a converged baseline', () => {
    const t = new StabilityTracker(DEFAULT_STABILITY);
    let ts = T0;
    // One long run: new behaviour at first, then 15 min of nothing new; it converges part-way.
    const next = () => {
      ts += 1e8;
      return ts;
    };
    t.beginRun('long', true);
    for (let i = 0; i < 12_000; i++) t.record(next(), i < 200);
    expect(t.state).toMatchObject({ status: 'stable', stableReason: 'converged' });
    t.beginRun('quiet', true);
    for (let i = 0; i < 300; i++) t.record(next(), false);
    t.beginRun('noisy', true);
    expect(t.state.status).toBe('stable');
    for (let i = 0; i < 300; i++) t.record(next(), i < 5);
    t.endRun(true);
    expect(t.state.status).toBe('learning');
    expect(t.state.reopened).toMatchObject({
      after: 'converged',
      run: 3,
      runId: 'noisy',
      novel: 5,
      observations: 300,
    });
    // Novelty is measured afresh: the next observation does not make it converge at once.
    expect(t.record(next(), false)).toBe(false);
  });
});
