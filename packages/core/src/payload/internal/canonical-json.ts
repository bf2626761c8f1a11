import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
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
