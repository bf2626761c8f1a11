import {
  countOf,
  isMcpClientConfig,
  isVigilError,
  type McpConfiguredServer,
  mcpConfiguredServers,
  type ToolDefinition,
} from '@vigil/core';
import { readJsonArtifact } from '../json-artifact.js';
import type { ScanConnection } from '../result.js';
import type { ArtifactRef, ArtifactScanner, ScanContext } from '../scanner.js';
import { isMcpDefinitionDocument, type McpServerDefinitions, readMcpDefinitions } from './definitions.js';
import { detectCrossServerIssues, detectDefinitionIssues, pointerOf } from './detectors.js';
import { diffPins, emptyPins, type McpPinDocument, pinServer, renderPinDiff } from './pins.js';
import { MCP_RUG_PULL, MCP_SCANNER_RULES, MCP_SERVER_NOT_LISTED, MCP_TOXIC_FLOW } from './rules.js';
import { listStdioServer, type StdioListOptions } from './stdio-client.js';
import { classifyTool, type ToolClass } from './tool-classes.js';

/** A `tool.list` event of a capture, with the capture it came from. */
export interface CapturedToolList {
  readonly server: string;
  readonly tools: readonly ToolDefinition[];
  /** Nanoseconds since the epoch. */
  readonly ts: number;
  /** Workload id of the client that listed the tools. */
  readonly workload: string;
  /** The capture file. */
  readonly uri: string;
}

/** Options for {@link createMcpScanner}. */
export interface McpScannerOptions {
  /** Pins of an earlier scan; servers whose definitions differ are rug-pull findings. */
  readonly pins?: McpPinDocument;
  /** Replace the pins of changed servers with their current definitions (after review). Default false: they keep their old pin. */
  readonly repin?: boolean;
  /** Start the stdio servers configurations declare and list their definitions (opt-in: it runs them). */
  readonly connect?: boolean | Pick<StdioListOptions, 'timeoutMs' | 'network' | 'maxBytes'>;
  /** `tool.list` events of captures: definitions, and rug pulls within a session. */
  readonly captureToolLists?: readonly CapturedToolList[];
  /** Definitions obtained some other way (an SDK caller's own listing). */
  readonly definitions?: readonly McpServerDefinitions[];
  /** The clock pins are stamped with. */
  readonly now?: () => Date;
}

/** The MCP scanner, with the pins and definitions of its last scan. */
export interface McpScanner extends ArtifactScanner {
  /** The pins after the scan: earlier pins, new servers added, changed ones kept unless `repin`. */
  pins(): McpPinDocument;
  /** Every server definition the scan read (files, captures, live listings). */
  definitions(): readonly McpServerDefinitions[];
  /** Every server the last scan started (`connect`) and what it answered, or why it could not be listed. */
  connections(): readonly ScanConnection[];
}

// Names that only MCP documents have; a `settings.json` (VS Code, Gemini CLI) only when it mentions MCP.
const CONFIG_NAMES =
  /(?:^|[\\/])(?:\.?mcp\.json|claude_desktop_config\.json|\.claude\.json|mcp_config\.json|[\w.-]*\.tools\.json)$/i;
const MCP_KEYS = /"(?:mcpServers|servers|mcp|tools|prompts|resources)"\s*:/;

/**
 * The definitions a captured `tool.list` shows (tools only; a capture records no prompts or resources),
 * in the shape pins are made from: what the scanner and the runtime rug-pull rule both pin.
 */
export function capturedDefinitions(list: CapturedToolList): McpServerDefinitions {
  return {
    server: list.server,
    origin: 'capture',
    uri: list.uri,
    tools: list.tools.map((t) => ({
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      ...(t.inputSchemaHash !== undefined ? { inputSchemaHash: t.inputSchemaHash } : {}),
    })),
    prompts: [],
    resources: [],
    pointers: {},
    ts: list.ts,
  };
}

/**
 * Creates the MCP scanner. It reads MCP client configurations (Claude
 * Desktop, Claude Code, Cursor, VS Code, Windsurf, Gemini CLI, through core's
 * one configuration parser) and saved `tools/list` / `prompts/list` /
 * `resources/list` results, takes definitions from captures' `tool.list`
 * events and, with `connect`, from the stdio servers configurations declare.
 * Per definition it finds hidden instructions, invisible Unicode, look-alike
 * names and credential parameters; across the servers of a scan, look-alike
 * names and shadowing; per configuration, toxic flows; against pins and
 * within captures, rug pulls.
 *
 * @example
 * ```ts
 * import { createMcpScanner, scanPaths } from '@vigil/rules';
 *
 * const mcp = createMcpScanner({ pins: await readMcpPins('pins.json') });
 * const result = await scanPaths(['.cursor/mcp.json', 'fs.tools.json'], { scanners: [mcp] });
 * await writeFile('pins.json', JSON.stringify(mcp.pins(), null, 2));
 * ```
 */
export function createMcpScanner(options: McpScannerOptions = {}): McpScanner {
  const now = options.now ?? (() => new Date());
  let defsSeen: McpServerDefinitions[] = [];
  let lastRun: readonly McpServerDefinitions[] = [];
  let configs: { uri: string; servers: McpConfiguredServer[] }[] = [];
  let connections: ScanConnection[] = [];
  let lastConnections: readonly ScanConnection[] = [];
  let pins: McpPinDocument = options.pins ?? emptyPins();
  const connect = options.connect === true ? {} : options.connect === false ? undefined : options.connect;

  const addDefinitions = (defs: McpServerDefinitions, ctx: ScanContext) => {
    defsSeen.push(defs);
    for (const d of detectDefinitionIssues(defs)) ctx.report(d);
  };

  return {
    id: 'vigil.scan.mcp',
    title: 'MCP client configurations and server definitions',
    version: '1.0.0',
    rules: MCP_SCANNER_RULES,
    accepts(a: ArtifactRef): boolean {
      if (!/\.json$/i.test(a.path)) return false;
      if (CONFIG_NAMES.test(a.path)) return true;
      return MCP_KEYS.test(Buffer.from(a.head).toString('utf8'));
    },
    async scan(a, ctx) {
      const { value } = await readJsonArtifact(a.path, a.size, ctx.limits, 'MCP document');
      // A bare "servers" key is VS Code's shape only in a file named like an MCP configuration.
      const v = (value ?? {}) as Record<string, unknown>;
      const onlyServers =
        !Object.hasOwn(v, 'mcpServers') && !Object.hasOwn(v, 'mcp') && !Object.hasOwn(v, 'projects');
      if (isMcpClientConfig(value) && (CONFIG_NAMES.test(a.path) || !onlyServers)) {
        const servers = mcpConfiguredServers(value, a.path);
        configs.push({ uri: a.path, servers });
        for (const s of servers) {
          const inline = s.entry.tools?.filter((t): t is { name: string } => typeof t === 'object');
          if (inline && inline.length > 0)
            addDefinitions(
              {
                server: s.name,
                origin: 'config',
                uri: a.path,
                configUri: a.path,
                tools: inline,
                prompts: [],
                resources: [],
                pointers: { tools: `${pointerOf(s.path)}/tools` },
              },
              ctx,
            );
          if (connect && s.transport === 'stdio' && s.entry.command && s.entry.disabled !== true) {
            // One server that cannot be listed is reported in `connections` and as a finding (a scan that
            // could not look is no clean result); the others are still started.
            let defs: McpServerDefinitions;
            try {
              defs = await listStdioServer({
                ...connect,
                server: s.name,
                command: s.entry.command,
                ...(s.entry.args ? { args: s.entry.args } : {}),
                ...(s.entry.env ? { env: s.entry.env } : {}),
                ...(s.entry.cwd ? { cwd: s.entry.cwd } : {}),
                configUri: a.path,
                ...(ctx.signal ? { signal: ctx.signal } : {}),
              });
            } catch (err) {
              if (!isVigilError(err) || err.code === 'ABORTED') throw err;
              connections.push({
                server: s.name,
                configUri: a.path,
                connected: false,
                tools: 0,
                prompts: 0,
                resources: 0,
                error: { code: err.code, message: err.message },
              });
              ctx.report({
                ruleId: MCP_SERVER_NOT_LISTED.id,
                subject: `server:${s.name}`,
                summary: `MCP server ${s.name} could not be started or listed, so its definitions were not scanned: ${err.message}`,
                location: { uri: a.path, jsonPointer: pointerOf(s.path) },
                evidence: [
                  {
                    type: 'note',
                    description: `command: ${[s.entry.command, ...(s.entry.args ?? [])].join(' ')}`,
                  },
                ],
                observable: { kind: 'mcp-server', server: s.name },
              });
              continue;
            }
            connections.push({
              server: s.name,
              configUri: a.path,
              connected: true,
              ...(defs.serverInfo?.name !== undefined ? { serverName: defs.serverInfo.name } : {}),
              ...(defs.serverInfo?.version !== undefined ? { serverVersion: defs.serverInfo.version } : {}),
              tools: defs.tools.length,
              prompts: defs.prompts.length,
              resources: defs.resources.length,
            });
            addDefinitions(defs, ctx);
          }
        }
      } else if (isMcpDefinitionDocument(value)) {
        addDefinitions(readMcpDefinitions(value, a.path, ctx.limits.maxEntries), ctx);
      }
    },
    async finish(ctx) {
      // Captures: definitions, and a tool list that changes within a session.
      const lists = [...(options.captureToolLists ?? [])].sort((x, y) => x.ts - y.ts);
      const lastOf = new Map<string, { list: CapturedToolList; hash: string }>();
      const seenHash = new Set<string>();
      for (const list of lists) {
        const defs = capturedDefinitions(list);
        const pin = pinServer(defs, now());
        const key = `${list.uri}\u0000${list.workload}\u0000${list.server}`;
        const prev = lastOf.get(key);
        if (prev && prev.hash !== pin.hash) {
          const changes = diffPins(pinServer(capturedDefinitions(prev.list)), pin, 'capture');
          ctx.report({
            ruleId: MCP_RUG_PULL.id,
            subject: `server:${list.server}:session:${list.workload}:${list.ts}`,
            summary: `${list.server} changed its tools during a captured session (${countOf(changes.length, 'change')}) on ${list.workload}`,
            location: { uri: list.uri },
            evidence: [{ type: 'note', description: renderPinDiff(changes) }],
            observable: { kind: 'mcp-server', server: list.server },
          });
        }
        lastOf.set(key, { list, hash: pin.hash });
        if (!seenHash.has(`${list.server}\u0000${pin.hash}`)) {
          seenHash.add(`${list.server}\u0000${pin.hash}`);
          addDefinitions(defs, ctx);
        }
      }
      for (const d of options.definitions ?? []) addDefinitions(d, ctx);

      // The latest definitions of each server, preferring full listings over capture records.
      const latest = new Map<string, McpServerDefinitions>();
      for (const d of defsSeen) {
        const cur = latest.get(d.server);
        if (!cur || cur.origin === 'capture' || d.origin !== 'capture') latest.set(d.server, d);
      }
      const servers = [...latest.values()];
      for (const d of detectCrossServerIssues(servers)) ctx.report(d);

      // Pins.
      const next: McpPinDocument = { ...pins, servers: { ...pins.servers } };
      for (const defs of servers) {
        const current = pinServer(defs, now());
        const before = Object.hasOwn(pins.servers, defs.server) ? pins.servers[defs.server] : undefined;
        if (!before) {
          next.servers[defs.server] = current;
          continue;
        }
        const changes = diffPins(before, current, defs.origin);
        if (changes.length === 0) continue;
        ctx.report({
          ruleId: MCP_RUG_PULL.id,
          subject: `server:${defs.server}:pin:${before.hash}`,
          summary: `${defs.server} definitions changed since pinned at ${before.pinnedAt}: ${countOf(changes.length, 'change')} (${changes
            .slice(0, 3)
            .map((c) => `${c.change} ${c.kind} ${c.name}`)
            .join('; ')})`,
          location: { uri: defs.uri, ...(defs.pointers.tools ? { jsonPointer: defs.pointers.tools } : {}) },
          evidence: [
            { type: 'note', description: renderPinDiff(changes) },
            { type: 'note', description: `pinned ${before.hash} from ${before.source}; now ${current.hash}` },
          ],
          observable: { kind: 'mcp-server', server: defs.server },
        });
        if (options.repin) next.servers[defs.server] = current;
      }
      pins = next;

      // Toxic flows: per configuration, over the servers it enables whose definitions are known.
      for (const cfg of configs) {
        const byClass = new Map<ToolClass, string[]>();
        for (const s of cfg.servers) {
          if (s.entry.disabled === true) continue;
          const defs = latest.get(s.name);
          if (!defs) continue;
          const disabled = new Set(s.entry.disabledTools ?? []);
          const allowed = s.entry.allowedTools ? new Set(s.entry.allowedTools) : undefined;
          for (const t of defs.tools) {
            if (disabled.has(t.name) || (allowed && !allowed.has(t.name))) continue;
            for (const c of classifyTool(t))
              byClass.set(c, [...(byClass.get(c) ?? []), `${s.name}/${t.name}`]);
          }
        }
        const classes: ToolClass[] = ['untrusted-content', 'private-data', 'public-sink'];
        if (!classes.every((c) => (byClass.get(c)?.length ?? 0) > 0)) continue;
        const first = cfg.servers[0];
        ctx.report({
          ruleId: MCP_TOXIC_FLOW.id,
          subject: 'config',
          summary: `${cfg.uri} gives one agent untrusted content (${byClass.get('untrusted-content')!.slice(0, 3).join(', ')}), private data (${byClass.get('private-data')!.slice(0, 3).join(', ')}) and a public sink (${byClass.get('public-sink')!.slice(0, 3).join(', ')})`,
          location: { uri: cfg.uri, ...(first ? { jsonPointer: pointerOf(first.path.slice(0, -1)) } : {}) },
          evidence: classes.map((c) => ({
            type: 'artifact' as const,
            description: `${c}: ${byClass.get(c)!.join(', ')}`,
            uri: cfg.uri,
          })),
        });
      }
      lastRun = defsSeen;
      lastConnections = connections;
      defsSeen = [];
      configs = [];
      connections = [];
    },
    pins: () => pins,
    definitions: () => lastRun,
    connections: () => lastConnections,
  };
}
