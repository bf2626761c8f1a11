import type { LineCounter, Node } from 'yaml';
import { VigilError } from '../errors/vigil-error.js';
import { guardYaml } from '../limits/yaml-guard.js';
import { yamlModule } from '../limits/yaml-module.js';

// The YAML parses that can take long (seconds per MiB), as plain functions of
// plain data: they run in this thread for small texts and in a worker thread
// for large ones (see yaml-off-thread.ts), so they take and return only what
// structured clone carries, and throw only VigilErrors.

/** Limits a YAML parse checks (resolved: `Infinity` where none applies). */
export interface YamlLimits {
  readonly maxDepth: number;
  readonly maxNodes: number;
  readonly maxDocuments: number;
  readonly maxAliasCount: number;
}

/**
 * The line of every node of a document, shaped like the document: what a
 * parsed YAML tree can say about lines, without the tree (which cannot leave
 * a worker thread).
 */
export interface LineTree {
  /** 1-based line, 0 when unknown. */
  readonly line: number;
  readonly keys?: Map<string, LineTree>;
  readonly items?: LineTree[];
}

/** One document of a declared input, parsed and checked. */
export interface ParsedYamlDocument {
  readonly documentIndex: number;
  readonly value: unknown;
  readonly lines: LineTree;
}

function lineTreeOf(node: unknown, lineCounter: LineCounter): LineTree {
  const range = (node as Node | null | undefined)?.range;
  const line = range ? lineCounter.linePos(range[0]).line : 0;
  const { isMap, isScalar, isSeq } = yamlModule();
  if (isMap(node)) {
    const keys = new Map<string, LineTree>();
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!keys.has(k)) keys.set(k, lineTreeOf(pair.value, lineCounter));
    }
    return { line, keys };
  }
  if (isSeq(node)) return { line, items: node.items.map((n) => lineTreeOf(n, lineCounter)) };
  return { line };
}

/** The 1-based line of a path inside a document, when it can be found. */
export function lineAt(tree: LineTree, path: readonly (string | number)[]): number | undefined {
  let node: LineTree | undefined = tree;
  for (const seg of path) {
    if (node.keys) node = node.keys.get(String(seg));
    else if (node.items && typeof seg === 'number') node = node.items[seg];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node.line > 0 ? node.line : undefined;
}

function depthOf(value: unknown, limit: number): number {
  // Iterative so a hostile document cannot overflow the stack.
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > limit) return max;
    if (Array.isArray(v)) for (const x of v) stack.push([x, d + 1]);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return max;
}

/**
 * Parses a multi-document declared input (Kubernetes manifests, IAM or MCP
 * JSON): counts on the lexer's tokens first, then builds each document, with
 * alias expansion bounded and the composed depth checked again. Empty
 * documents are left out.
 */
export function parseDeclaredYaml(text: string, file: string, limits: YamlLimits): ParsedYamlDocument[] {
  const { maxDocuments, maxAliasCount, maxDepth } = limits;
  // Depth, values and documents are counted on the lexer's tokens before any tree is built.
  guardYaml(text, file, limits);
  const { LineCounter, parseAllDocuments } = yamlModule();
  const lineCounter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  } catch (cause) {
    throw new VigilError('PARSE', `cannot parse YAML: ${(cause as Error).message}`, {
      cause,
      location: { file },
    });
  }
  if (!Array.isArray(docs)) return [];
  if (docs.length > maxDocuments)
    throw new VigilError(
      'INPUT_INVALID',
      `${docs.length} YAML documents, over the limit of ${maxDocuments}`,
      { location: { file } },
    );
  const out: ParsedYamlDocument[] = [];
  docs.forEach((doc, documentIndex) => {
    const err = doc.errors[0];
    if (err) {
      const pos = lineCounter.linePos(err.pos[0]);
      throw new VigilError('PARSE', `YAML document ${documentIndex + 1}: ${err.message.split('\n')[0]}`, {
        location: { file, line: pos.line, column: pos.col },
      });
    }
    if (doc.contents === null) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (cause) {
      throw new VigilError(
        'INPUT_INVALID',
        `YAML document ${documentIndex + 1}: ${(cause as Error).message} (alias expansion is limited to ${maxAliasCount} to stop YAML bombs)`,
        { cause, location: { file } },
      );
    }
    if (value === null || value === undefined) return;
    if (depthOf(value, maxDepth) > maxDepth)
      throw new VigilError(
        'INPUT_INVALID',
        `YAML document ${documentIndex + 1} nests deeper than ${maxDepth} levels`,
        { location: { file } },
      );
    out.push({ documentIndex, value, lines: lineTreeOf(doc.contents, lineCounter) });
  });
  return out;
}

/** Parses a single-document YAML file (exceptions, settings) within its limits. */
export function parseSingleYaml(text: string, file: string, what: string, limits: YamlLimits): unknown {
  guardYaml(text, file, { ...limits, maxDocuments: 1 });
  try {
    return yamlModule().parse(text, {
      maxAliasCount: Number.isFinite(limits.maxAliasCount) ? limits.maxAliasCount : 100,
    });
  } catch (cause) {
    const pos = (cause as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new VigilError('PARSE', `${what} is not valid YAML: ${(cause as Error).message.split('\n')[0]}`, {
      cause,
      location: pos ? { file, line: pos.line, column: pos.col } : { file },
    });
  }
}

/**
 * Parses one document of a Kubernetes manifest file read document by
 * document (`aibom --manifest`); `firstLine` is the document's first line in
 * the file, `documentIndex` its 0-based index.
 */
export function parseManifestDocument(
  text: string,
  file: string,
  limits: YamlLimits,
  firstLine: number,
  documentIndex: number,
): unknown {
  guardYaml(text, file, limits, firstLine);
  const doc = yamlModule().parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = firstLine + (err.linePos?.[0].line ?? 1) - 1;
    const column = err.linePos?.[0].col;
    throw new VigilError(
      'PARSE',
      `invalid YAML in document ${documentIndex + 1}: ${err.message.split('\n')[0]}`,
      {
        cause: err,
        location: { file, line, ...(column ? { column } : {}) },
      },
    );
  }
  try {
    return doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (cause) {
    throw new VigilError('PARSE', `document ${documentIndex + 1}: ${(cause as Error).message}`, {
      cause,
      location: { file, line: firstLine },
    });
  }
}

/** The parses a worker thread can run, by name. */
export const YAML_TASKS = {
  declared: parseDeclaredYaml,
  single: parseSingleYaml,
  manifest: parseManifestDocument,
} as const;

/** A parse's name. */
export type YamlTaskName = keyof typeof YAML_TASKS;
