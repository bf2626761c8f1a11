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
