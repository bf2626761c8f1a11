import { createHash } from 'node:crypto';
import { lazySchema, safeParseDocument, VigilError } from '@vigil/core';
import { z } from 'zod';

/** An MCP tool as `tools/list` returns it (only the fields Vigil reads are checked). */
export const McpToolSchema = lazySchema(() =>
  z.looseObject({
    name: z.string().min(1),
    title: z.string().optional(),
    description: z.string().optional(),
    inputSchema: z.unknown().optional(),
    outputSchema: z.unknown().optional(),
    annotations: z.unknown().optional(),
  }),
);
/** An MCP prompt as `prompts/list` returns it. */
export const McpPromptSchema = lazySchema(() =>
  z.looseObject({
    name: z.string().min(1),
    title: z.string().optional(),
    description: z.string().optional(),
    arguments: z
      .array(
        z.looseObject({
          name: z.string(),
          description: z.string().optional(),
          required: z.boolean().optional(),
        }),
      )
      .optional(),
  }),
);
/** An MCP resource as `resources/list` returns it. */
export const McpResourceSchema = lazySchema(() =>
  z.looseObject({
    uri: z.string().min(1),
    name: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    mimeType: z.string().optional(),
  }),
);

/** @see {@link McpToolSchema} */
export interface McpTool {
  [key: string]: unknown;
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}
/** @see {@link McpPromptSchema} */
export interface McpPrompt {
  [key: string]: unknown;
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  arguments?:
    | {
        [key: string]: unknown;
        name: string;
        description?: string | undefined;
        required?: boolean | undefined;
      }[]
    | undefined;
}
/** @see {@link McpResourceSchema} */
export interface McpResource {
  [key: string]: unknown;
  uri: string;
  name?: string | undefined;
  title?: string | undefined;
  description?: string | undefined;
  mimeType?: string | undefined;
}

/** Where a server's definitions came from. */
export type McpDefinitionOrigin = 'file' | 'capture' | 'connect' | 'config';

/**
 * The tools, prompts and resources one MCP server offers, where they came
 * from, and the JSON pointer of each list inside the source document.
 *
 * @example
 * ```ts
 * const defs: McpServerDefinitions = {
 *   server: 'fs', origin: 'file', uri: 'fs.tools.json',
 *   tools: [{ name: 'read_file', description: 'Read a file' }], prompts: [], resources: [],
 *   pointers: { tools: '/tools' },
 * };
 * ```
 */
export interface McpServerDefinitions {
  readonly server: string;
  readonly origin: McpDefinitionOrigin;
  /** The file (a tools/list document, a configuration or a capture) the definitions were read from. */
  readonly uri: string;
  readonly tools: readonly McpTool[];
  readonly prompts: readonly McpPrompt[];
  readonly resources: readonly McpResource[];
  /** The server's `instructions` from its `initialize` result, which clients hand to the model. */
  readonly instructions?: string;
  /** JSON pointers of the `tools`, `prompts` and `resources` arrays (and `instructions`) in `uri`, when it is a JSON document. */
  readonly pointers: {
    readonly tools?: string;
    readonly prompts?: string;
    readonly resources?: string;
    readonly instructions?: string;
  };
  /** When the definitions were listed (ns since the epoch), for captures. */
  readonly ts?: number;
  /** The configuration that declares the server, when known. */
  readonly configUri?: string;
  /** The `serverInfo` a server gave in its `initialize` result, when it was started (`connect`). */
  readonly serverInfo?: { readonly name?: string; readonly version?: string };
}

/**
 * JSON with object keys sorted at every level: the canonical form pins hash.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 1, c: 0 }] }); // '{"a":[2,{"c":0,"d":1}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortedKeys);
}

// The replacer runs for every value of every pin, so it copies a plain object only when its keys
// are out of order (other objects always, as their own keys), into an object without a prototype,
// where a `__proto__` key stays a plain key. Integer-like keys come first in any object, ascending.
function sortedKeys(_key: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  let sorted = true;
  for (let i = 1; i < keys.length; i++)
    if (keys[i - 1]! > keys[i]!) {
      sorted = false;
      break;
    }
  if (sorted) {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return v;
  }
  keys.sort();
  const out: Record<string, unknown> = Object.create(null);
  for (const k of keys) out[k] = (v as Record<string, unknown>)[k];
  return out;
}

/**
 * SHA-256 (hex) of the canonical JSON of a value.
 *
 * @example
 * ```ts
 * sha256Json({ a: 1 }).length; // 64
 * ```
 */
export function sha256Json(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Escapes one RFC 6901 reference token. */
export function pointerToken(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function list<T>(
  raw: unknown,
  schema: z.ZodType<T>,
  file: string,
  pointer: string,
  what: string,
  maxEntries: number,
): T[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    throw new VigilError('INPUT_INVALID', `expected ${what} to be an array at ${pointer}`, {
      location: { file, path: pointer.split('/').slice(1) },
    });
  if (raw.length > maxEntries)
    throw new VigilError(
      'INPUT_INVALID',
      `${raw.length} ${what} at ${pointer}, over the limit of ${maxEntries}`,
      {
        location: { file, path: pointer.split('/').slice(1) },
      },
    );
  return raw.map((item, i) => {
    const r = safeParseDocument(schema, item);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const at = `${pointer}/${i}${issue.path.map((p) => `/${pointerToken(String(p))}`).join('')}`;
      throw new VigilError(
        'INPUT_INVALID',
        `invalid MCP ${what.replace(/s$/, '')} at ${at}: ${issue.message}`,
        {
          location: { file, path: at.split('/').slice(1) },
        },
      );
    }
    return r.data;
  });
}

/**
 * True when a parsed JSON document holds MCP definitions: a `tools/list`
 * (or `prompts/list`, `resources/list`) result, a JSON-RPC response carrying
 * one, or Vigil's `{ server, tools, prompts, resources }` form.
 *
 * @example
 * ```ts
 * isMcpDefinitionDocument({ result: { tools: [] } }); // true
 * ```
 */
export function isMcpDefinitionDocument(value: unknown): boolean {
  if (!isObject(value)) return false;
  const body = isObject(value['result']) ? value['result'] : value;
  return (
    Array.isArray(body['tools']) ||
    (Array.isArray(body['prompts']) && !('apiVersion' in body)) ||
    Array.isArray(body['resources'])
  );
}

/**
 * Reads MCP definitions from a parsed JSON document: a `tools/list` result
 * (`{ tools }`), a JSON-RPC response (`{ result: { tools } }`), or
 * `{ server, tools, prompts, resources }`. The server is named by `server`
 * (or `serverInfo.name`), else by the file name. Invalid entries are a
 * `VigilError` naming the file and the JSON pointer.
 *
 * @example
 * ```ts
 * const defs = readMcpDefinitions({ server: 'fs', tools: [{ name: 'read_file' }] }, 'fs.tools.json');
 * console.log(defs.server, defs.tools.length); // fs 1
 * ```
 */
export function readMcpDefinitions(value: unknown, file: string, maxEntries = 100_000): McpServerDefinitions {
  if (!isObject(value))
    throw new VigilError('INPUT_INVALID', 'expected a JSON object with "tools", "prompts" or "resources"', {
      location: { file },
    });
  const wrapped = isObject(value['result']);
  const body = wrapped ? (value['result'] as Record<string, unknown>) : value;
  const base = wrapped ? '/result' : '';
  if (!isMcpDefinitionDocument(value))
    throw new VigilError('INPUT_INVALID', 'expected a JSON object with "tools", "prompts" or "resources"', {
      location: { file },
    });
  const info = isObject(body['serverInfo'])
    ? body['serverInfo']
    : isObject(value['serverInfo'])
      ? value['serverInfo']
      : {};
  const named = value['server'] ?? body['server'] ?? info['name'];
  const server =
    typeof named === 'string' && named.length > 0
      ? named
      : (file.split(/[\\/]/).pop() ?? file).replace(/\.json$/i, '').replace(/\.(tools|mcp)$/i, '');
  const pointers: { tools?: string; prompts?: string; resources?: string; instructions?: string } = {};
  const instructions = typeof body['instructions'] === 'string' ? body['instructions'] : undefined;
  if (instructions !== undefined) pointers.instructions = `${base}/instructions`;
  if (body['tools'] !== undefined) pointers.tools = `${base}/tools`;
  if (body['prompts'] !== undefined) pointers.prompts = `${base}/prompts`;
  if (body['resources'] !== undefined) pointers.resources = `${base}/resources`;
  return {
    server,
    origin: 'file',
    uri: file,
    tools: list(body['tools'], McpToolSchema, file, `${base}/tools`, 'tools', maxEntries),
    prompts: list(body['prompts'], McpPromptSchema, file, `${base}/prompts`, 'prompts', maxEntries),
    resources: list(body['resources'], McpResourceSchema, file, `${base}/resources`, 'resources', maxEntries),
    ...(instructions !== undefined ? { instructions } : {}),
    pointers,
  };
}

/** A text of a definition a detector reads, and where it is. */
export interface DefinitionText {
  /** `tool`, `prompt`, `resource`, or `server` for the server's instructions. */
  readonly kind: 'tool' | 'prompt' | 'resource' | 'server';
  /** The tool, prompt or resource name. */
  readonly name: string;
  /** Which field: `name`, `description`, `title`, `inputSchema.properties.path.description`, … */
  readonly field: string;
  readonly text: string;
  /** JSON pointer of the text in the source document, when known. */
  readonly pointer?: string;
}

/**
 * Every human- or model-readable text of a server's definitions: names,
 * the server's instructions, titles, descriptions, and the descriptions and titles nested in input
 * schemas (bounded depth), prompt arguments and resources.
 *
 * @example
 * ```ts
 * for (const t of definitionTexts(defs)) console.log(t.name, t.field, t.text.length);
 * ```
 */
export function definitionTexts(defs: McpServerDefinitions, maxDepth = 64): DefinitionText[] {
  const out: DefinitionText[] = [];
  const at = (base: string | undefined, ...tokens: (string | number)[]) =>
    base === undefined ? undefined : `${base}/${tokens.map(pointerToken).join('/')}`;
  const push = (t: Omit<DefinitionText, 'pointer'>, pointer: string | undefined) =>
    out.push(pointer === undefined ? t : { ...t, pointer });
  const walkSchema = (
    kind: 'tool',
    name: string,
    node: unknown,
    field: string,
    ptr: string | undefined,
    depth: number,
  ) => {
    if (depth > maxDepth || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) walkSchema(kind, name, n, `${field}[${i}]`, at(ptr, i), depth + 1);
      return;
    }
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if ((k === 'description' || k === 'title') && typeof v === 'string')
        push({ kind, name, field: `${field}.${k}`, text: v }, at(ptr, k));
      else if (k === 'default' && typeof v === 'string')
        push({ kind, name, field: `${field}.default`, text: v }, at(ptr, k));
      else if (typeof v === 'object') walkSchema(kind, name, v, `${field}.${k}`, at(ptr, k), depth + 1);
    }
  };
  if (defs.instructions !== undefined)
    push(
      { kind: 'server', name: defs.server, field: 'instructions', text: defs.instructions },
      defs.pointers.instructions,
    );
  defs.tools.forEach((t, i) => {
    const p = at(defs.pointers.tools, i);
    push({ kind: 'tool', name: t.name, field: 'name', text: t.name }, at(p, 'name'));
    if (t.title) push({ kind: 'tool', name: t.name, field: 'title', text: t.title }, at(p, 'title'));
    if (t.description)
      push({ kind: 'tool', name: t.name, field: 'description', text: t.description }, at(p, 'description'));
    walkSchema('tool', t.name, t.inputSchema, 'inputSchema', at(p, 'inputSchema'), 0);
  });
  defs.prompts.forEach((pr, i) => {
    const p = at(defs.pointers.prompts, i);
    push({ kind: 'prompt', name: pr.name, field: 'name', text: pr.name }, at(p, 'name'));
    if (pr.description)
      push(
        { kind: 'prompt', name: pr.name, field: 'description', text: pr.description },
        at(p, 'description'),
      );
    pr.arguments?.forEach((a, j) => {
      if (a.description)
        push(
          { kind: 'prompt', name: pr.name, field: `arguments.${a.name}.description`, text: a.description },
          at(p, 'arguments', j, 'description'),
        );
    });
  });
  defs.resources.forEach((r, i) => {
    const p = at(defs.pointers.resources, i);
    const name = r.name ?? r.uri;
    if (r.name) push({ kind: 'resource', name, field: 'name', text: r.name }, at(p, 'name'));
    if (r.description)
      push({ kind: 'resource', name, field: 'description', text: r.description }, at(p, 'description'));
  });
  return out;
}

/** The parameters of a tool's input schema (top-level `properties`), with their descriptions and pointers. */
export function toolParameters(
  tool: McpTool,
  toolPointer: string | undefined,
): { name: string; description?: string; pointer?: string }[] {
  const schema = tool.inputSchema;
  if (!isObject(schema) || !isObject(schema['properties'])) return [];
  return Object.entries(schema['properties']).map(([name, prop]) => {
    const description =
      isObject(prop) && typeof prop['description'] === 'string' ? prop['description'] : undefined;
    const pointer =
      toolPointer === undefined ? undefined : `${toolPointer}/inputSchema/properties/${pointerToken(name)}`;
    return { name, ...(description !== undefined ? { description } : {}), ...(pointer ? { pointer } : {}) };
  });
}
