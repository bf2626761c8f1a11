import { join } from 'node:path';
import {
  countOf,
  prepareArtifactFolder,
  renderLeastPrivilegeArtifact,
  renderMaturityText,
  VigilError,
  writeOutput,
} from '@vigil/core';
import { FleetView } from '@vigil/fleet';
import {
  buildFindingsReport,
  renderCycloneDx,
  renderHtml,
  renderMarkdown,
  renderMaturityHtml,
  renderReport,
  reportFormats,
  toOcsf,
  toSarif,
} from '@vigil/reporters';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn, SEVERITY_CHOICES } from '../fail-on.js';
import { VERSION } from '../version.js';
import { parseBindings } from './gap.js';

/** The `--nats` URLs, required. */
export function natsServers(v: unknown): string[] {
  const list = (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
    (x): x is string => typeof x === 'string',
  );
  if (list.length === 0)
    throw new VigilError('USAGE', 'give the NATS servers with --nats URL (repeat for a cluster)');
  return list;
}

/** A whole number from 1 to `max`. */
export function parseCount(v: unknown, name: string, max: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new VigilError('USAGE', `${name} takes a whole number from 1 to ${max}, not '${String(v)}'`);
  return n;
}

/** `0,2,4` or `0-7,12`: partitions below `partitions`. */
export function parsePartitionList(v: string, partitions: number): number[] {
  const out = new Set<number>();
  for (const part of v.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    const lo = m ? Number(m[1]) : Number.NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || lo > hi || hi >= partitions)
      throw new VigilError(
        'USAGE',
        `--own takes partitions from 0 to ${partitions - 1} like 0,2,4 or 0-7, not '${part}'`,
      );
    for (let p = lo; p <= hi; p++) out.add(p);
  }
  return [...out].sort((a, b) => a - b);
}

const FORMATS: Readonly<Record<string, readonly string[]>> = {
  findings: ['json', 'sarif', 'ocsf', 'markdown', 'html'],
  incidents: ['json'],
  baselines: ['json'],
  aibom: ['json', 'cyclonedx', 'html'],
  observed: ['json'],
  gap: reportFormats('gap'),
  posture: ['json', 'text', 'html'],
};

export const fleetCommand: Command = {
  name: 'fleet',
  summary:
    'The fleet’s findings, incidents, baselines, AI-BOM and posture, as a vigil hub keeps them in NATS JetStream',
  usage:
    'findings|incidents|baselines|aibom|observed|gap|posture --nats URL… [gap: --declared PATH… [--bind CAPTURED=SUBJECT…] [--emit-policy DIR] [--min-rank N] [--fail-on SEVERITY]]',
  description: [
    'Reads the key-value buckets a `vigil hub` keeps and prints them with the same reporters as the other commands:',
    '  findings   fleet findings, each once with every node that saw it (json, sarif, ocsf, markdown, html)',
    '  incidents  fleet incidents (json)',
    '  baselines  the merged baseline of every workload and version (json: a baseline set `vigil check` reads)',
    '  aibom      the fleet’s AI-BOM, every node’s latest merged (json, cyclonedx, html)',
    '  observed   the fleet’s observed use, for `vigil gap` against declared grants (json)',
    '  gap        `vigil gap` over the fleet: --declared permissions against what every workload was observed',
    `             to use on every node, ranked, with --emit-policy least-privilege artifacts (${reportFormats('gap').join(', ')})`,
    '  posture    nodes, workloads, findings, baselines and the maturity level (json, text, html)',
  ].join('\n'),
  options: {
    nats: { type: 'string', multiple: true },
    declared: { type: 'string', short: 'd', multiple: true },
    bind: { type: 'string', multiple: true },
    'emit-policy': { type: 'string' },
    'min-rank': { type: 'string' },
    'fail-on': { type: 'string' },
  },
  optionHelp: {
    nats: 'a NATS server URL (repeat for a cluster)',
    out: 'where to write the result',
    declared: 'gap: declared permissions (Kubernetes manifests, IAM policies, MCP configs)',
    bind: 'gap: a captured workload id (or *) = the declared subject it runs as',
    'emit-policy': 'gap: write least-privilege artifacts per workload into this folder',
    'min-rank': 'gap: lowest rank (0–100) of an unused grant that becomes a finding (default 30)',
    'fail-on': `gap: exit 1 when a gap finding is at or above this severity (${SEVERITY_CHOICES})`,
  },
  maxPositionals: 1,
  formats: [
    ...new Set(['json', 'sarif', 'ocsf', 'markdown', 'html', 'cyclonedx', 'text', ...reportFormats('gap')]),
  ],
  async run(ctx) {
    const what = ctx.args.positionals[0];
    if (what === undefined || FORMATS[what] === undefined)
      throw new VigilError(
        'USAGE',
        `fleet needs one of ${Object.keys(FORMATS).join(', ')}${what ? ` (got '${what}')` : ''}`,
      );
    if (!FORMATS[what]!.includes(ctx.format))
      throw new VigilError('USAGE', `fleet ${what} writes ${FORMATS[what]!.join(', ')}, not ${ctx.format}`);
    const servers = natsServers(ctx.args.values['nats']);
    const declared = ctx.args.values['declared'] as string[] | undefined;
    if (what === 'gap' && (declared ?? []).length === 0)
      throw new VigilError('USAGE', 'fleet gap needs --declared PATH (manifests, IAM policies, MCP configs)');
    if (what !== 'gap')
      for (const flag of ['declared', 'bind', 'emit-policy', 'min-rank', 'fail-on'])
        if (ctx.args.values[flag] !== undefined)
          throw new VigilError('USAGE', `--${flag} is for fleet gap, not fleet ${what}`);
    const failOn = parseFailOn(ctx.args.values['fail-on']);
    const minRankText = ctx.args.values['min-rank'];
    const minRank = minRankText === undefined ? 30 : Number(minRankText);
    if (!Number.isFinite(minRank) || minRank < 0 || minRank > 100)
      throw new VigilError('USAGE', `--min-rank takes a number from 0 to 100 (got '${String(minRankText)}')`);
    const dir = ctx.args.values['emit-policy'];
    if (typeof dir === 'string') await prepareArtifactFolder(dir);
    const bindings = parseBindings(ctx.args.values['bind']);
    const view = await FleetView.open({ servers });
    let code = 0;
    const json = (v: unknown) => ctx.emit(`${JSON.stringify(v, null, 2)}\n`);
    try {
      switch (what) {
        case 'findings': {
          const findings = await view.findingList();
          const report = () => buildFindingsReport(findings, { inputs: servers, toolVersion: VERSION });
          if (ctx.format === 'sarif') await json(toSarif(findings, { toolVersion: VERSION }));
          else if (ctx.format === 'ocsf')
            await ctx.emit(
              toOcsf(findings, { toolVersion: VERSION })
                .map((e) => `${JSON.stringify(e)}\n`)
                .join(''),
            );
          else if (ctx.format === 'markdown') await ctx.emit(renderMarkdown(report()));
          else if (ctx.format === 'html')
            await ctx.emit(renderHtml({ title: 'Vigil fleet findings', findings: report() }));
          else await json({ findings: await view.findings() });
          break;
        }
        case 'incidents':
          await json({ incidents: await view.incidents() });
          break;
        case 'baselines':
          await json((await view.baselines()).toDocument());
          break;
        case 'aibom': {
          const bom = await view.aiBom();
          if (ctx.format === 'cyclonedx') await ctx.emit(renderCycloneDx(bom));
          else if (ctx.format === 'html')
            await ctx.emit(renderHtml({ title: 'Vigil fleet AI-BOM', aibom: bom }));
          else await json(bom);
          break;
        }
        case 'observed':
          await json(await view.observedUse());
          break;
        case 'gap': {
          const gap = await view.gap({
            declared: declared!,
            bindings,
            minRank,
            leastPrivilege: typeof dir === 'string',
            signal: ctx.signal,
          });
          for (const w of gap.warnings.slice(0, 20))
            ctx.log(`warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`);
          if (typeof dir === 'string' && gap.leastPrivilege)
            for (const a of gap.leastPrivilege.artifacts) {
              if (a.issues.length > 0) {
                ctx.log(
                  `not written: ${a.fileName}: ${a.issues
                    .slice(0, 3)
                    .map((i) => `${i.path.join('.')}: ${i.message}`)
                    .join('; ')}`,
                );
                continue;
              }
              await writeOutput(join(dir, a.fileName), renderLeastPrivilegeArtifact(a), {
                signal: ctx.signal,
              });
            }
          await ctx.emit(renderReport('gap', ctx.format, gap));
          code = exitCodeFor(gap.ranking.findings, failOn);
          break;
        }
        default: {
          const posture = await view.posture();
          if (ctx.format === 'html') await ctx.emit(renderMaturityHtml(posture.maturity));
          else if (ctx.format === 'text') {
            const sev = (r: Readonly<Record<string, number>>) =>
              Object.entries(r)
                .map(([k, n]) => `${n} ${k}`)
                .join(', ') || 'none';
            await ctx.emit(
              [
                `fleet: ${countOf(posture.nodes, 'node')}, ${countOf(posture.workloads, 'workload')}, ${countOf(posture.events, 'event')}`,
                `findings: ${posture.findings.total} (${sev(posture.findings.bySeverity)})`,
                `incidents: ${posture.incidents.total} (${sev(posture.incidents.bySeverity)})`,
                `baselines: ${posture.baselines.total} (${posture.baselines.stable} stable, ${posture.baselines.learning} learning)`,
                `AI components: ${posture.aiComponents}`,
                '',
                renderMaturityText(posture.maturity),
              ].join('\n'),
            );
          } else await json(posture);
        }
      }
    } finally {
      await view.close();
    }
    return code;
  },
};
