import { existsSync } from 'node:fs';
import {
  commandWorkloadName,
  countOf,
  type EnforcementLedger,
  EnforcementLedgerSchema,
  emptyLedger,
  fromZodError,
  modeFor,
  pinMode,
  type ResponsePlan,
  ResponsePlanSchema,
  type ResponseRecord,
  readJsonFile,
  recordEnforcementRun,
  VigilError,
  writeOutput,
} from '@vigil/core';
import { assertCapturePrerequisites, type PolicyViolationEvent } from '@vigil/ebpf-native';
import { builtinPacks, loadRulePacks } from '@vigil/rules';
import type { Command } from '../command.js';
import { enforceRun } from '../enforce-run.js';
import { loadBaselines } from './check.js';
import { loadOrSynthesizePolicy, subjectOfName } from './enforce-support.js';
import { parseDurationSec } from './learn.js';

async function readLedger(path: string): Promise<EnforcementLedger> {
  if (!existsSync(path)) return emptyLedger();
  const value = await readJsonFile(path, 'enforcement', { what: 'enforcement ledger' });
  const r = EnforcementLedgerSchema.safeParse(value);
  if (!r.success) throw fromZodError(r.error, 'enforcement ledger', { file: path });
  return r.data;
}

async function readPlan(path: string): Promise<ResponsePlan> {
  const value = await readJsonFile(path, 'enforcement', { what: 'response plan' });
  const r = ResponsePlanSchema.safeParse(value);
  if (!r.success) throw fromZodError(r.error, 'response plan', { file: path });
  return r.data;
}

function describeResponse(r: ResponseRecord): string {
  return `${r.outcome} ${r.action} (plan rule ${r.planRule}, ${r.severity} ${r.ruleId}): ${r.detail}; because ${r.cause}`;
}

function describe(v: PolicyViolationEvent): string {
  const what =
    v.operation === 'exec' ? `exec ${v.path}` : `${v.operation} ${v.protocol} ${v.daddr}:${v.dport}`;
  return `${v.action} ${what} by ${v.comm} (pid ${v.pid}): ${v.rule} of ${v.policy}`;
}

export const enforceCommand: Command = {
  name: 'enforce',
  summary: 'Run a command under an in-kernel enforcement policy: monitor (report) or enforce (block)',
  usage:
    '(--baseline FILE | --policy FILE) [--mode monitor|enforce|auto] [--ledger FILE] [--name NAME] [--workload SUBJECT] [--respond PLAN [--rules PACK…]] [--dns-port PORT…] -- CMD [ARG…]\n' +
    '--ledger FILE (--name NAME | --workload SUBJECT) --pin monitor|enforce|none --by WHO --reason WHY',
  description: [
    'Creates a cgroup, applies the policy (synthesised from a stable baseline, or a reviewed --policy file) to it',
    'and runs CMD inside. Egress outside the allowlist is refused with EPERM (cgroup connect4/6, sendmsg4/6) and',
    'programs outside the exec allowlist are killed at exec (SIGKILL from the exec tracepoint; refused outright',
    'where a kernel offers BPF-LSM). In monitor mode the same actions go ahead and are reported as would-block.',
    'Every decision is printed as it happens and listed in the report (--format json for the events).',
    '--mode auto reads --ledger: a workload starts in monitor and is promoted to enforce once its baseline is',
    'stable and the monitored runs produced no would-block decisions (ledger promotion settings; by',
    'confidence, not by a timer); a new policy version goes back to monitor. Every decision is recorded in the',
    "ledger with its evidence. --pin fixes a workload's mode (none removes the pin), recorded with --by and --reason.",
    '--promote-after DURATION switches a monitor run to enforce while it runs after that long with no',
    "would-block decision. Exits with CMD's exit code (128+N when it died of signal N).",
    '--respond PLAN checks the live event stream while CMD runs, with what vigil check uses: drift against the',
    'baseline (--baseline; with --policy alone, give --baseline too for drift), the rule packs (built-in and',
    '--rules PACK) and incidents; findings and incidents that meet a rule of the response plan start its actions',
    '(kill-tree, kill-workload, tighten-egress, isolate-network, webhook), each printed with its outcome and cause.',
    "Egress rules by DNS name stay current: the workload's DNS answers (UDP port 53, or --dns-port) for names the",
    'policy allows are added to the allowlist as they are seen.',
    'Needs root (CAP_BPF, CAP_NET_ADMIN for the cgroup programs, CAP_SYS_ADMIN for the cgroup).',
  ].join('\n'),
  options: {
    baseline: { type: 'string' },
    policy: { type: 'string' },
    mode: { type: 'string' },
    ledger: { type: 'string' },
    name: { type: 'string' },
    workload: { type: 'string' },
    'allow-learning': { type: 'boolean' },
    'promote-after': { type: 'string' },
    pin: { type: 'string' },
    by: { type: 'string' },
    reason: { type: 'string' },
    respond: { type: 'string' },
    rules: { type: 'string', multiple: true },
    'dns-port': { type: 'string', multiple: true },
  },
  optionHelp: {
    baseline: 'synthesise the policy from this baseline file or store (it must be stable)',
    policy: 'a reviewed policy document (vigil policy --out)',
    mode: 'monitor (default): report only; enforce: block; auto: the mode the ledger promotes to',
    ledger: 'the enforcement ledger (JSON) for --mode auto and --pin; created when missing',
    name: 'the workload name (the cgroup is vigil-NAME), as recorded with vigil record --name',
    workload: 'the baseline subject, when the baseline file holds several',
    'allow-learning': 'synthesise from a baseline that is still learning',
    'promote-after': 'in monitor mode, switch to enforce after this long with no would-block (e.g. 30s)',
    pin: 'pin the workload to monitor or enforce (none: unpin); needs --ledger, --name, --by, --reason',
    by: 'who pins (recorded)',
    reason: 'why (recorded)',
    respond: 'a response plan (JSON): findings and incidents of the live check start its actions',
    rules: 'with --respond: a rule pack to add to the built-in ones (a module path or package name)',
    'dns-port': 'a UDP port whose traffic is DNS (default 53); answers keep DNS-named egress rules current',
    out: 'where to write the run report',
  },
  maxPositionals: 0,
  formats: ['text', 'json'],
  takesCommand: true,
  async run(ctx) {
    const v = ctx.args.values;
    const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
    const ledgerFile = str('ledger');
    const name = str('name');
    if (str('pin') !== undefined) {
      const pin = str('pin')!;
      if (!['monitor', 'enforce', 'none'].includes(pin))
        throw new VigilError('USAGE', `--pin takes monitor, enforce or none (got '${pin}')`);
      const key = str('workload') ?? (name !== undefined ? subjectOfName(name) : undefined);
      if (!ledgerFile || !key || !str('by') || !str('reason'))
        throw new VigilError(
          'USAGE',
          '--pin needs --ledger FILE, --name NAME (or --workload SUBJECT), --by WHO and --reason WHY',
        );
      if (ctx.args.rest.length > 0)
        throw new VigilError('USAGE', '--pin changes the ledger only; run the command separately');
      const next = pinMode(
        await readLedger(ledgerFile),
        key,
        pin === 'none' ? undefined : (pin as 'monitor' | 'enforce'),
        {
          by: str('by')!,
          reason: str('reason')!,
        },
      );
      await writeOutput(ledgerFile, `${JSON.stringify(next, null, 2)}\n`);
      ctx.log(`vigil enforce: ${key} ${pin === 'none' ? 'unpinned' : `pinned to ${pin}`} in ${ledgerFile}`);
      return 0;
    }
    const command = ctx.args.rest;
    if (command.length === 0) throw new VigilError('USAGE', "enforce needs a command after '--'");
    // The same default name `vigil record` gives the command, so its baseline is found.
    const runName = name ?? commandWorkloadName(command).name;
    const mode = str('mode') ?? 'monitor';
    if (!['monitor', 'enforce', 'auto'].includes(mode))
      throw new VigilError('USAGE', `--mode takes monitor, enforce or auto (got '${mode}')`);
    if (mode === 'auto' && (!ledgerFile || !name))
      throw new VigilError(
        'USAGE',
        '--mode auto needs --ledger FILE and --name NAME (the ledger keys workloads by name)',
      );
    const planFile = str('respond');
    if (
      (str('baseline') === undefined && str('policy') === undefined) ||
      (str('baseline') !== undefined && str('policy') !== undefined && planFile === undefined)
    )
      throw new VigilError(
        'USAGE',
        'give exactly one of --baseline FILE and --policy FILE (both only with --respond: the baseline is then for drift)',
      );
    if (v['rules'] !== undefined && planFile === undefined)
      throw new VigilError('USAGE', '--rules needs --respond PLAN');
    const dnsPorts = ((v['dns-port'] as string[] | undefined) ?? []).map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1 || n > 65_535)
        throw new VigilError('USAGE', `--dns-port takes a port 1-65535 (got '${p}')`);
      return n;
    });
    const plan = planFile === undefined ? undefined : await readPlan(planFile);
    const promoteAfter = str('promote-after');
    const promoteAfterMs =
      promoteAfter === undefined ? undefined : parseDurationSec(promoteAfter, '--promote-after') * 1000;
    const { policy, baseline } = await loadOrSynthesizePolicy({
      ...(str('policy') !== undefined ? { policyFile: str('policy')! } : {}),
      ...(str('baseline') !== undefined && str('policy') === undefined
        ? { baselineFile: str('baseline')! }
        : {}),
      name: runName,
      ...(str('workload') !== undefined ? { workload: str('workload')! } : {}),
      ...(v['allow-learning'] === true ? { allowLearning: true } : {}),
    });
    const respond = plan
      ? {
          plan,
          baselines: str('baseline') !== undefined ? await loadBaselines(str('baseline')!) : undefined,
          packs: [...builtinPacks(), ...(await loadRulePacks((v['rules'] as string[] | undefined) ?? []))],
        }
      : undefined;
    assertCapturePrerequisites();
    const ref = `${policy.id}@${policy.version}`;
    let ledger = ledgerFile ? await readLedger(ledgerFile) : undefined;
    let runMode: 'monitor' | 'enforce' = mode === 'enforce' ? 'enforce' : 'monitor';
    // The ledger knows workloads by their baseline subject, as baselines and policies do.
    const key = policy.id;
    if (mode === 'auto' && ledger) {
      const m = modeFor(ledger, key, ref);
      ledger = m.ledger;
      runMode = m.mode;
    }
    ctx.log(
      `vigil enforce: ${ref} (${policy.egress.rules.length} egress, ${policy.exec.rules.length} exec rules) in ${runMode} mode`,
    );
    const r = await enforceRun(command, {
      policy,
      mode: runMode,
      signal: ctx.signal,
      name: runName,
      ...(promoteAfterMs !== undefined ? { promoteAfterMs } : {}),
      onViolation: (ev) => ctx.log(`vigil enforce: ${describe(ev)}`),
      onModeChange: (m, why) => ctx.log(`vigil enforce: now ${m} (${why})`),
      ...(dnsPorts.length > 0 ? { dnsPorts } : {}),
      onDnsLearned: (n, addrs) => ctx.log(`vigil enforce: allowed ${addrs.join(', ')} for ${n} (DNS answer)`),
      ...(respond
        ? {
            respond: {
              plan: respond.plan,
              packs: respond.packs,
              ...(respond.baselines ? { baselines: respond.baselines } : {}),
              ...(v['allow-learning'] === true ? { allowLearning: true } : {}),
              onFinding: (f) => ctx.log(`vigil enforce: ${f.severity} ${f.ruleId}: ${f.summary}`),
              onResponse: (x) => ctx.log(`vigil enforce: response ${describeResponse(x)}`),
            },
          }
        : {}),
    });
    for (const u of r.applied.unresolved) ctx.log(`vigil enforce: unresolved rule ${u}`);
    let decision: string | undefined;
    if (ledgerFile && ledger) {
      const rec = recordEnforcementRun(ledger, key, {
        policy: ref,
        baselineStatus: policy.source.baselineStatus ?? baseline?.status ?? 'stable',
        mode: runMode,
        durationMs: r.durationMs,
        wouldBlock: r.violations.filter((x) => x.action === 'would-block').length,
        blocked: r.violations.filter((x) => x.action !== 'would-block').length,
      });
      await writeOutput(ledgerFile, `${JSON.stringify(rec.ledger, null, 2)}\n`);
      decision = rec.decision
        ? `${rec.decision.cause}: ${rec.decision.reason}`
        : rec.waiting
          ? `stays in monitor: ${rec.waiting.join('; ')}`
          : undefined;
      if (decision) ctx.log(`vigil enforce: ${key}: ${decision}`);
    }
    const c = r.counters;
    if (ctx.format === 'json') {
      await ctx.emit(
        `${JSON.stringify({ policy: ref, mode: r.mode, applied: r.applied, counters: c, exitCode: r.exitCode, durationMs: r.durationMs, ...(decision ? { ledger: decision } : {}), violations: r.violations, dnsLearned: r.dnsLearned, ...(r.response ? { response: r.response } : {}) }, null, 2)}\n`,
      );
    } else {
      const lines = [
        `${ref}: ${r.mode} mode, ${c.checked} decisions: ${c.allowed} allowed, ${c.wouldBlock} would-block, ${c.blocked} blocked, ${c.killed} killed${c.ringbufFull > 0 ? ` (${c.ringbufFull} reports lost: ring buffer full)` : ''}`,
        ...r.violations.map((x) => `  ${describe(x)}`),
        ...(r.response
          ? [
              `live check: ${countOf(r.response.events, 'event')}, ${countOf(r.response.findings.length, 'finding')}, ${countOf(r.response.incidents.length, 'incident')}, ${countOf(r.response.actions.length, 'action')}`,
              ...r.response.actions.map((x) => `  ${describeResponse(x)}`),
              ...r.response.errors.map((x) => `  error: ${x}`),
            ]
          : []),
        `${command[0]} exited with ${r.exitCode}`,
      ];
      await ctx.emit(`${lines.join('\n')}\n`);
    }
    return r.exitCode;
  },
};
