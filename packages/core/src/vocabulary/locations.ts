/**
 * Writable scratch locations that hold no installed software: `/tmp`,
 * `/var/tmp`, `/dev/shm`, `/run/shm`, `/dev/mqueue` and per-user `/run/user/UID`.
 *
 * @example
 * ```ts
 * TEMP_LOCATIONS.some((p) => '/tmp/x'.startsWith(p)); // true
 * ```
 */
export const TEMP_LOCATIONS: readonly string[] = Object.freeze([
  '/tmp/',
  '/var/tmp/',
  '/dev/shm/',
  '/run/shm/',
  '/dev/mqueue/',
]);

const RUN_USER = /^\/run\/user\/\d+\//;
const PROC_FD = /^\/proc\/(?:self|\d+)\/fd\//;

/**
 * True for a path in a world-writable temp location (see {@link TEMP_LOCATIONS}).
 *
 * @example
 * ```ts
 * isWritableTempPath('/dev/shm/x'); // true
 * ```
 */
export function isWritableTempPath(path: string): boolean {
  for (const p of TEMP_LOCATIONS) if (path.startsWith(p)) return true;
  return RUN_USER.test(path);
}

/**
 * True for a path that names a memfd, a deleted file or a file descriptor (fileless execution).
 *
 * @example
 * ```ts
 * isFilelessPath('/memfd:payload (deleted)'); // true
 * ```
 */
export function isFilelessPath(path: string): boolean {
  return (
    path.startsWith('/memfd:') ||
    path.startsWith('memfd:') ||
    path.endsWith(' (deleted)') ||
    PROC_FD.test(path)
  );
}

// `/proc/self`, `/proc/thread-self` or `/proc/<pid>` (optionally `/task/<tid>`), then what follows.
const PROC_OWNER = /^\/proc\/(?:self|thread-self|(\d+))(?:\/task\/(\d+))?(?:\/(.*))?$/;
// Entries that lead out of the pseudo-files into the real file system (or another process).
const PROC_EXITS = new Set(['root', 'cwd']);

/**
 * True when `path` names one of the process's own `/proc` pseudo-files:
 * `/proc/self/…`, `/proc/thread-self/…`, `/proc/<its pid>/…` or
 * `/proc/<its thread id>/…` (maps, status, stat, cgroup, fd, …). A process
 * reading these learns about itself, nothing else. Paths into another
 * process (`/proc/1/environ`), paths that leave the pseudo-files through
 * `root` or `cwd` (`/proc/self/root/etc/shadow`) and paths with `..` are
 * not its own.
 *
 * @example
 * ```ts
 * isOwnProcPath('/proc/self/maps', 4242); // true
 * isOwnProcPath('/proc/4242/status', 4242); // true
 * isOwnProcPath('/proc/1/environ', 4242); // false
 * isOwnProcPath('/proc/self/root/etc/shadow', 4242); // false
 * ```
 */
export function isOwnProcPath(path: string, pid: number, tid?: number): boolean {
  const m = PROC_OWNER.exec(path);
  if (m === null) return false;
  const owner = m[1];
  if (owner !== undefined) {
    const n = Number(owner);
    if (n !== pid && n !== tid) return false;
  }
  // `/proc/<pid>/task/<tid>` is its own when the pid is.
  const rest = m[3];
  if (rest === undefined || rest === '') return true;
  const parts = rest.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return true;
  if (PROC_EXITS.has(parts[0]!)) return false;
  return !parts.includes('..');
}
