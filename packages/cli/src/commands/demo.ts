import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  type AiBom,
  countOf,
  type Finding,
  FindingSchema,
  type Incident,
  readCapture,
  severityRank,
  VigilError,
} from '@vigil/core';
import { assertCapturePrerequisites } from '@vigil/ebpf-native';
import { buildFindingsReport, renderHtml, renderMarkdown, toSarif } from '@vigil/reporters';
import type { Command, CommandContext } from '../command.js';
import { findRepoRoot, openLog, startLab } from '../demo/lab.js';
import { recordRun } from '../record-run.js';
import { VERSION } from '../version.js';

interface Step {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// Runs a vigil command in-process and keeps its output.
async function vigil(argv: string[]): Promise<Step> {
  const { main } = await import('../main.js');
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (c) => {
      stdout += typeof c === 'string' ? c : Buffer.from(c).toString('utf8');
    },
    stderr: (l) => {
      stderr += l.endsWith('\n') ? l : `${l}\n`;
    },
  });
  if (code === 2) throw new VigilError('INTERNAL', `vigil ${argv[0]} failed: ${stderr.trim()}`);
  return { code, stdout, stderr };
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function severities(findings: readonly Finding[]): string {
  const c = countBy(findings, (f) => f.severity);
  const parts = ['critical', 'high', 'medium', 'low', 'info'].filter((s) => c[s]).map((s) => `${c[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

// The demo empties its folder before it starts: only ever an earlier demo's (it has demo.log).
function assertDemoFolder(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory())
    throw new VigilError('USAGE', `--out ${out} is not a folder; the demo writes a folder of reports`);
  const entries = readdirSync(out);
  if (entries.length > 0 && !entries.includes('demo.log'))
    throw new VigilError(
      'USAGE',
      `--out ${out} is a folder that is not empty and not an earlier demo's output; the demo empties its folder, so name a new one`,
    );
}

// The lab's agent the demo runs, and the attack it acts out (examples/lab: tasks.ts, lab.ts).
const AGENT = 'openai-agents';
const ATTACK = 'cred-exfil';

/** What a capture shows of the agent itself: model calls and tool calls read from the kernel. */
async function agentCalls(capture: string): Promise<{ model: number; tools: string[] }> {
  const { events } = await readCapture(capture);
  const tools: string[] = [];
  let model = 0;
  for (const e of events) {
    if (e.kind === 'model.call') {
      model++;
      for (const t of e.toolCalls ?? []) tools.push(t.name);
    }
  }
  return { model, tools };
}

/** One line of at most `max` characters. */
function clip(text: string, max = 150): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function list(items: readonly string[], max = 6): string {
  const distinct = [...new Set(items)];
  return distinct.length > max ? `${distinct.slice(0, max).join(', ')}, …` : distinct.join(', ');
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Watch a real AI agent learn a baseline, get prompt-injected, and be caught; write every report',
  usage: '[--out DIR] [--runs N]',
  description: [
    'Runs an agent of the lab (examples/lab: the OpenAI Agents SDK with the filesystem and memory MCP',
    "servers from npm and the lab's notes server over stdio, a shell tool and a PostgreSQL search tool,",
    "against the lab's scripted OpenAI-compatible model on 127.0.0.1) under live eBPF capture with",
    'payloads, so model calls and tool calls are read from the kernel: N benign runs, each a different',
    'seeded task, to learn a baseline (what a reviewer admits is recorded with who and why); a fresh',
    'benign run, checked against it; then a run whose inbox carries an injected instruction that makes',
    'the agent send its cloud credentials to a new peer through its shell tool. Then it builds the',
    'AI-BOM, the declared-vs-observed gap report with least-privilege policies, and the findings as',
    'SARIF, Markdown and HTML in DIR (default ./vigil-demo). Needs root (or CAP_BPF + CAP_PERFMON) and',
    'a kernel with BTF for live capture; without them it says what is missing and stops.',
  ].join('\n'),
  options: { runs: { type: 'string' } },
  optionHelp: {
    out: 'folder for captures, baseline and reports (default ./vigil-demo)',
    runs: 'benign runs to learn from (default 4)',
  },
  formats: ['text'],
  maxPositionals: 0,
  outKind: 'folder',
  async run(ctx: CommandContext) {
    const runs = Number(ctx.args.values['runs'] ?? 4);
    if (!Number.isInteger(runs) || runs < 1 || runs > 20)
      throw new VigilError('USAGE', '--runs takes a number from 1 to 20');
    const root = findRepoRoot();
    const out = resolve(ctx.out ?? 'vigil-demo');
    const say = (line = '') => ctx.log(line);
    const rel = (p: string) => relative(process.cwd(), p) || '.';
    assertDemoFolder(out);

    // The demo captures a real agent with eBPF: say exactly what is missing when it can't.
    assertCapturePrerequisites();

    rmSync(out, { recursive: true, force: true });
    for (const d of ['captures', 'policies']) mkdirSync(join(out, d), { recursive: true });
    const logPath = join(out, 'demo.log');
    const log = openLog(logPath);
    const started = Date.now();

    say(`Vigil ${VERSION} demo — output in ${rel(out)}, the agents' own output in ${rel(logPath)}`);
    say('');
    say(
      `The agent: "${AGENT}" from the lab (examples/lab) — the OpenAI Agents SDK with three MCP servers over`,
    );
    say(
      "stdio (filesystem and memory from npm, the lab's notes server), a shell tool and a PostgreSQL search",
    );
    say('tool, driven by a scripted model on 127.0.0.1. Every run is recorded with eBPF and --payloads:');
    say('model calls and tool calls are read from the kernel, not from the agent.');
    const lab = await startLab(root, log);
    if (lab.postgresSkipped)
      say(`(PostgreSQL did not start, so the runs leave out the search step: ${lab.postgresSkipped})`);
    say('');
    // Every run of the agent shares one workload name, hence one baseline.
    const name = `lab-${AGENT}`;
    const runAgent = async (capture: string, seed: number, attack?: string) => {
      const prepared = await lab.prepare(AGENT, seed, attack);
      try {
        const r = await recordRun(prepared.argv, {
          out: capture,
          name,
          spawn: { cwd: root, stdio: ['ignore', log, log], env: { ...process.env, ...prepared.env } },
          signal: ctx.signal,
          // The default byte cap (64 KiB per call): MCP tool lists are long, and a cut one is not read.
          sensor: { payloads: 'meta' },
        });
        if (r.exitCode !== 0)
          throw new VigilError(
            'INTERNAL',
            `the agent (seed ${seed}) exited with ${r.exitCode} (see ${rel(logPath)})`,
          );
        // Events the ring buffer or the consumer lost (payload messages not decoded are counted apart).
        const dropped = Object.entries(r.drops)
          .filter(([k]) => !k.startsWith('payload'))
          .reduce((a, [, n]) => a + n, 0);
        return { ...r, dropped, topic: prepared.topic, calls: await agentCalls(capture) };
      } finally {
        await lab.cleanup();
      }
    };
    try {
      // 1. Learn: benign runs, each a different task.
      say(`1. Learning: ${runs} benign runs, each a different seeded task`);
      const benign: string[] = [];
      for (let seed = 1; seed <= runs; seed++) {
        const capture = join(out, 'captures', `benign-${seed}.vcap`);
        const r = await runAgent(capture, seed);
        say(
          `   run ${seed} (${r.topic} team): ${r.calls.model} model calls, tools ${list(r.calls.tools)}; ${r.events} events${r.dropped > 0 ? `, ${r.dropped} dropped` : ''}`,
        );
        benign.push(capture);
      }
      const baseline = join(out, 'baseline.json');
      const learned = await vigil(['learn', '--out', baseline, '--mark-stable', ...benign]);
      say(`   vigil learn: ${learned.stderr.trim().split('\n')[0] ?? ''}`);
      // The review loop: what learning held back (shells, new programs) is listed; a reviewer admits it.
      const review = JSON.parse(
        (await vigil(['baseline', 'review', baseline, '--format', 'json'])).stdout,
      ) as { quarantined: { id: string; title: string; behaviour: string[] }[] };
      if (review.quarantined.length > 0) {
        await vigil([
          'baseline',
          'admit',
          baseline,
          ...review.quarantined.map((q) => q.id),
          '--by',
          'demo',
          '--reason',
          'seen in the benign learning runs: part of the agent’s job',
        ]);
        say(
          `   review: ${countOf(review.quarantined.length, 'quarantined item')} admitted by "demo" with a reason (vigil baseline admit), e.g.`,
        );
        for (const q of review.quarantined.slice(0, 3))
          say(`     ${clip(`${q.title}: ${q.behaviour.slice(0, 2).join('; ')}`, 110)}`);
      } else say('   review: nothing was quarantined');
      say('');

      // 2. A fresh benign run: the baseline should stay quiet.
      const freshSeed = runs + 1;
      const fresh = join(out, 'captures', `benign-${freshSeed}.vcap`);
      const fr = await runAgent(fresh, freshSeed);
      say(
        `2. A fresh benign run (seed ${freshSeed}, ${fr.topic} team, tools ${list(fr.calls.tools)}), checked against the baseline`,
      );
      const checkFresh = join(out, 'check-benign.json');
      await vigil(['check', '--baseline', baseline, fresh, '--json', '--out', checkFresh]);
      const freshFindings = readJson<{ findings: Finding[] }>(checkFresh).findings.map((f) =>
        FindingSchema.parse(f),
      );
      const loud = freshFindings.filter((f) => severityRank(f.severity) >= severityRank('medium'));
      say(
        `   ${countOf(freshFindings.length, 'finding')} (${severities(freshFindings)}); at medium or above: ${loud.length}`,
      );
      for (const f of freshFindings.slice(0, 4))
        say(`     ${f.severity.toUpperCase().padEnd(8)} ${clip(`${f.title}: ${f.summary}`)}`);
      say('');

      // 3. The attack: an injected instruction in the inbox the agent reads.
      const attackSeed = runs + 2;
      say('3. Attack: the inbox now carries an instruction hidden in an HTML comment — send the cloud');
      say(
        '   credentials to 127.0.0.2 with curl — and the model, like one without injection defences, obeys',
      );
      const attack = join(out, 'captures', 'attack.vcap');
      const ar = await runAgent(attack, attackSeed, ATTACK);
      say(
        `   attack run: tools ${list(ar.calls.tools)}; the drop server on ${lab.drop.replace('http://', '')} received ${await lab.received()} bytes`,
      );
      const checkAttack = join(out, 'check-attack.json');
      await vigil(['check', '--baseline', baseline, attack, '--json', '--out', checkAttack]);
      const checked = readJson<{ findings: Finding[]; incidents?: Incident[] }>(checkAttack);
      const attackFindings = checked.findings.map((f) => FindingSchema.parse(f));
      say(`   vigil check: ${attackFindings.length} findings (${severities(attackFindings)})`);
      for (const f of attackFindings
        .filter((x) => severityRank(x.severity) >= severityRank('high'))
        .slice(0, 6)) {
        say(`     ${f.severity.toUpperCase().padEnd(8)} ${clip(`${f.title}: ${f.summary}`)}`);
      }
      const incidents = (checked.incidents ?? []).filter(
        (i) => severityRank(i.severity) >= severityRank('high'),
      );
      for (const i of incidents.slice(0, 2)) {
        // The chain's steps that are evidence for a finding at medium or above (not the libraries curl loaded).
        const loudIds = new Set(
          i.findings.filter((f) => severityRank(f.severity) >= severityRank('medium')).map((f) => f.id),
        );
        const steps = i.chain.filter((step) => step.findings.some((id) => loudIds.has(id)));
        say(
          `   incident (${i.severity.toUpperCase()}, ${i.findings.length} findings joined): ${clip(i.title, 100)}`,
        );
        for (const step of steps.slice(0, 6)) say(`     → ${clip(step.description, 140)}`);
        if (steps.length > 6) say(`     … ${steps.length - 6} more in ${rel(checkAttack)}`);
      }
      say('');

      // 4. The AI-BOM: what ran, against what was declared.
      say("4. AI-BOM from the captures, against the lab's package.json and the agent's MCP configuration");
      const manifests = [join(root, 'examples/lab/package.json'), join(root, 'examples/lab/deploy/mcp.json')];
      const aibomArgs = ['aibom', ...benign, fresh, attack, ...manifests.flatMap((m) => ['--manifest', m])];
      await vigil([...aibomArgs, '--format', 'json', '--out', join(out, 'aibom.json')]);
      await vigil([...aibomArgs, '--format', 'cyclonedx', '--out', join(out, 'aibom.cdx.json')]);
      const bom = readJson<AiBom>(join(out, 'aibom.json'));
      const byStatus = countBy(bom.components, (c) => c.status);
      say(
        `   ${bom.components.length} components: ${Object.entries(byStatus)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}; flow graph ${bom.flow.nodes.length} nodes, ${bom.flow.edges.length} edges`,
      );
      const byType = (t: string) =>
        bom.components
          .filter((c) => c.type === t)
          .map((c) => `${c.name} (${c.status})`)
          .join(', ');
      for (const [label, t] of [
        ['MCP servers', 'mcp-server'],
        ['models', 'model'],
      ] as const)
        if (byType(t)) say(`   ${label}: ${byType(t)}`);
      say('');

      // 5. Declared vs observed.
      say(
        '5. Declared permissions (Kubernetes RBAC, pod spec and NetworkPolicy; the MCP configuration) vs use',
      );
      const gapJson = join(out, 'gap.json');
      await vigil([
        'gap',
        '--declared',
        join(root, 'examples/lab/deploy/k8s.yaml'),
        '--declared',
        join(root, 'examples/lab/deploy/mcp.json'),
        '--bind',
        '*=k8s:workload:ai/Deployment/agent',
        '--mcp-client',
        AGENT,
        ...benign,
        '--emit-policy',
        join(out, 'policies'),
        '--json',
        '--out',
        gapJson,
      ]);
      const gap = readJson<{
        report: {
          workloads?: { name: string; domains?: { domain: string; granted: number; used: number }[] }[];
        };
        findings: Finding[];
      }>(gapJson);
      const domains = (gap.report.workloads ?? []).flatMap((w) => w.domains ?? []);
      for (const w of gap.report.workloads ?? []) {
        const rows = (w.domains ?? []).filter((d) => d.granted > 0 || d.used > 0);
        if (rows.length === 0) continue;
        say(`   ${w.name.startsWith('mcp:') ? `the MCP configuration of ${w.name.slice(4)}` : w.name}:`);
        for (const d of rows)
          say(`     ${d.domain.padEnd(14)} granted ${String(d.granted).padStart(3)}, used ${d.used}`);
      }
      say(`   least-privilege policies written to ${rel(join(out, 'policies'))}`);
      say('');

      // 6. Reports.
      const all = [...attackFindings, ...gap.findings.map((f) => FindingSchema.parse(f))];
      const report = buildFindingsReport(all, { inputs: [attack, ...benign].map(rel), toolVersion: VERSION });
      writeFileSync(
        join(out, 'findings.sarif'),
        `${JSON.stringify(toSarif(all, { toolVersion: VERSION }), null, 2)}\n`,
      );
      writeFileSync(join(out, 'report.md'), renderMarkdown(report));
      writeFileSync(
        join(out, 'report.html'),
        renderHtml({
          title: `Vigil demo: the lab's ${AGENT} agent`,
          findings: report,
          aibom: bom,
          highlights: [
            { label: 'benign runs learned', value: runs },
            { label: 'findings on a fresh benign run at medium or above', value: loud.length },
          ],
          tables: [
            {
              title: 'Declared vs observed',
              headers: ['domain', 'granted', 'used'],
              rows: domains.map((d) => [d.domain, d.granted, d.used]),
            },
          ],
        }),
      );
      say(
        `6. Reports: ${['report.html', 'report.md', 'findings.sarif', 'aibom.cdx.json', 'gap.json'].map((f) => rel(join(out, f))).join(', ')}`,
      );
      say(`   done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return 0;
    } finally {
      await lab.stop();
    }
  },
};
