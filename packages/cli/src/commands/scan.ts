import { VigilError, writeOutput } from '@vigil/core';
import { describeScanConnection, describeScanError, renderReport, reportFormats } from '@vigil/reporters';
import { builtinScanners, createMcpScanner, readMcpPins, readScanCaptures, scanPaths } from '@vigil/rules';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn, SEVERITY_CHOICES } from '../fail-on.js';
import { VERSION } from '../version.js';

function strings(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export const scanCommand: Command = {
  name: 'scan',
  summary:
    'Scan MCP configurations, agent rules and skills, model files, inference server configurations and lockfiles for supply-chain risks',
  usage: `[PATH…] [--fail-on SEVERITY] [--pins FILE [--repin]] [--connect] [--capture CAPTURE…] [--progress] [--format ${reportFormats('scan').join('|')}]`,
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
    'configurations declare (clean environment, no network, a time limit) to list their definitions, and',
    'says per server that it connected, the name and version it gave and how many tools, prompts and',
    'resources it listed, or why it could not be listed (JSON: `connections`; on stderr for other formats).',
    'A server that could not be started or listed is a medium finding (vigil.scan.mcp-server-not-listed)',
    'carrying the error: its definitions went unscanned, so --fail-on medium or lower exits 1.',
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
    'fail-on': `exit 1 when a finding is at or above this severity (${SEVERITY_CHOICES})`,
    pins: 'an MCP pin file: read it, report changed servers, add new ones (created when missing)',
    repin: 'with --pins: replace the pins of changed servers with their current definitions',
    connect:
      'start the stdio MCP servers the configurations declare and list their definitions; one that cannot be listed is a medium finding',
    capture: 'a capture: weigh findings by what was used at run time; find live rug pulls',
    progress: 'print progress on stderr (default when stderr is a terminal)',
  },
  formats: reportFormats('scan'),
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
    for (const e of result.errors) ctx.log(`warning: ${describeScanError(e)}`);
    // The text report lists the servers it started; other formats carry them as data (JSON
    // `connections`) or not at all, so say on stderr which answered.
    if (ctx.format !== 'text')
      for (const c of result.connections ?? []) ctx.log(`vigil scan: ${describeScanConnection(c)}`);
    if (typeof pinsPath === 'string') await writeOutput(pinsPath, `${JSON.stringify(mcp.pins(), null, 2)}\n`);
    await ctx.emit(renderReport('scan', ctx.format, result, { toolVersion: VERSION, inputs: paths }));
    return exitCodeFor(result.findings, failOn);
  },
};
