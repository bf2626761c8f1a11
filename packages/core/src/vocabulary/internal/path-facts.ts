/**
 * The credential class of the file paths drift just looked up, for the rule engine, which asks about
 * the same events' paths right after. A class is a small code: 0 not known, 1 an ordinary path, 2 and
 * up the index in `CREDENTIAL_PATHS` plus 2 (`secretCode` and `secretOfCode` in `credentials.ts`).
 *
 * Drift's coverage cache keeps each path's code beside its coverage answer and notes it here, in
 * order (a ring), for every file open it looks up. The engine asks about the same events, in the same
 * order (a subset of them), so its path is at or just after its cursor and is found by comparing
 * string pointers, without a table probe on a path that is no longer in the processor's cache. A
 * path's class never changes, so an entry stays right however old.
 */
const RING = 4096;
const RING_MASK = RING - 1;
/** How many noted lookups a reader skips at most looking for its path (events it did not ask about). */
const LOOKAHEAD = 8;
const ringPaths: (string | undefined)[] = new Array(RING);
const ringCodes = new Uint8Array(RING);
let head = 0;
let cursor = 0;

/** Notes that `path`'s credential code is `code` (0: not known), for the readers that come after. */
export function notePathSecret(path: string, code: number): void {
  const i = head & RING_MASK;
  ringPaths[i] = path;
  ringCodes[i] = code;
  head++;
  if (head - cursor > RING) cursor = head - RING;
}

/**
 * The credential code noted for `path` when it is at or just after the cursor of noted lookups (the
 * cursor then moves past it); 0 when it is not there, or was not known when noted.
 */
export function recentSecret(path: string): number {
  for (let k = 0, c = cursor; k < LOOKAHEAD && c < head; k++, c++) {
    const i = c & RING_MASK;
    if (ringPaths[i] === path) {
      cursor = c + 1;
      return ringCodes[i]!;
    }
  }
  return 0;
}
