import { countOf, SEVERITIES } from '@vigil/core';
import type { ScanResult } from '@vigil/rules';

/**
 * One line for a file the scan could not finish: the file, then what went wrong, naming the file
 * once (most messages already start with it and the place in it).
 *
 * @example
 * ```ts
 * import { describeScanError } from '@vigil/reporters';
 * import { scanPaths } from '@vigil/rules';
 *
 * for (const e of (await scanPaths(['mcp.json'])).errors) console.error(describeScanError(e));
 * ```
 */
export function describeScanError(error: ScanResult['errors'][number]): string {
  return error.message.startsWith(error.file) ? error.message : `${error.file}: ${error.message}`;
}

/**
 * One line for an MCP server a scan started (`--connect`): the server and its configuration, then
 * the name and version it gave and what it listed, or why it could not be listed.
 *
 * @example
 * ```ts
 * import { describeScanConnection } from '@vigil/reporters';
 *
 * for (const c of result.connections ?? []) console.log(describeScanConnection(c));
 * ```
 */
export function describeScanConnection(c: NonNullable<ScanResult['connections']>[number]): string {
  const who = `MCP server ${c.server} (${c.configUri})`;
  if (!c.connected) return `${who}: not listed: ${c.error?.message ?? 'no answer'}`;
  const named = c.serverName ? ` as ${c.serverName}${c.serverVersion ? ` ${c.serverVersion}` : ''}` : '';
  return `${who}: connected${named}; listed ${countOf(c.tools, 'tool')}, ${countOf(c.prompts, 'prompt')}, ${countOf(c.resources, 'resource')}`;
}

/**
 * Renders a scan result for a terminal: the MCP servers it started and what each listed, each finding with where it is and, with runtime evidence,
 * what was seen at run time; then the counts by severity before and after runtime weighing.
 *
 * @example
 * ```ts
 * import { renderScanText } from '@vigil/reporters';
 * import { scanPaths } from '@vigil/rules';
 *
 * process.stdout.write(renderScanText(await scanPaths(['.mcp.json'])));
 * ```
 */
export function renderScanText(result: ScanResult): string {
  const out: string[] = [];
  const a = result.artifacts;
  out.push(
    `${countOf(a.scanned, 'artifact')} scanned (${countOf(a.bytes, 'byte')}), ${a.skipped} not for any scanner${a.notFollowed > 0 ? `, ${a.notFollowed} not followed` : ''}`,
  );
  for (const c of result.connections ?? []) out.push(describeScanConnection(c));
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
  for (const e of result.errors) out.push('', `ERROR    ${describeScanError(e)}`);
  const counts = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, result.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  out.push('');
  out.push(
    result.findings.length === 0
      ? 'no findings'
      : `${countOf(result.findings.length, 'finding')}: ${counts.join(', ')}${
          result.runtime.observed
            ? ` (${result.runtime.confirmed} seen in use at run time, ${result.runtime.demoted} demoted: never used in ${countOf(result.runtime.events, 'event')})`
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
