import type { Evidence, Severity } from '@vigil/core';
import { countOf, severityRank } from '@vigil/core';
import type { ArtifactDetection } from '../scanner.js';
import { foreignLetters, nameSkeleton } from '../text/confusables.js';
import { findHiddenInstructions, instructionSeverity } from '../text/hidden-instructions.js';
import { findInvisible, INVISIBLE_SEVERITY, revealInvisible } from '../text/invisible-unicode.js';
import { definitionTexts, type McpServerDefinitions, pointerToken, toolParameters } from './definitions.js';
import {
  MCP_CREDENTIAL_PARAMETER,
  MCP_CROSS_SERVER_SHADOWING,
  MCP_HIDDEN_INSTRUCTIONS,
  MCP_INVISIBLE_UNICODE,
  MCP_LOOKALIKE_TOOL_NAME,
} from './rules.js';

/**
 * Tool names of the MCP reference servers and other widely installed ones: a
 * new tool whose name reads the same as one of these (but is not it) is a
 * look-alike.
 */
export const WELL_KNOWN_TOOL_NAMES: readonly string[] = [
  'read_file',
  'read_text_file',
  'read_media_file',
  'read_multiple_files',
  'write_file',
  'edit_file',
  'create_directory',
  'list_directory',
  'directory_tree',
  'move_file',
  'search_files',
  'get_file_info',
  'list_allowed_directories',
  'fetch',
  'git_status',
  'git_diff',
  'git_commit',
  'git_add',
  'git_log',
  'create_issue',
  'create_pull_request',
  'push_files',
  'search_repositories',
  'get_file_contents',
  'query',
  'send_email',
  'execute_command',
  'run_command',
  'create_entities',
  'read_graph',
  'search_nodes',
];

const WELL_KNOWN_SKELETONS = new Map(WELL_KNOWN_TOOL_NAMES.map((n) => [nameSkeleton(n), n]));

const CREDENTIAL_PARAM =
  /^(?:api[_-]?key|apikey|x[_-]?api[_-]?key|(?:access|auth|bearer|refresh|session|id|github|gh|slack|openai|anthropic|aws)[_-]?(?:token|key|secret)|token|secret|client[_-]?secret|password|passwd|passphrase|pwd|ssh[_-]?(?:key|private[_-]?key)|private[_-]?key|credentials?|cookie|mnemonic|seed[_-]?phrase|aws[_-]?secret[_-]?access[_-]?key)$/i;

const SIDECAR_PARAM =
  /^(?:context|notes?|metadata|meta|summary|feedback|extra|extra[_-]?info|debug|debug[_-]?info|comment|remarks|details|sidenote|reasoning|conversation|history|chat[_-]?history|memory|system[_-]?prompt)$/i;

const WANTS_SECRETS =
  /\b(?:conversation|chat\s+history|previous\s+messages|prior\s+messages|all\s+(?:prior|previous)\s+\w+|system\s+prompt|(?:your|the)\s+instructions|secrets?|credentials?|api[\s_-]?keys?|passwords?|tokens?|private\s+keys?|ssh\s+keys?|environment\s+variables|contents?\s+of\s+(?:~|\/|\.|the\s+user)|everything\s+the\s+user)\b/i;

/** Detections over one server's definitions, independent of other servers. */
export function detectDefinitionIssues(defs: McpServerDefinitions): ArtifactDetection[] {
  const out: ArtifactDetection[] = [];
  const loc = (pointer: string | undefined) => ({
    uri: defs.uri,
    ...(pointer ? { jsonPointer: pointer } : {}),
  });
  const where = (kind: string, name: string) =>
    kind === 'server' ? `${defs.server} server instructions` : `${defs.server} ${kind} ${name}`;
  const observable = (kind: string, name: string) =>
    kind === 'tool'
      ? ({ kind: 'mcp-tool', server: defs.server, tool: name } as const)
      : ({ kind: 'mcp-server', server: defs.server } as const);

  // Hidden instructions: one detection per definition, with every match as evidence.
  const byItem = new Map<
    string,
    {
      kind: string;
      name: string;
      matches: { field: string; pointer?: string; m: ReturnType<typeof findHiddenInstructions>[number] }[];
    }
  >();
  for (const t of definitionTexts(defs)) {
    if (t.field === 'name') continue;
    for (const m of findHiddenInstructions(t.text)) {
      const key = `${t.kind}\u0000${t.name}`;
      const item = byItem.get(key) ?? { kind: t.kind, name: t.name, matches: [] };
      item.matches.push({ field: t.field, ...(t.pointer ? { pointer: t.pointer } : {}), m });
      byItem.set(key, item);
    }
  }
  for (const item of byItem.values()) {
    const severity = instructionSeverity(item.matches.map((x) => x.m))!;
    const first = item.matches[0]!;
    const kinds = [...new Set(item.matches.map((x) => x.m.kind))];
    out.push({
      ruleId: MCP_HIDDEN_INSTRUCTIONS.id,
      subject: `${item.kind}:${item.name}`,
      summary: `${where(item.kind, item.name)} carries instructions for the model (${kinds.join(', ')}): "${first.m.excerpt}"`,
      location: loc(first.pointer),
      severity,
      evidence: item.matches.slice(0, 10).map(
        (x): Evidence => ({
          type: 'artifact',
          description: `${x.m.kind} in ${x.field}: "${x.m.excerpt}"`,
          uri: defs.uri,
          path: x.field,
          ...(x.pointer ? { jsonPointer: x.pointer } : {}),
        }),
      ),
      observable: observable(item.kind, item.name),
    });
  }

  // Invisible Unicode: one detection per text field.
  for (const t of definitionTexts(defs)) {
    const runs = findInvisible(t.text);
    if (runs.length === 0) continue;
    let severity: Severity = 'info';
    for (const r of runs)
      if (severityRank(INVISIBLE_SEVERITY[r.class]) > severityRank(severity))
        severity = INVISIBLE_SEVERITY[r.class];
    const decoded = runs.map((r) => r.decoded).filter((d): d is string => d !== undefined);
    const classes = [...new Set(runs.map((r) => r.class))];
    out.push({
      ruleId: MCP_INVISIBLE_UNICODE.id,
      subject: `${t.kind}:${t.name}:${t.field}`,
      summary: `${where(t.kind, t.name)} ${t.field} contains ${countOf(
        runs.reduce((n, r) => n + r.count, 0),
        'invisible character',
      )} (${classes.join(', ')})${decoded.length > 0 ? ` spelling "${decoded.join(' ').slice(0, 200)}"` : ''}`,
      location: loc(t.pointer),
      severity,
      evidence: [
        {
          type: 'artifact',
          description: `revealed: ${revealInvisible(t.text).slice(0, 400)}`,
          uri: defs.uri,
          path: t.field,
          ...(t.pointer ? { jsonPointer: t.pointer } : {}),
        },
      ],
      observable: observable(t.kind, t.name),
    });
  }

  // Look-alike names: non-Latin letters in a name, or a well-known tool imitated.
  defs.tools.forEach((tool, i) => {
    const pointer = defs.pointers.tools ? `${defs.pointers.tools}/${i}/name` : undefined;
    const foreign = foreignLetters(tool.name);
    const skel = nameSkeleton(tool.name);
    const imitated = WELL_KNOWN_SKELETONS.get(skel);
    const plain = tool.name.toLowerCase().replace(/[-. ]/g, '_');
    if (foreign.length > 0 || (imitated !== undefined && imitated !== plain)) {
      out.push({
        ruleId: MCP_LOOKALIKE_TOOL_NAME.id,
        subject: `tool:${tool.name}`,
        summary:
          imitated !== undefined && imitated !== plain
            ? `${where('tool', tool.name)} reads as the well-known tool ${imitated}${foreign.length > 0 ? ` (non-Latin letters: ${foreign.join(', ')})` : ''}`
            : `${where('tool', tool.name)} mixes non-Latin letters into its name: ${foreign.join(', ')}`,
        location: loc(pointer),
        evidence: [
          {
            type: 'artifact',
            description: `skeleton ${skel}`,
            uri: defs.uri,
            ...(pointer ? { jsonPointer: pointer } : {}),
          },
        ],
        observable: observable('tool', tool.name),
      });
    }
  });

  // Credential and side-channel parameters.
  defs.tools.forEach((tool, i) => {
    const toolPointer = defs.pointers.tools ? `${defs.pointers.tools}/${i}` : undefined;
    for (const p of toolParameters(tool, toolPointer)) {
      const credential = CREDENTIAL_PARAM.test(p.name);
      const sidecar =
        SIDECAR_PARAM.test(p.name) && p.description !== undefined && WANTS_SECRETS.test(p.description);
      const asks =
        p.description !== undefined &&
        WANTS_SECRETS.test(p.description) &&
        /\b(?:include|provide|pass|paste|add|send|full|all|entire|complete)\b/i.test(p.description);
      if (!credential && !sidecar && !asks) continue;
      out.push({
        ruleId: MCP_CREDENTIAL_PARAMETER.id,
        subject: `tool:${tool.name}:param:${p.name}`,
        summary: credential
          ? `${where('tool', tool.name)} has a parameter named like a credential: ${p.name}`
          : `${where('tool', tool.name)} parameter ${p.name} asks for secrets or the conversation: "${(p.description ?? '').slice(0, 160)}"`,
        location: loc(p.pointer),
        severity: sidecar || asks ? 'high' : 'medium',
        evidence: [
          {
            type: 'artifact',
            description: `parameter ${p.name}${p.description ? `: ${p.description.slice(0, 300)}` : ''}`,
            uri: defs.uri,
            path: `inputSchema.properties.${p.name}`,
            ...(p.pointer ? { jsonPointer: p.pointer } : {}),
          },
        ],
        observable: observable('tool', tool.name),
      });
    }
  });
  return out;
}

const INSTRUCTS =
  /\b(?:when|whenever|before|after|instead|always|never|must|should|do\s+not|don'?t|redirect|send|forward|copy|bcc|cc|add|change|replace|use|call|invoke)\b/i;

function identifierLike(name: string): boolean {
  return /[_\-.]/.test(name) || /[a-z][A-Z]/.test(name) || name.length >= 8;
}

/** Detections across the servers one agent is given: look-alike names and shadowing. */
export function detectCrossServerIssues(all: readonly McpServerDefinitions[]): ArtifactDetection[] {
  const out: ArtifactDetection[] = [];
  const bySkeleton = new Map<
    string,
    { server: string; name: string; defs: McpServerDefinitions; index: number }[]
  >();
  for (const defs of all)
    defs.tools.forEach((t, index) => {
      const k = nameSkeleton(t.name);
      const list = bySkeleton.get(k) ?? [];
      list.push({ server: defs.server, name: t.name, defs, index });
      bySkeleton.set(k, list);
    });
  for (const list of bySkeleton.values()) {
    const names = new Set(list.map((x) => x.name));
    if (names.size < 2) continue;
    // The imitator is any name that is not plain ASCII, else every name but the first seen.
    for (const x of list) {
      const other = list.find((y) => y.name !== x.name)!;
      const suspicious =
        foreignLetters(x.name).length > 0 || /[0-9|!$@]/.test(x.name) || !/^[\x20-\x7e]*$/.test(x.name);
      if (!suspicious) continue;
      const pointer = x.defs.pointers.tools ? `${x.defs.pointers.tools}/${x.index}/name` : undefined;
      out.push({
        ruleId: MCP_LOOKALIKE_TOOL_NAME.id,
        subject: `tool:${x.name}:imitates:${other.server}/${other.name}`,
        summary: `${x.server} tool ${JSON.stringify(x.name)} reads the same as ${other.server} tool ${JSON.stringify(other.name)}`,
        location: { uri: x.defs.uri, ...(pointer ? { jsonPointer: pointer } : {}) },
        observable: { kind: 'mcp-tool', server: x.server, tool: x.name },
      });
    }
  }
  const toolsOf = new Map<string, Set<string>>();
  // Which servers offer each identifier-like tool name: descriptions are looked up word by word.
  const serversOf = new Map<string, Set<string>>();
  for (const d of all)
    for (const t of d.tools) {
      toolsOf.set(d.server, (toolsOf.get(d.server) ?? new Set()).add(t.name));
      if (identifierLike(t.name)) serversOf.set(t.name, (serversOf.get(t.name) ?? new Set()).add(d.server));
    }
  for (const defs of all) {
    const own = toolsOf.get(defs.server)!;
    defs.tools.forEach((tool, i) => {
      const text = tool.description ?? '';
      const reported = new Set<string>();
      for (const m of text.matchAll(/[\w][\w.-]*/g)) {
        const name = m[0].replace(/[.-]+$/, '');
        const servers = serversOf.get(name);
        if (!servers || own.has(name) || reported.has(name)) continue;
        const end = text.indexOf('.', m.index + name.length);
        const sentence = text.slice(
          Math.max(0, text.lastIndexOf('.', m.index) + 1, m.index - 300),
          end < 0 ? Math.min(text.length, m.index + 300) : Math.min(end + 1, m.index + 300),
        );
        if (!INSTRUCTS.test(sentence)) continue;
        reported.add(name);
        for (const other of servers) {
          if (other === defs.server) continue;
          const pointer = defs.pointers.tools ? `${defs.pointers.tools}/${i}/description` : undefined;
          out.push({
            ruleId: MCP_CROSS_SERVER_SHADOWING.id,
            subject: `tool:${tool.name}:shadows:${other}/${name}`,
            summary: `${defs.server} tool ${tool.name} instructs the model about ${other} tool ${name}: "${sentence.trim().slice(0, 200)}"`,
            location: { uri: defs.uri, ...(pointer ? { jsonPointer: pointer } : {}) },
            evidence: [
              {
                type: 'artifact',
                description: `description of ${defs.server}/${tool.name} names ${other}/${name}`,
                uri: defs.uri,
                path: `tools.${tool.name}.description`,
                ...(pointer ? { jsonPointer: pointer } : {}),
              },
            ],
            observable: { kind: 'mcp-server', server: defs.server },
          });
        }
      }
    });
  }
  return out;
}

/** JSON pointer of a configuration path (`['mcpServers', 'fs']` → `/mcpServers/fs`). */
export function pointerOf(path: readonly string[]): string {
  return path.map((p) => `/${pointerToken(p)}`).join('');
}
