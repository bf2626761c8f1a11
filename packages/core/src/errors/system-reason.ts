/**
 * The operating system's reason for a failed file operation without the path
 * Node adds to it (`EACCES: permission denied, open '/x/.y.tmp'` →
 * `permission denied (EACCES)`), so that a message can name the file the user
 * gave instead of a temporary one, or name it at all (Node's read and write
 * errors carry no path).
 */
export function systemReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(e?.message ?? '');
  if (e?.code && m) return `${m[1]} (${e.code})`;
  return e?.message ?? String(err);
}
