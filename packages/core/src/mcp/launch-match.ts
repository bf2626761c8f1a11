import { basename } from 'node:path';
import { normalizePythonName } from '../catalogue/catalogue.js';
import { packagesInCommandLine, type RuntimePackage } from '../catalogue/package-paths.js';
import { INTERPRETERS, isShell } from '../vocabulary/programs.js';

/** How a declared MCP server is started: the `command` and `args` of its client configuration entry. */
export interface McpLaunch {
  readonly command?: string | undefined;
  readonly args?: readonly string[] | undefined;
}

/** What was seen of a running MCP server: the command line of the process that served it, and its name. */
export interface McpServerSighting {
  /** The name the server gave itself in its `initialize` answer (`serverInfo.name`). */
  readonly name: string;
  /** The command line of the server process (from its `process.exec`), when the capture saw it start. */
  readonly argv?: readonly string[] | undefined;
}

// A script argument: a path, or a file name with a script extension (not an option, not a package spec).
const SCRIPT = /\.(?:[cm]?js|ts|mts|cts|py|sh|rb|pl)$/;
const isScript = (a: string) =>
  !a.startsWith('-') && (SCRIPT.test(a) || (a.includes('/') && !a.startsWith('@')));
const packageKey = (p: RuntimePackage) =>
  `${p.ecosystem}:${p.ecosystem === 'pypi' ? normalizePythonName(p.name) : p.name}`;
const clean = (p: string) => p.replace(/^file:\/\//, '').replace(/^(?:\.\/)+/, '');

/**
 * True when a server process's command line is what a declared launch starts.
 * The launch is identified by the packages it runs (`npx -y
 * @modelcontextprotocol/server-filesystem` runs as `node
 * …/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js`), else
 * by the script files it names (a declared `src/server.ts` matches an observed
 * `/srv/app/src/server.ts`), else by its program when that is not a shell or
 * an interpreter (`mcp-server-git` matches `/usr/local/bin/mcp-server-git`).
 *
 * @example
 * ```ts
 * import { mcpLaunchMatches } from '@vigil/core';
 *
 * mcpLaunchMatches(
 *   { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'] },
 *   ['node', '/app/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js', '/data'],
 * ); // true
 * ```
 */
export function mcpLaunchMatches(launch: McpLaunch, argv: readonly string[]): boolean {
  if (!launch.command || argv.length === 0) return false;
  const declared = [launch.command, ...(launch.args ?? [])];
  const wanted = packagesInCommandLine(declared);
  if (wanted.length > 0) {
    const seen = new Set(packagesInCommandLine(argv).map(packageKey));
    return wanted.some((w) => seen.has(packageKey(w)));
  }
  const scripts = (launch.args ?? []).filter(isScript).map(clean);
  const observed = argv.map(clean);
  if (scripts.length > 0) {
    // The first script named is the server; later path arguments are its data (a root folder).
    const script = scripts.find((s) => SCRIPT.test(s)) ?? scripts[0]!;
    return observed.some((a) => a === script || a.endsWith(`/${script}`));
  }
  const program = basename(launch.command);
  if (isShell(program) || INTERPRETERS.test(program)) return false;
  return observed.slice(0, 2).some((a) => basename(a) === program);
}

/**
 * The declared server a sighting is: the one named like the server's own
 * `initialize` name, else the one whose launch matches the server process's
 * command line ({@link mcpLaunchMatches}); undefined when none, or when the
 * command line matches several declared servers alike.
 *
 * @example
 * ```ts
 * import { declaredMcpServerFor } from '@vigil/core';
 *
 * declaredMcpServerFor(
 *   { name: 'secure-filesystem-server', argv: ['node', '/app/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'] },
 *   [{ name: 'filesystem', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'] }],
 * ); // 'filesystem'
 * ```
 */
export function declaredMcpServerFor(
  sighting: McpServerSighting,
  declared: readonly ({ readonly name: string } & McpLaunch)[],
): string | undefined {
  if (declared.some((d) => d.name === sighting.name)) return sighting.name;
  if (!sighting.argv) return undefined;
  const hits = declared.filter((d) => mcpLaunchMatches(d, sighting.argv!));
  return hits.length === 1 ? hits[0]!.name : undefined;
}
