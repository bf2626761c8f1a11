import {
  type AiBom,
  aiBomFindings,
  buildAiBom,
  describeCaptureIntegrity,
  SignatureCatalogue,
  VigilError,
} from '@vigil/core';
import { buildFindingsReport, renderCycloneDx, renderHtml, toSarif } from '@vigil/reporters';
import { STRICT_HELP, STRICT_OPTION } from '../captures.js';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn } from '../fail-on.js';
import { VERSION } from '../version.js';

function strings(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

function fmtTs(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString().replace('.000Z', 'Z');
}

/** Renders an AI-BOM as text for a terminal: components by status, then the flow edges. */
export function renderAiBomText(bom: AiBom): string {
  const out: string[] = [];
  const s = bom.summary;
  out.push(
    `AI-BOM: ${s.components} components (${Object.entries(s.byStatus)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}) from ${bom.inputs.events} events`,
  );
  if (bom.inputs.integrity && !bom.inputs.integrity.complete)
    for (const line of describeCaptureIntegrity(bom.inputs.integrity)) out.push(`  INCOMPLETE: ${line}`);
  const drops = Object.entries(bom.inputs.drops).filter(([, v]) => v > 0);
  if (drops.length > 0)
    out.push(`  capture dropped events: ${drops.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const order = ['undeclared-used', 'declared-used', 'observed', 'declared-unused'];
  const label: Record<string, string> = {
    'undeclared-used': 'Used, never declared (shadow AI)',
    'declared-used': 'Declared and used',
    observed: 'Observed',
    'declared-unused': 'Declared, never used',
  };
  for (const status of order) {
    const list = bom.components.filter((c) => c.status === status);
    if (list.length === 0) continue;
    out.push('', `${label[status]}:`);
    for (const c of list) {
      const v = c.version ? `@${c.version}` : '';
      const seen = c.observed
        ? `  seen ${c.observed.count}x ${fmtTs(c.observed.firstSeen)}..${fmtTs(c.observed.lastSeen)} via ${c.observed.methods.join(',')}`
        : '';
      const decl = c.declared?.[0]
        ? `  declared in ${c.declared[0].file}${c.declared[0].line ? `:${c.declared[0].line}` : ''}`
        : '';
      out.push(`  ${c.type.padEnd(16)} ${c.name}${v}  (confidence ${c.confidence.toFixed(2)})${seen}${decl}`);
    }
  }
  if (bom.flow.edges.length > 0) {
    const label = new Map(bom.flow.nodes.map((n) => [n.id, `${n.type} ${n.label}`]));
    out.push('', 'Execution flow:');
    for (const e of bom.flow.edges.slice(0, 200)) {
      out.push(`  ${label.get(e.from) ?? e.from} -${e.relation}-> ${label.get(e.to) ?? e.to}  (${e.count}x)`);
    }
    if (bom.flow.edges.length > 200) out.push(`  … and ${bom.flow.edges.length - 200} more edges`);
  }
  out.push('');
  return out.join('\n');
}

export const aibomCommand: Command = {
  name: 'aibom',
  summary: 'Build the AI bill of materials from what ran (captures, OTel GenAI spans) and what was declared',
  usage:
    'CAPTURE… [--otel SPANS.json…] [--manifest PATH…] [--signatures FILE…] [--fail-on SEVERITY] [--strict] [--format json|cyclonedx|text|flow|html|sarif]',
  description: [
    'Discovers models, agent frameworks, MCP servers and tools, LLM APIs, inference servers, vector stores',
    'and RAG sources from captures and ingested OpenTelemetry GenAI spans, each with evidence and a confidence.',
    'Manifests (package.json, lockfiles, requirements.txt, pyproject.toml, poetry.lock, uv.lock, MCP client',
    'configs, Kubernetes YAML) mark components declared-used, declared-unused or undeclared-used (shadow AI).',
    'json is the Vigil AI-BOM document; cyclonedx is CycloneDX 1.6; flow is the execution-flow graph alone;',
    'html draws it all on one self-contained page; sarif carries the findings.',
    '--fail-on SEVERITY exits 1 when a finding is at or above it: shadow AI (high for MCP servers, medium',
    'for frameworks, inference servers and vector stores) and declared-but-unused components (low).',
  ].join('\n'),
  options: {
    otel: { type: 'string', multiple: true },
    manifest: { type: 'string', short: 'm', multiple: true },
    signatures: { type: 'string', multiple: true },
    'fail-on': { type: 'string' },
    ...STRICT_OPTION,
  },
  optionHelp: {
    strict: STRICT_HELP,
    otel: 'OTLP/JSON span file (one export, or JSON Lines) with GenAI/MCP spans from the same run',
    manifest:
      'declared input: package.json, a lockfile, requirements.txt, pyproject.toml, poetry.lock, uv.lock, an MCP client config (.json) or Kubernetes YAML',
    signatures:
      'extra signature catalogue (JSON); its signatures override the built-in ones with the same id',
    'fail-on': 'exit 1 when a finding (shadow AI, declared but unused) is at or above this severity',
  },
  formats: ['json', 'cyclonedx', 'text', 'flow', 'html', 'sarif'],
  async run(ctx) {
    const captures = [...ctx.args.positionals];
    const otel = strings(ctx.args.values['otel']);
    const manifests = strings(ctx.args.values['manifest']);
    const failOn = parseFailOn(ctx.args.values['fail-on']);
    if (captures.length + otel.length + manifests.length === 0) {
      throw new VigilError('USAGE', 'aibom needs a capture file, --otel spans or --manifest inputs');
    }
    let catalogue = SignatureCatalogue.builtin();
    for (const file of strings(ctx.args.values['signatures']))
      catalogue = catalogue.extend(await SignatureCatalogue.fromFile(file));
    const bom = await buildAiBom({
      captures,
      otel,
      manifests,
      catalogue,
      generator: { name: 'vigil', version: VERSION },
      signal: ctx.signal,
      requireTrailer: ctx.args.values['strict'] === true,
    });
    const integrity = bom.inputs.integrity;
    if (integrity) for (const line of describeCaptureIntegrity(integrity)) ctx.log(`warning: ${line}`);
    const findings = aiBomFindings(bom);
    switch (ctx.format) {
      case 'cyclonedx':
        await ctx.emit(renderCycloneDx(bom));
        break;
      case 'text':
        await ctx.emit(renderAiBomText(bom));
        break;
      case 'flow':
        await ctx.emit(`${JSON.stringify(bom.flow, null, 2)}\n`);
        break;
      case 'sarif':
        await ctx.emit(
          `${JSON.stringify(toSarif(findings, { toolVersion: VERSION, ...(integrity ? { integrity } : {}) }), null, 2)}\n`,
        );
        break;
      case 'html': {
        const inputs = [...captures, ...otel, ...manifests];
        const s = bom.summary.byStatus;
        await ctx.emit(
          renderHtml({
            title: 'Vigil AI-BOM',
            aibom: bom,
            findings: buildFindingsReport(findings, {
              inputs,
              toolVersion: VERSION,
              ...(integrity ? { integrity } : {}),
            }),
            // The page already counts components and shadow AI; add what it does not.
            highlights: [
              { label: 'declared, never used', value: s['declared-unused'] ?? 0 },
              { label: 'events read', value: bom.inputs.events },
            ],
          }),
        );
        break;
      }
      default:
        await ctx.emit(`${JSON.stringify(bom, null, 2)}\n`);
    }
    const shadow = findings.filter((f) => f.ruleId === 'vigil.aibom.shadow-ai').length;
    if (shadow > 0)
      ctx.log(`aibom: ${shadow} shadow-AI finding${shadow === 1 ? '' : 's'} (used, never declared)`);
    return exitCodeFor(findings, failOn);
  },
};
