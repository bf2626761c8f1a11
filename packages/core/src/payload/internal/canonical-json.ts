import { createHash } from 'node:crypto';

/** Deeper values are refused (a `RangeError`) rather than risking the stack on hostile input. */
export const MAX_JSON_DEPTH = 1000;

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, 0);
  return parts.join('');
}

function write(v: unknown, out: string[], depth: number): void {
  if (depth > MAX_JSON_DEPTH) throw new RangeError('JSON nested too deeply');
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(',');
      const e: unknown = v[i];
      if (e === undefined || typeof e === 'function' || typeof e === 'symbol') out.push('null');
      else write(e, out, depth + 1);
    }
    out.push(']');
    return;
  }
  const rec = v as Record<string, unknown>;
  const keys = Object.keys(rec).sort();
  out.push('{');
  let first = true;
  for (const k of keys) {
    const e = rec[k];
    if (e === undefined || typeof e === 'function' || typeof e === 'symbol') continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(k), ':');
    write(e, out, depth + 1);
  }
  out.push('}');
}

/** SHA-256 of a string or bytes, in hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of the canonical JSON of `value`. */
export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value) ?? 'null');
}

/**
 * The hash and keys of tool-call arguments given as a JSON text (OpenAI,
 * MCP) or an object (Anthropic, Ollama, Gemini): parsed text hashes like the
 * equal object; text that is not JSON hashes as raw text.
 */
export function argumentDigest(args: unknown): { argumentNames?: string[]; argumentsHash: string } {
  let value = args;
  if (typeof args === 'string') {
    try {
      value = args.trim() === '' ? {} : JSON.parse(args);
    } catch {
      return { argumentsHash: sha256Hex(args) };
    }
  }
  const names =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.keys(value as object).sort()
      : undefined;
  return { ...(names ? { argumentNames: names } : {}), argumentsHash: hashJson(value ?? {}) };
}
