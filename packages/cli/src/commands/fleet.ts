import { renderMaturityText, VigilError } from '@vigil/core';
import { FleetView } from '@vigil/fleet';
import {
  buildFindingsReport,
  renderCycloneDx,
  renderHtml,
  renderMarkdown,
  renderMaturityHtml,
  toOcsf,
  toSarif,
} from '@vigil/reporters';
import type { Command } from '../command.js';
import { VERSION } from '../version.js';

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
  posture: ['json', 'text', 'html'],
};

export const fleetCommand: Command = {
  name: 'fleet',
  summary:
    'The fleet’s findings, incidents, baselines, AI-BOM and posture, as a vigil hub keeps them in NATS JetStream',
  usage: 'findings|incidents|baselines|aibom|observed|posture --nats URL…',
  description: [
    'Reads the key-value buckets a `vigil hub` keeps and prints them with the same reporters as the other commands:',
    '  findings   fleet findings, each once with every node that saw it (json, sarif, ocsf, markdown, html)',
    '  incidents  fleet incidents (json)',
    '  baselines  the merged baseline of every workload and version (json: a baseline set `vigil check` reads)',
    '  aibom      the fleet’s AI-BOM, every node’s latest merged (json, cyclonedx, html)',
    '  observed   the fleet’s observed use, for `vigil gap` against declared grants (json)',
    '  posture    nodes, workloads, findings, baselines and the maturity level (json, text, html)',
  ].join('\n'),
  options: { nats: { type: 'string', multiple: true } },
  optionHelp: { nats: 'a NATS server URL (repeat for a cluster)', out: 'where to write the result' },
  maxPositionals: 1,
  formats: ['json', 'sarif', 'ocsf', 'markdown', 'html', 'cyclonedx', 'text'],
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
    const view = await FleetView.open({ servers });
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
                `fleet: ${posture.nodes} nodes, ${posture.workloads} workloads, ${posture.events} events`,
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
    return 0;
  },
};
