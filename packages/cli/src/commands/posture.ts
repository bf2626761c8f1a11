import { readFile } from 'node:fs/promises';
import {
  type AiBom,
  AiBomSchema,
  assessMaturity,
  buildComplianceEvidence,
  ComplianceFrameworkSchema,
  type EnforcementLedger,
  EnforcementLedgerSchema,
  type Finding,
  FindingSchema,
  fromZodError,
  type GapReport,
  GapReportSchema,
  type ObservedUseDocument,
  type ReadonlyBaseline,
  VigilError,
} from '@vigil/core';
import { renderReport, reportFormats } from '@vigil/reporters';
import { readScanCaptures } from '@vigil/rules';
import type { Command } from '../command.js';
import { loadBaselines } from './check.js';

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new VigilError('IO', `cannot read ${what}: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new VigilError('PARSE', `${path}: the ${what} is not JSON: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
}

async function readAs<T>(
  path: string,
  what: string,
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: Parameters<typeof fromZodError>[0] };
  },
): Promise<T> {
  const r = schema.safeParse(await readJson(path, what));
  if (!r.success) throw fromZodError(r.error, what, { file: path });
  return r.data;
}

async function readFindings(path: string): Promise<Finding[]> {
  const doc = await readJson(path, 'findings report');
  const arr = (doc as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(arr))
    throw new VigilError(
      'INPUT_INVALID',
      `${path}: expected a findings report (an object with a findings array)`,
      {
        location: { file: path },
      },
    );
  return arr.map((f, i) => {
    const r = FindingSchema.safeParse(f);
    if (!r.success) throw fromZodError(r.error, 'finding', { file: path, path: ['findings', i] });
    return r.data;
  });
}

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export const postureCommand: Command = {
  name: 'posture',
  summary:
    'The maturity level (0 Blind – 4 Adaptive) of each workload and of the environment, with the steps to the next',
  usage:
    '[--aibom FILE…] [--gap FILE…] [--baseline FILE…] [--ledger FILE] [--findings FILE…] [--scanned] [--response-for SUBJECT…] [--framework NAME [--capture FILE…]]',
  description: [
    'Reads what Vigil produced for an environment — AI-BOMs (vigil aibom --format json), gap reports (vigil gap',
    '--format json), baselines, the enforcement ledger (vigil enforce --ledger), findings (vigil check --json,',
    'vigil scan --format json) — and places each workload on the maturity model: 0 Blind, 1 Inventory-aware,',
    '2 Posture-managed, 3 Runtime-informed, 4 Adaptive, with what is missing for the next level and the command',
    'that does it. Workloads are matched across documents by their baseline subject. The overall level is the',
    'level every workload has reached.',
    '--format html writes a self-contained page (no external assets, every value escaped) with the same content.',
    '',
    '--framework NAME writes the compliance evidence report instead: for one framework (nist-ai-rmf, eu-ai-act,',
    'owasp-llm-2025, owasp-agentic-2026, mitre-atlas, hipaa, soc2, pci-dss-4, gdpr, mas-trm), every control of',
    "Vigil's mapping table, the findings against it, and the behaviour observed during the period that supports",
    'it: baselines (--baseline), captures (--capture: window, events, workloads), enforcement (--ledger) and',
    'scans (--findings from vigil scan). Formats: markdown (also text), html, json.',
  ].join('\n'),
  options: {
    aibom: { type: 'string', multiple: true },
    gap: { type: 'string', multiple: true },
    baseline: { type: 'string', multiple: true },
    ledger: { type: 'string' },
    findings: { type: 'string', multiple: true },
    scanned: { type: 'boolean' },
    'response-for': { type: 'string', multiple: true },
    framework: { type: 'string' },
    capture: { type: 'string', multiple: true },
  },
  optionHelp: {
    aibom: 'an AI-BOM document (JSON)',
    gap: 'a gap report (JSON)',
    baseline: 'a baseline file or store',
    ledger: 'the enforcement ledger',
    findings: 'a findings report (JSON with a findings array): check or scan output',
    scanned: 'the supply chain was scanned (when no scan findings file is given)',
    'response-for': "a workload with an automated response registered ('*': every workload)",
    framework: 'write the compliance evidence report for this framework',
    capture: 'with --framework: a capture of the period (its window, events and workloads are evidence)',
    out: 'where to write the report',
  },
  maxPositionals: 0,
  // The maturity report's formats, then those only the compliance evidence report (--framework) has.
  formats: [...new Set([...reportFormats('maturity'), ...reportFormats('compliance')])],
  async run(ctx) {
    const v = ctx.args.values;
    if (ctx.args.positionals.length > 0)
      throw new VigilError(
        'USAGE',
        `posture takes no positional arguments (got '${ctx.args.positionals[0]}')`,
      );
    const aiBoms: AiBom[] = [];
    for (const f of list(v['aibom'])) aiBoms.push((await readAs(f, 'AI-BOM', AiBomSchema)) as AiBom);
    const gapReports: GapReport[] = [];
    for (const f of list(v['gap']))
      gapReports.push((await readAs(f, 'gap report', GapReportSchema)) as GapReport);
    const baselines: ReadonlyBaseline[] = [];
    for (const f of list(v['baseline'])) baselines.push(...(await loadBaselines(f, ctx.signal)).baselines());
    const findings: Finding[] = [];
    for (const f of list(v['findings'])) findings.push(...(await readFindings(f)));
    const ledger =
      typeof v['ledger'] === 'string'
        ? ((await readAs(v['ledger'], 'enforcement ledger', EnforcementLedgerSchema)) as EnforcementLedger)
        : undefined;
    const framework = v['framework'];
    if (framework !== undefined) {
      const fw = ComplianceFrameworkSchema.safeParse(framework);
      if (!fw.success)
        throw new VigilError(
          'USAGE',
          `unknown framework '${String(framework)}' (one of ${ComplianceFrameworkSchema.options.join(', ')})`,
        );
      const observed: ObservedUseDocument[] = [];
      for (const c of list(v['capture']))
        observed.push((await readScanCaptures([c], { signal: ctx.signal })).observed);
      const report = buildComplianceEvidence({
        framework: fw.data,
        findings,
        baselines,
        observed,
        ...(ledger ? { ledger } : {}),
      });
      await ctx.emit(renderReport('compliance', ctx.format, report));
      return 0;
    }
    if (list(v['capture']).length > 0) throw new VigilError('USAGE', '--capture needs --framework');
    if (ctx.format === 'markdown') throw new VigilError('USAGE', '--format markdown needs --framework');
    const inputs = aiBoms.length + gapReports.length + baselines.length + findings.length + (ledger ? 1 : 0);
    if (inputs === 0)
      throw new VigilError(
        'USAGE',
        'posture needs at least one input: --aibom, --gap, --baseline, --ledger or --findings',
      );
    const report = assessMaturity({
      aiBoms,
      gapReports,
      baselines,
      findings,
      ...(ledger ? { ledger } : {}),
      scanned: v['scanned'] === true,
      responseFor: list(v['response-for']),
    });
    await ctx.emit(renderReport('maturity', ctx.format, report));
    return 0;
  },
};
