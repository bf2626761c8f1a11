import { FindingSchema, MemorySource, Vigil, type VigilError, type VigilEvent } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import {
  builtinPacks,
  definePack,
  defineRule,
  defineSequenceRule,
  type EventRule,
  MemoryBaselineView,
  RuleEngine,
  type RulePack,
  runtimePack,
  step,
} from '../src/index.js';
import { AGENT, connect, dns, exec, fork, OTHER, open, tick } from './events.js';

function meta(id: string, extra: object = {}) {
  return {
    id,
    title: id,
    description: `test rule ${id}`,
    severity: 'medium' as const,
    version: '1.0.0',
    ...extra,
  };
}

function pack(rules: EventRule[] | RulePack['rules'], extra: Partial<RulePack> = {}): RulePack {
  return { name: 'test-pack', version: '1.0.0', engine: '^1.0.0', rules, ...extra };
}

describe('RuleEngine routing', () => {
  it('calls a rule that declares facts only for events that have them; one that declares none sees all', () => {
    const seen: string[] = [];
    const withFacts = defineRule({
      meta: meta('t.facts'),
      kinds: ['file.open', 'net.connect'],
      facts: { 'file.open': ['succeeded', 'read', 'credential'], 'net.connect': ['succeeded', 'remote'] },
      onEvent: (ev) => void seen.push(`facts:${ev.kind === 'file.open' ? ev.path : ev.daddr}`),
    });
    // A plain object, as a user pack may hold: no facts, every event of its kinds.
    const plain = {
      type: 'event' as const,
      meta: meta('t.plain'),
      kinds: ['file.open', 'net.connect'],
      onEvent: (ev: VigilEvent) =>
        void seen.push(`plain:${ev.kind === 'file.open' ? ev.path : (ev as { daddr: string }).daddr}`),
    } as unknown as EventRule;
    const engine = new RuleEngine({ packs: [pack([withFacts, plain])] });
    engine.process([
      open('/etc/hostname'),
      open('/root/.ssh/id_rsa'),
      open('/root/.ssh/id_rsa', 'write'),
      open('/root/.aws/credentials', 'read', { result: -2 }),
      connect('127.0.0.1', 80),
      connect('10.0.0.9', 443, { result: -111 }),
      connect('10.0.0.9', 443),
    ]);
    expect(seen).toEqual([
      'plain:/etc/hostname',
      'facts:/root/.ssh/id_rsa',
      'plain:/root/.ssh/id_rsa',
      'plain:/root/.ssh/id_rsa',
      'plain:/root/.aws/credentials',
      'plain:127.0.0.1',
      'plain:10.0.0.9',
      'facts:10.0.0.9',
      'plain:10.0.0.9',
    ]);
    // Every rule a kind routes to counts as invoked, as before facts existed.
    expect(engine.stats().invocations).toBe(14);
  });

  it('rejects a pack whose facts name a fact the kind does not have', () => {
    const bad = {
      ...defineRule({ meta: meta('t.bad'), kinds: ['net.connect'], onEvent() {} }),
      facts: { 'net.connect': ['read'] },
    };
    expect(() => definePack(pack([bad as unknown as EventRule]))).toThrow(/facts/);
  });

  it('routes each event only to the rules that select its kind', () => {
    const seen: string[] = [];
    const execRule = defineRule({
      meta: meta('t.exec'),
      kinds: ['process.exec'],
      onEvent: (ev) => void seen.push(`exec:${ev.filename}`),
    });
    const netRule = defineRule({
      meta: meta('t.net'),
      kinds: ['net.connect', 'dns.query'],
      onEvent: (ev) => void seen.push(ev.kind === 'net.connect' ? `net:${ev.daddr}` : `dns:${ev.name}`),
    });
    const engine = new RuleEngine({ packs: [pack([execRule, netRule])] });
    engine.process([exec('/bin/a'), open('/x'), connect('1.1.1.1', 53), dns('a.example'), fork(5)]);
    expect(seen).toEqual(['exec:/bin/a', 'net:1.1.1.1', 'dns:a.example']);
    expect(engine.stats()).toMatchObject({ events: 5, invocations: 3 });
  });

  it('reports core findings with tags, compliance and a stable id', () => {
    const rule = defineRule({
      meta: meta('t.tagged', {
        tags: { owaspAgentic: ['ASI02'], atlas: ['AML.T0053'], attack: ['T1059'] },
        areas: ['execution'],
      }),
      kinds: ['process.exec'],
      onEvent: (ev, ctx) => ctx.report({ subject: ev.filename, summary: 'x' }),
    });
    const e1 = new RuleEngine({ packs: [pack([rule])] });
    const e2 = new RuleEngine({ packs: [pack([rule])] });
    const [a] = e1.process([exec('/bin/a')]);
    const [b] = e2.process([exec('/bin/a')]);
    expect(FindingSchema.parse(a)).toBeTruthy();
    expect(a!.id).toBe(b!.id);
    expect(a!.tags).toEqual({
      owaspLlm: [],
      owaspAgentic: ['ASI02'],
      atlas: ['AML.T0053'],
      attack: ['T1059'],
    });
    const frameworks = new Set(a!.compliance.map((r) => r.framework));
    for (const f of [
      'owasp-agentic-2026',
      'mitre-atlas',
      'nist-ai-rmf',
      'eu-ai-act',
      'soc2',
      'pci-dss-4',
      'mas-trm',
    ])
      expect(frameworks.has(f as never), f).toBe(true);
    expect(a!.risk.score).toBeGreaterThan(0);
  });

  it('plugs into the Vigil pipeline as a Consumer', async () => {
    const engine = new RuleEngine({ packs: builtinPacks() });
    const vigil = new Vigil({
      source: new MemorySource([exec('/tmp/payload'), open('/etc/shadow')], { batchSize: 1 }),
      consumers: [engine],
    });
    const got: string[] = [];
    vigil.on('finding', (f) => got.push(f.ruleId));
    const summary = await vigil.run();
    expect(got.sort()).toEqual(['vigil.runtime.exec-from-temp', 'vigil.runtime.sensitive-file-read']);
    expect(summary.findings).toBe(2);
  });
});

describe('deduplication and rate limiting', () => {
  const noisy = defineRule({
    meta: meta('t.noisy'),
    kinds: ['process.exec'],
    onEvent: (ev, ctx) => ctx.report({ subject: ev.filename, summary: ev.filename }),
  });

  it('folds repeats within the window into count and lastSeen', () => {
    const engine = new RuleEngine({ packs: [pack([noisy])] });
    const a = exec('/bin/a');
    const b = exec('/bin/a', ['a'], { ts: tick(1000) });
    const found = engine.process([a, b, exec('/bin/a')]);
    expect(found).toHaveLength(1);
    expect(found[0]!.count).toBe(3);
    expect(found[0]!.lastSeen).toBeGreaterThan(b.ts);
    expect(engine.stats().deduplicated).toBe(2);
  });

  it('reports again after the dedup window, and per workload', () => {
    const engine = new RuleEngine({ packs: [pack([noisy])], dedupWindowMs: 1000 });
    const found = engine.process([
      exec('/bin/a'),
      exec('/bin/a', ['a'], { ts: tick(5000) }),
      exec('/bin/a', ['a'], { workload: OTHER }),
    ]);
    expect(found).toHaveLength(3);
    expect(new Set(found.map((f) => f.workload.id))).toEqual(new Set([AGENT.id, OTHER.id]));
  });

  it('rate-limits findings per rule in stream time', () => {
    const engine = new RuleEngine({ packs: [pack([noisy])], rateLimit: { perMinute: 60, burst: 5 } });
    const burst = Array.from({ length: 50 }, (_, i) => exec(`/bin/x${i}`));
    expect(engine.process(burst)).toHaveLength(5);
    expect(engine.stats().rateLimited).toBe(45);
    // 10 s of stream time refills 10 tokens at 60 per minute.
    const later = Array.from({ length: 20 }, (_, i) =>
      exec(`/bin/y${i}`, ['y'], { ts: tick(i === 0 ? 10_000 : 0) }),
    );
    expect(engine.process(later)).toHaveLength(5);
  });
});

describe('isolation of failing rules', () => {
  it('a rule that throws is reported, disabled after the limit, and never stops the stream', () => {
    const errors: VigilError[] = [];
    const bad = defineRule({
      meta: meta('t.bad'),
      kinds: ['process.exec'],
      onEvent() {
        throw new Error('boom');
      },
    });
    const good = defineRule({
      meta: meta('t.good'),
      kinds: ['process.exec'],
      onEvent: (ev, ctx) => ctx.report({ subject: ev.filename, summary: 'ok' }),
    });
    const engine = new RuleEngine({
      packs: [pack([bad, good], { name: 'acme' })],
      maxErrorsPerRule: 3,
      onError: (e) => errors.push(e),
    });
    const found = engine.process(Array.from({ length: 10 }, (_, i) => exec(`/bin/${i}`)));
    expect(found).toHaveLength(10);
    expect(errors).toHaveLength(4);
    expect(errors[0]!.code).toBe('RULE');
    expect(errors[0]!.message).toContain('rule "t.bad" of pack "acme" threw on a process.exec event');
    expect(errors[3]!.message).toContain('disabled after 3 errors');
    expect(engine.stats().disabledRules).toEqual(['t.bad']);
    expect(engine.rules().find((r) => r.id === 't.bad')).toMatchObject({
      enabled: false,
      reason: 'disabled after errors',
    });
  });

  it('in a Vigil pipeline, rule errors reach the pipeline as error events and the stream goes on', async () => {
    const bad = defineRule({
      meta: meta('t.bad-pipe'),
      kinds: ['process.exec'],
      onEvent(ev) {
        if (ev.filename === '/bin/boom') throw new Error('boom');
      },
    });
    const good = defineRule({
      meta: meta('t.good-pipe'),
      kinds: ['process.exec'],
      onEvent: (ev, ctx) => ctx.report({ subject: ev.filename, summary: 'ok' }),
    });
    const engine = new RuleEngine({ packs: [pack([bad, good], { name: 'acme' })] });
    const vigil = new Vigil({
      source: new MemorySource([exec('/bin/a'), exec('/bin/boom'), exec('/bin/b'), exec('/bin/c')], {
        batchSize: 2,
      }),
      consumers: [engine],
    });
    const errors: string[] = [];
    const findings: string[] = [];
    vigil.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
    vigil.on('finding', (f) =>
      findings.push(f.summary && (f.evidence[0]!.event as { filename: string }).filename),
    );
    const summary = await vigil.run();
    expect(findings).toEqual(['/bin/a', '/bin/boom', '/bin/b', '/bin/c']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^RULE: rule "t.bad-pipe" of pack "acme" threw on a process.exec event/);
    expect(summary.events).toBe(4);
  });

  it('in a Vigil pipeline, a rule that fails in init is reported as an error before the first batch', async () => {
    const bad = defineRule({
      meta: meta('t.bad-init-pipe'),
      kinds: ['process.exec'],
      init() {
        throw new Error('missing option');
      },
      onEvent() {},
    });
    const vigil = new Vigil({
      source: new MemorySource([exec('/bin/a')]),
      consumers: [new RuleEngine({ packs: [pack([bad])] })],
    });
    const errors: string[] = [];
    vigil.on('error', (e) => errors.push(e.message));
    expect((await vigil.run()).events).toBe(1);
    expect(errors).toEqual([
      expect.stringContaining(
        'rule "t.bad-init-pipe" of pack "test-pack" failed in init and is disabled: missing option',
      ),
    ]);
  });

  it('a rule whose init throws is disabled, the others run', () => {
    const errors: VigilError[] = [];
    const bad = defineRule({
      meta: meta('t.badinit'),
      kinds: ['process.exec'],
      init() {
        throw new Error('no config');
      },
      onEvent: (_ev, ctx) => ctx.report({ subject: '', summary: 'never' }),
    });
    const good = defineRule({
      meta: meta('t.good2'),
      kinds: ['process.exec'],
      onEvent: (_ev, ctx) => ctx.report({ subject: '', summary: 'ok' }),
    });
    const engine = new RuleEngine({ packs: [pack([bad, good])], onError: (e) => errors.push(e) });
    expect(engine.process([exec('/bin/a')]).map((f) => f.ruleId)).toEqual(['t.good2']);
    expect(errors[0]!.message).toContain('failed in init');
  });
});

describe('exceptions', () => {
  it('drops findings whose triggering event matches, per workload, with globs', () => {
    const engine = new RuleEngine({
      packs: [runtimePack],
      exceptions: [
        {
          name: 'builds in the agent',
          rules: ['vigil.runtime.exec-*'],
          when: { 'workload.namespace': ['ml'], filename: ['/tmp/go-build*'] },
        },
      ],
    });
    const found = engine.process([
      exec('/tmp/go-build123/exe/main'),
      exec('/tmp/go-build123/exe/main', ['main'], { workload: OTHER }),
      exec('/tmp/other'),
    ]);
    expect(found.map((f) => `${f.workload.id} ${f.summary}`)).toEqual([
      `${OTHER.id} /tmp/go-build123/exe/main was executed from a world-writable directory`,
      `${AGENT.id} /tmp/other was executed from a world-writable directory`,
    ]);
    expect(engine.stats().excepted).toBe(1);
  });

  it('a field that names an Object method is no field of the event: it never matches', () => {
    // `constructor` read through the prototype was the text of the Object function, which `*` matched.
    const engine = new RuleEngine({
      packs: [runtimePack],
      exceptions: [
        {
          name: 'by prototype',
          rules: ['*'],
          when: { constructor: ['*'], 'workload.labels.toString': ['*'] },
        },
      ],
    });
    const found = engine.process([exec('/tmp/other')]);
    expect(found.map((f) => f.summary)).toEqual(['/tmp/other was executed from a world-writable directory']);
    expect(engine.stats().excepted).toBe(0);
  });

  it("can ignore the packs' default exceptions", () => {
    const withDefaults = new RuleEngine({ packs: [runtimePack] });
    const without = new RuleEngine({ packs: [runtimePack], ignorePackExceptions: true });
    const ev = () => open('/etc/shadow', 'read', { exe: '/usr/sbin/sshd' });
    expect(withDefaults.process([ev()])).toHaveLength(0);
    expect(without.process([ev()])).toHaveLength(1);
  });

  it('disables rules by id glob', () => {
    const engine = new RuleEngine({ packs: [runtimePack], disable: ['vigil.runtime.exec-*'] });
    expect(engine.process([exec('/tmp/x')])).toEqual([]);
    expect(engine.rules().find((r) => r.id === 'vigil.runtime.exec-from-temp')?.reason).toBe(
      'disabled by configuration',
    );
  });
});

describe('state and sequences', () => {
  it('ctx.state is per workload and bounded', () => {
    const rule = defineRule({
      meta: meta('t.state'),
      kinds: ['file.open', 'process.exec'],
      onEvent(ev, ctx) {
        if (ev.kind === 'file.open') ctx.state.set(ev.path, true);
        else if (ctx.state.get<boolean>(ev.filename))
          ctx.report({ subject: ev.filename, summary: ev.filename });
      },
    });
    const engine = new RuleEngine({ packs: [pack([rule])], maxStateEntries: 10 });
    const events: VigilEvent[] = [open('/a'), exec('/a', ['a'], { workload: OTHER }), exec('/a')];
    for (let i = 0; i < 100; i++) events.push(open(`/f${i}`));
    events.push(exec('/a'), exec('/f99'));
    const found = engine.process(events);
    // '/a' was evicted by the 100 later entries, so its second exec does not fire (count stays 1).
    expect(found.map((f) => `${f.workload.id}:${f.summary}:${f.count}`)).toEqual([
      `${AGENT.id}:/a:1`,
      `${AGENT.id}:/f99:1`,
    ]);
    expect(engine.stats().state.entries).toBeLessThanOrEqual(10);
    expect(engine.stats().state.evictions).toBeGreaterThan(0);
  });

  const seq = defineSequenceRule({
    meta: meta('t.seq'),
    keyBy: 'process-tree',
    windowMs: 1000,
    steps: [
      step({
        name: 'a',
        description: 'exec a',
        kinds: ['process.exec'],
        match: (ev) => ev.filename === '/bin/a',
      }),
      step({ name: 'b', description: 'open b', kinds: ['file.open'], match: (ev) => ev.path === '/b' }),
      step({ name: 'c', description: 'connect', kinds: ['net.connect'], match: () => true }),
    ],
  });

  it('process-tree sequences follow descendants and ignore other trees', () => {
    const engine = new RuleEngine({ packs: [pack([seq])] });
    const found = engine.process([
      exec('/bin/a', ['a'], { pid: 10, ppid: 1 }),
      fork(11, { pid: 10 }),
      open('/b', 'read', { pid: 11, ppid: 10 }),
      connect('9.9.9.9', 1, { pid: 77, ppid: 1 }), // another tree: ignored
      exec('/bin/x', ['x'], { pid: 12, ppid: 11 }),
      connect('9.9.9.9', 1, { pid: 12, ppid: 11 }),
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.map((e) => e.event?.pid)).toEqual([10, 11, 12]);
    expect(engine.stats().sequence).toMatchObject({ keys: 0, completed: 1 });
  });

  it('steps marked anyOrder may match in either order, after the steps before them', () => {
    const grouped = defineSequenceRule({
      meta: meta('t.group'),
      keyBy: 'workload',
      windowMs: 10_000,
      steps: [
        step({
          name: 'a',
          description: 'a',
          kinds: ['process.exec'],
          match: (ev) => ev.filename === '/bin/a',
        }),
        step({
          name: 'b',
          description: 'b',
          kinds: ['file.open'],
          anyOrder: true,
          match: (ev) => ev.path === '/b',
        }),
        step({ name: 'c', description: 'c', kinds: ['net.connect'], anyOrder: true, match: () => true }),
        step({ name: 'd', description: 'd', kinds: ['dns.query'], match: () => true }),
      ],
    });
    const run = (events: VigilEvent[]) => new RuleEngine({ packs: [pack([grouped])] }).process(events);
    expect(run([exec('/bin/a'), open('/b'), connect('9.9.9.9', 1), dns('x')])).toHaveLength(1);
    const swapped = run([exec('/bin/a'), connect('9.9.9.9', 1), open('/b'), dns('x')]);
    expect(swapped).toHaveLength(1);
    expect(swapped[0]!.evidence.map((e) => (e.event as { kind: string }).kind)).toEqual([
      'process.exec',
      'file.open',
      'net.connect',
      'dns.query',
    ]);
    // The group still comes after the first step, and the last step after the whole group.
    expect(run([open('/b'), exec('/bin/a'), connect('9.9.9.9', 1), dns('x')])).toHaveLength(0);
    expect(run([exec('/bin/a'), open('/b'), dns('x'), connect('9.9.9.9', 1)])).toHaveLength(0);
  });

  it('sequences expire after their window', () => {
    const engine = new RuleEngine({ packs: [pack([seq])] });
    const found = engine.process([
      exec('/bin/a', ['a'], { pid: 20 }),
      open('/b', 'read', { pid: 20 }),
      connect('9.9.9.9', 1, { pid: 20, ts: tick(2000) }),
    ]);
    expect(found).toHaveLength(0);
    expect(engine.stats().sequence.expirations).toBe(1);
  });
});

describe('pack validation', () => {
  it('names the pack and the rule in errors', () => {
    const bad = { ...pack([defineRule({ meta: meta('t.ok'), kinds: ['process.exec'], onEvent() {} })]) };
    const broken = {
      ...bad,
      name: 'acme-pack',
      rules: [
        ...bad.rules,
        {
          type: 'event',
          meta: { ...meta('acme.bad'), severity: 'severe' },
          kinds: ['process.exec'],
          onEvent() {},
        },
      ],
    };
    expect(() => definePack(broken as unknown as RulePack)).toThrowError(
      /rule pack "acme-pack": rule "acme.bad" \(rules\[1\]\): meta\.severity/,
    );
  });

  it('rejects unknown event kinds, missing functions, bad ids, engine ranges and duplicates', () => {
    const r = (over: object) => ({
      type: 'event',
      meta: meta('acme.x'),
      kinds: ['process.exec'],
      onEvent() {},
      ...over,
    });
    const cases: [object, RegExp][] = [
      [pack([r({ kinds: ['process.spawn'] })] as never), /rule "acme.x" \(rules\[0\]\): kinds\.0/],
      [pack([r({ onEvent: 'nope' })] as never), /expected onEvent to be a function/],
      [pack([r({ meta: meta('NotDotted') })] as never), /expected a dotted lower-case id/],
      [pack([r({})] as never, { engine: '^2.0.0' }), /needs rule engine \^2\.0\.0, this is 1\.0\.0/],
      [pack([r({})] as never, { engine: 'whenever' }), /engine: expected a semver range/],
      [pack([r({}), r({})] as never), /rule "acme.x" \(rules\[1\]\) has the same id as rules\[0\]/],
      [
        pack([
          { type: 'sequence', meta: meta('acme.s'), keyBy: 'workload', windowMs: 1, steps: [] },
        ] as never),
        /at least two steps/,
      ],
    ];
    for (const [p, re] of cases) expect(() => definePack(p as RulePack)).toThrowError(re);
  });

  it('rejects the same rule id in two packs', () => {
    const rule = defineRule({ meta: meta('t.dup'), kinds: ['process.exec'], onEvent() {} });
    expect(
      () => new RuleEngine({ packs: [pack([rule], { name: 'a' }), pack([rule], { name: 'b' })] }),
    ).toThrowError(/rule "t.dup" of pack "b" has the same id as a rule of pack "a"/);
  });

  it('a baseline view with nothing learned covers nothing', () => {
    const b = new MemoryBaselineView();
    expect(b.covers(AGENT)).toBe(false);
    b.cover(AGENT);
    expect(b.covers(AGENT)).toBe(true);
    expect(b.seen(exec('/bin/sh'))).toBe(false);
  });
});
