import { SEVERITIES, VigilError, writeOutput } from '@vigil/core';
import { buildFindingsReport, renderHtml, renderMarkdown, toSarif } from '@vigil/reporters';
import {
  builtinScanners,
  createMcpScanner,
  readMcpPins,
  readScanCaptures,
  type ScanResult,
  scanPaths,
} from '@vigil/rules';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn } from '../fail-on.js';
import { VERSION } from '../version.js';

function strings(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** Renders a scan result for a terminal. */
export function renderScanText(result: ScanResult): string {
  const out: string[] = [];
  const a = result.artifacts;
  out.push(
    `${a.scanned} artifact(s) scanned (${a.bytes} bytes), ${a.skipped} not for any scanner${a.notFollowed > 0 ? `, ${a.notFollowed} not followed` : ''}`,
  );
  for (const f of result.findings) {
    const at = f.evidence[0];
    const where = at?.uri
      ? `${at.uri}${at.line !== undefined ? `:${at.line}` : ''}${at.jsonPointer !== undefined ? ` ${at.jsonPointer}` : ''}`
      : '';
    out.push('');
    out.push(`${f.severity.toUpperCase().padEnd(8)} ${f.title}  [${f.ruleId}]  risk ${f.risk.score}`);
    out.push(`  ${f.summary}`);
    if (where) out.push(`  at ${where}`);
    const runtime = f.risk.reasons[1];
    if (result.runtime.observed && runtime) out.push(`  runtime: ${runtime}`);
    for (const e of f.evidence.slice(1, 4))
      if (e.type === 'note') out.push(...e.description.split('\n').map((l) => `  ${l}`));
  }
  for (const e of result.errors) out.push('', `ERROR    ${e.file}: ${e.message}`);
  const counts = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, result.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  out.push('');
  out.push(
    result.findings.length === 0
      ? 'no findings'
      : `${result.findings.length} finding(s): ${counts.join(', ')}${
          result.runtime.observed
            ? ` (${result.runtime.confirmed} seen in use at run time, ${result.runtime.demoted} demoted: never used in ${result.runtime.events} events)`
            : ''
        }`,
  );
  const before = result.runtime.severityBefore;
  const after = result.runtime.severityAfter;
  if (result.runtime.observed && before && after && SEVERITIES.some((s) => before[s] !== after[s])) {
    const line = (c: Record<string, number>) =>
      SEVERITIES.slice()
        .reverse()
        .map((s) => `${c[s]} ${s}`)
        .join(', ');
    out.push(`before runtime weighing: ${line(before)}`);
    out.push(`after runtime weighing:  ${line(after)}`);
  }
  out.push('');
  return out.join('\n');
}

export const scanCommand: Command = {
  name: 'scan',
  summary:
    'Scan MCP configurations, agent rules and skills, model files, inference server configurations and lockfiles for supply-chain risks',
  usage:
    '[PATH…] [--fail-on SEVERITY] [--pins FILE [--repin]] [--connect] [--capture CAPTURE…] [--progress] [--format text|json|sarif|markdown|html]',
  description: [
    'Walks files and folders (node_modules and .git are skipped unless named) and hands each file to the',
    'artifact scanners that accept it: MCP client configurations (Claude Desktop, Claude Code, Cursor,',
    'VS Code, Windsurf, Gemini CLI) and saved tools/list results (hidden instructions, invisible Unicode,',
    'look-alike tool names, shadowing, credential parameters, toxic flows, rug pulls), agent rules and',
    'instruction files and skills (hidden instructions, invisible Unicode, scripts that fetch and run code),',
    'model files, inference server configurations (vLLM, TGI, Ollama, llama.cpp, Triton, LocalAI in Kubernetes',
    'manifests, Compose files and systemd units: remote code trusted, all interfaces without an API key, admin',
    'endpoints, unpinned models) and lockfiles (npm, pnpm, yarn, requirements, poetry, uv) against the shipped',
    'OSV advisories.',
    'Nothing scanned is executed, except with --connect, which starts the stdio MCP servers the',
    'configurations declare (clean environment, no network, a time limit) to list their definitions.',
    '--pins FILE compares each server with its pinned definitions (a changed server is a rug-pull finding',
    'with a diff) and adds new servers to the file; --repin also replaces changed pins after review.',
    '--capture weighs findings by what ran: a tool never called or a file never opened is demoted; a',
    'server whose tools changed within a captured session is a rug pull; an inference server started in the',
    'capture is assessed from its argv; a vulnerable package never loaded is demoted one severity step.',
    'With --capture, PATH may be left out.',
    'A file a scanner cannot read is reported and the scan goes on.',
  ].join('\n'),
  options: {
    'fail-on': { type: 'string' },
    pins: { type: 'string' },
    repin: { type: 'boolean' },
    connect: { type: 'boolean' },
    capture: { type: 'string', multiple: true },
    progress: { type: 'boolean' },
  },
  optionHelp: {
    'fail-on': 'exit 1 when a finding is at or above this severity',
    pins: 'an MCP pin file: read it, report changed servers, add new ones (created when missing)',
    repin: 'with --pins: replace the pins of changed servers with their current definitions',
    connect: 'start the stdio MCP servers the configurations declare and list their definitions',
    capture: 'a capture: weigh findings by what was used at run time; find live rug pulls',
    progress: 'print progress on stderr (default when stderr is a terminal)',
  },
  formats: ['text', 'json', 'sarif', 'markdown', 'html'],
  async run(ctx) {
    const paths = ctx.args.positionals;
    const captures = strings(ctx.args.values['capture']);
    if (paths.length === 0 && captures.length === 0)
      throw new VigilError('USAGE', 'scan needs at least one file or folder (or a --capture)');
    const failOn = parseFailOn(ctx.args.values['fail-on']);
    const pinsPath = ctx.args.values['pins'];
    if (ctx.args.values['repin'] === true && typeof pinsPath !== 'string')
      throw new VigilError('USAGE', '--repin needs --pins FILE');
    const fromCaptures =
      captures.length > 0 ? await readScanCaptures(captures, { signal: ctx.signal }) : undefined;
    const mcp = createMcpScanner({
      ...(typeof pinsPath === 'string' ? { pins: await readMcpPins(pinsPath) } : {}),
      repin: ctx.args.values['repin'] === true,
      connect: ctx.args.values['connect'] === true,
      ...(fromCaptures ? { captureToolLists: fromCaptures.toolLists } : {}),
    });
    const showProgress = ctx.args.values['progress'] === true || process.stderr.isTTY === true;
    let last = 0;
    const result = await scanPaths(paths, {
      scanners: builtinScanners({ mcp, ...(fromCaptures ? { captures: fromCaptures } : {}) }),
      signal: ctx.signal,
      ...(fromCaptures ? { observed: fromCaptures.observed } : {}),
      ...(showProgress
        ? {
            onProgress: (p) => {
              const now = Date.now();
              if (now - last < 250) return;
              last = now;
              ctx.log(`scan: ${p.scanned}/${p.files} files, ${p.findings} findings: ${p.current}`);
            },
          }
        : {}),
    });
    if (ctx.signal.aborted) throw new VigilError('ABORTED', 'interrupted; nothing written');
    for (const e of result.errors) ctx.log(`warning: ${e.file}: ${e.message}`);
    if (typeof pinsPath === 'string') await writeOutput(pinsPath, `${JSON.stringify(mcp.pins(), null, 2)}\n`);
    const findings = result.findings;
    if (ctx.format === 'sarif') {
      await ctx.emit(`${JSON.stringify(toSarif(findings, { toolVersion: VERSION }), null, 2)}\n`);
    } else if (ctx.format === 'markdown') {
      await ctx.emit(renderMarkdown(buildFindingsReport(findings, { inputs: paths, toolVersion: VERSION })));
    } else if (ctx.format === 'html') {
      await ctx.emit(
        renderHtml({
          title: 'Vigil scan',
          findings: buildFindingsReport(findings, { inputs: paths, toolVersion: VERSION }),
          highlights: [
            { label: 'artifacts scanned', value: result.artifacts.scanned },
            ...(result.runtime.observed
              ? [{ label: 'demoted by runtime', value: result.runtime.demoted }]
              : []),
          ],
        }),
      );
    } else if (ctx.format === 'json') {
      await ctx.emit(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      await ctx.emit(renderScanText(result));
    }
    return exitCodeFor(findings, failOn);
  },
};
