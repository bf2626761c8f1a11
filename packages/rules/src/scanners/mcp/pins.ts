import { readFile } from 'node:fs/promises';
import { fromZodError, lazySchema, safeParseDocument, VigilError } from '@vigil/core';
import { z } from 'zod';
import { type McpServerDefinitions, type McpTool, sha256Json } from './definitions.js';

/** Version of the MCP pin document. */
export const MCP_PINS_SCHEMA_VERSION = 1;

const Hex64 = lazySchema(() => z.string().regex(/^[0-9a-f]{64}$/));

const PinnedItemSchema = lazySchema(() =>
  z.object({
    /** SHA-256 of the item's comparable definition (for tools: name, description, input schema hash). */
    hash: Hex64,
    /** SHA-256 of the rest (title, annotations, output schema), compared when the listing has them. */
    metaHash: Hex64.optional(),
    description: z.string().max(65_536).optional(),
    inputSchemaHash: Hex64.optional(),
  }),
);

/** The pin of one server: the hash of its normalised definitions and each item's own hash. */
export const McpServerPinSchema = lazySchema(() =>
  z.object({
    /** SHA-256 of the canonical JSON of every normalised tool, prompt and resource. */
    hash: Hex64,
    /** ISO 8601 time the pin was taken. */
    pinnedAt: z.string(),
    /** Where the definitions were read from when pinned. */
    source: z.string(),
    tools: z.record(z.string(), PinnedItemSchema),
    prompts: z.record(z.string(), PinnedItemSchema),
    resources: z.record(z.string(), PinnedItemSchema),
    /** The server's `initialize` instructions, when it gives any. */
    instructions: PinnedItemSchema.optional(),
  }),
);
/** @see {@link McpServerPinSchema} */
export interface McpServerPin {
  /** SHA-256 of the canonical JSON of every normalised tool, prompt and resource. */
  hash: string;
  /** ISO 8601 time the pin was taken. */
  pinnedAt: string;
  /** Where the definitions were read from when pinned. */
  source: string;
  tools: Record<
    string,
    {
      /** SHA-256 of the item's comparable definition (for tools: name, description, input schema hash). */
      hash: string;
      /** SHA-256 of the rest (title, annotations, output schema), compared when the listing has them. */
      metaHash?: string | undefined;
      description?: string | undefined;
      inputSchemaHash?: string | undefined;
    }
  >;
  prompts: Record<
    string,
    {
      /** SHA-256 of the item's comparable definition (for tools: name, description, input schema hash). */
      hash: string;
      /** SHA-256 of the rest (title, annotations, output schema), compared when the listing has them. */
      metaHash?: string | undefined;
      description?: string | undefined;
      inputSchemaHash?: string | undefined;
    }
  >;
  resources: Record<
    string,
    {
      /** SHA-256 of the item's comparable definition (for tools: name, description, input schema hash). */
      hash: string;
      /** SHA-256 of the rest (title, annotations, output schema), compared when the listing has them. */
      metaHash?: string | undefined;
      description?: string | undefined;
      inputSchemaHash?: string | undefined;
    }
  >;
  /** The server's `initialize` instructions, when it gives any. */
  instructions?:
    | {
        /** SHA-256 of the item's comparable definition (for tools: name, description, input schema hash). */
        hash: string;
        /** SHA-256 of the rest (title, annotations, output schema), compared when the listing has them. */
        metaHash?: string | undefined;
        description?: string | undefined;
        inputSchemaHash?: string | undefined;
      }
    | undefined;
}

/**
 * A pin file: per MCP server, the SHA-256 of its full normalised definitions,
 * so a later change (a rug pull) is found and shown as a diff.
 *
 * @example
 * ```ts
 * import { McpPinDocumentSchema } from '@vigil/rules';
 *
 * const pins = McpPinDocumentSchema.parse({ schemaVersion: 1, kind: 'McpPins', servers: {} });
 * ```
 */
export const McpPinDocumentSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(MCP_PINS_SCHEMA_VERSION),
    kind: z.literal('McpPins'),
    servers: z.record(z.string(), McpServerPinSchema),
  }),
);
/** @see {@link McpPinDocumentSchema} */
export interface McpPinDocument {
  schemaVersion: 1;
  kind: 'McpPins';
  servers: Record<string, McpServerPin>;
}

/**
 * An empty pin document.
 *
 * @example
 * ```ts
 * const pins = emptyPins();
 * ```
 */
export function emptyPins(): McpPinDocument {
  return { schemaVersion: MCP_PINS_SCHEMA_VERSION, kind: 'McpPins', servers: {} };
}

/**
 * Parses a pin document; anything else is a `VigilError` naming the file and
 * the JSON path.
 *
 * @example
 * ```ts
 * const pins = parseMcpPins(JSON.parse(text), 'mcp-pins.json');
 * ```
 */
export function parseMcpPins(value: unknown, file: string): McpPinDocument {
  const r = safeParseDocument(McpPinDocumentSchema, value);
  if (!r.success) throw fromZodError(r.error, 'MCP pin file', { file }, 'INPUT_INVALID');
  return r.data;
}

/**
 * Reads a pin file; a missing file is an empty pin document (the first scan
 * pins everything).
 *
 * @example
 * ```ts
 * const pins = await readMcpPins('.vigil/mcp-pins.json');
 * ```
 */
export async function readMcpPins(path: string): Promise<McpPinDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return emptyPins();
    throw new VigilError('IO', `cannot read MCP pin file: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new VigilError('PARSE', `MCP pin file is not valid JSON: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  return parseMcpPins(value, path);
}

function toolItem(t: McpTool): z.infer<typeof PinnedItemSchema> {
  const inputSchemaHash =
    t.inputSchema !== undefined
      ? sha256Json(t.inputSchema)
      : typeof t['inputSchemaHash'] === 'string' && /^[0-9a-f]{64}$/.test(t['inputSchemaHash'])
        ? t['inputSchemaHash']
        : undefined;
  const core = { name: t.name, description: t.description ?? '', inputSchemaHash: inputSchemaHash ?? '' };
  const meta = { title: t.title, annotations: t.annotations, outputSchema: t.outputSchema };
  const hasMeta =
    meta.title !== undefined || meta.annotations !== undefined || meta.outputSchema !== undefined;
  return {
    hash: sha256Json(core),
    ...(hasMeta ? { metaHash: sha256Json(meta) } : {}),
    ...(t.description !== undefined ? { description: t.description.slice(0, 65_536) } : {}),
    ...(inputSchemaHash ? { inputSchemaHash } : {}),
  };
}

/**
 * The pin of one server's definitions.
 *
 * @example
 * ```ts
 * const pin = pinServer(defs, new Date());
 * console.log(pin.hash);
 * ```
 */
export function pinServer(defs: McpServerDefinitions, at: Date = new Date()): McpServerPin {
  const tools = Object.fromEntries(defs.tools.map((t) => [t.name, toolItem(t)]));
  const prompts = Object.fromEntries(
    defs.prompts.map((p) => [
      p.name,
      {
        hash: sha256Json(p),
        ...(p.description !== undefined ? { description: p.description.slice(0, 65_536) } : {}),
      },
    ]),
  );
  const resources = Object.fromEntries(
    defs.resources.map((r) => [
      r.uri,
      {
        hash: sha256Json(r),
        ...(r.description !== undefined ? { description: r.description.slice(0, 65_536) } : {}),
      },
    ]),
  );
  const instructions =
    defs.instructions !== undefined
      ? { hash: sha256Json(defs.instructions), description: defs.instructions.slice(0, 65_536) }
      : undefined;
  return {
    hash: sha256Json(
      instructions ? { tools, prompts, resources, instructions } : { tools, prompts, resources },
    ),
    pinnedAt: at.toISOString(),
    source: defs.uri,
    tools,
    prompts,
    resources,
    ...(instructions ? { instructions } : {}),
  };
}

/** One changed item between a pin and a later listing. */
export interface McpPinChange {
  readonly kind: 'tool' | 'prompt' | 'resource' | 'server';
  readonly name: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** For `changed`: what differs (`description`, `inputSchema`, `title/annotations/outputSchema`, `definition`). */
  readonly fields?: readonly string[];
  readonly before?: string;
  readonly after?: string;
}

/**
 * What changed between a pinned server and its current definitions. When the
 * current listing comes from a capture (which records tool names,
 * descriptions and input-schema hashes only), only tools are compared and
 * only on those fields.
 *
 * @example
 * ```ts
 * for (const c of diffPins(pins.servers['fs']!, pinServer(defs), 'file')) console.log(c.change, c.name);
 * ```
 */
export function diffPins(
  pinned: McpServerPin,
  current: McpServerPin,
  origin: McpServerDefinitions['origin'],
): McpPinChange[] {
  const out: McpPinChange[] = [];
  const partial = origin === 'capture';
  const kinds = partial ? (['tools'] as const) : (['tools', 'prompts', 'resources'] as const);
  for (const k of kinds) {
    const kind = k === 'tools' ? 'tool' : k === 'prompts' ? 'prompt' : 'resource';
    const a = pinned[k];
    const b = current[k];
    for (const name of Object.keys(a).sort())
      if (!Object.hasOwn(b, name)) out.push({ kind, name, change: 'removed' });
    for (const name of Object.keys(b).sort()) {
      const before = Object.hasOwn(a, name) ? a[name] : undefined;
      const after = b[name]!;
      if (!before) {
        out.push({ kind, name, change: 'added', ...(after.description ? { after: after.description } : {}) });
        continue;
      }
      const fields: string[] = [];
      if (before.hash !== after.hash) {
        if ((before.description ?? '') !== (after.description ?? '')) fields.push('description');
        if ((before.inputSchemaHash ?? '') !== (after.inputSchemaHash ?? '')) fields.push('inputSchema');
        if (fields.length === 0) fields.push('definition');
      }
      if (!partial && (before.metaHash ?? '') !== (after.metaHash ?? ''))
        fields.push('title/annotations/outputSchema');
      if (fields.length > 0)
        out.push({
          kind,
          name,
          change: 'changed',
          fields,
          ...(before.description !== undefined ? { before: before.description } : {}),
          ...(after.description !== undefined ? { after: after.description } : {}),
        });
    }
  }
  if (!partial && (pinned.instructions?.hash ?? '') !== (current.instructions?.hash ?? '')) {
    const before = pinned.instructions?.description;
    const after = current.instructions?.description;
    out.push({
      kind: 'server',
      name: 'instructions',
      change: before === undefined ? 'added' : after === undefined ? 'removed' : 'changed',
      ...(before !== undefined && after !== undefined ? { fields: ['description'] } : {}),
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
    });
  }
  return out;
}

/**
 * A short, readable diff of pin changes, one line per change (descriptions
 * cut at 200 characters).
 *
 * @example
 * ```ts
 * console.log(renderPinDiff(changes));
 * ```
 */
export function renderPinDiff(changes: readonly McpPinChange[]): string {
  const cut = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
  return changes
    .map((c) => {
      if (c.change === 'added')
        return `+ ${c.kind} ${c.name}${c.after !== undefined ? `: ${cut(c.after)}` : ''}`;
      if (c.change === 'removed') return `- ${c.kind} ${c.name}`;
      const desc =
        c.fields?.includes('description') && (c.before !== undefined || c.after !== undefined)
          ? `\n    before: ${cut(c.before ?? '')}\n    after:  ${cut(c.after ?? '')}`
          : '';
      return `~ ${c.kind} ${c.name} (${(c.fields ?? []).join(', ')})${desc}`;
    })
    .join('\n');
}
