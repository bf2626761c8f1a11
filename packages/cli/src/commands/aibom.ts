import {
  aiBomFindings,
  aiBomPayloadHintFacts,
  buildAiBom,
  describeCaptureIntegrity,
  describePayloadHint,
  SignatureCatalogue,
  VigilError,
} from '@vigil/core';
import { renderReport, reportFormats } from '@vigil/reporters';
import { STRICT_HELP, STRICT_OPTION } from '../captures.js';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn, SEVERITY_CHOICES } from '../fail-on.js';
import { VERSION } from '../version.js';

function strings(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export const aibomCommand: Command = {
  name: 'aibom',
  summary: 'Build the AI bill of materials from what ran (captures, OTel GenAI spans) and what was declared',
  usage: `CAPTURE… [--otel SPANS.json…] [--manifest PATH…] [--signatures FILE…] [--fail-on SEVERITY] [--strict] [--format ${reportFormats('aibom').join('|')}]`,
  description: [
    'Discovers models, agent frameworks, MCP servers and tools, LLM APIs, inference servers, vector stores',
    'and RAG sources from captures and ingested OpenTelemetry GenAI spans, each with evidence and a confidence.',
    'Manifests (package.json, lockfiles, requirements.txt, pyproject.toml, poetry.lock, uv.lock, MCP client',
    'configs, Kubernetes YAML) mark components declared-used, declared-unused or undeclared-used (shadow AI).',
    'text (the default) lists shadow AI first, then the components by type with their evidence, and the',
    'execution flow summarised per agent; json is the Vigil AI-BOM document (for jq, posture --aibom and',
    'other programs); cyclonedx is CycloneDX 1.6; flow is the execution-flow graph alone; html draws it all',
    'on one self-contained page; sarif carries the findings.',
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
    'fail-on': `exit 1 when a finding (shadow AI, declared but unused) is at or above this severity (${SEVERITY_CHOICES})`,
  },
  formats: reportFormats('aibom'),
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
    // The text report ends with the hint itself; other formats are for programs, so say it on stderr.
    const hint = ctx.format === 'text' ? undefined : describePayloadHint(aiBomPayloadHintFacts(bom));
    if (integrity) for (const line of describeCaptureIntegrity(integrity)) ctx.log(`warning: ${line}`);
    const findings = aiBomFindings(bom);
    await ctx.emit(
      renderReport('aibom', ctx.format, bom, {
        toolVersion: VERSION,
        inputs: [...captures, ...otel, ...manifests],
      }),
    );
    if (hint) ctx.log(hint);
    const shadow = findings.filter((f) => f.ruleId === 'vigil.aibom.shadow-ai').length;
    if (shadow > 0)
      ctx.log(`aibom: ${shadow} shadow-AI finding${shadow === 1 ? '' : 's'} (used, never declared)`);
    return exitCodeFor(findings, failOn);
  },
};
