/**
 * The credential class of the file paths drift just looked up, for the rule engine, which asks about
 * the same events' paths right after. A class is a small code: 0 not known, 1 an ordinary path, 2 and
 * up the index in `CREDENTIAL_PATHS` plus 2 (`secretCode` in `credentials.ts`).
 *
 * Drift's coverage cache keeps each path's code beside its coverage answer and notes it here for every
 * file open it looks up, in order, in a ring. The engine asks about the same events, in the same order
 * (those whose rules need the `credential` fact), so its path is usually at or just after its cursor
 * and is found by comparing string pointers, without the credential patterns or a probe of a table on
 * a path that has left the processor's cache. Every noted path is also kept in a direct-mapped table
 * (a hash of the path's last 12 characters and a few before them) with its place in the ring: a reader whose path
 * is not where it looked (it skipped more than a few noted events, or the path was noted out of order)
 * finds it there and moves its cursor to it, so it never loses its place for long. A path's class
 * never changes, so an answer found either way is right, whoever noted it and however long ago.
 */
const RING = 4096;
const RING_MASK = RING - 1;
/** How many noted lookups a reader skips at most looking for its path in the ring. */
const LOOKAHEAD = 8;
const ringPaths: (string | undefined)[] = new Array(RING);
const ringCodes = new Uint8Array(RING);
let head = 0;
let cursor = 0;

const SLOTS = 4096;
const SLOT_MASK = SLOTS - 1;
const slotPaths: (string | undefined)[] = new Array(SLOTS);
const slotCodes = new Uint8Array(SLOTS);
/** Where in the ring the slot's path was noted (-1: not noted in the ring). */
const slotAt = new Float64Array(SLOTS).fill(-1);

function slotOf(path: string): number {
  const n = path.length;
  let h = Math.imul(n, 0x9e3779b1);
  // The last 12 characters (paths in one folder differ towards the end) and 4 spread before them.
  const tail = Math.min(n, 12);
  for (let at = n - tail; at < n; at++) h = Math.imul(h ^ path.charCodeAt(at), 0x01000193);
  const rest = n - tail;
  if (rest > 0) {
    const step = rest >>> 2 || 1;
    for (let at = 0; at < rest; at += step) h = Math.imul(h ^ path.charCodeAt(at), 0x01000193);
  }
  return (h ^ (h >>> 13)) & SLOT_MASK;
}

/** Notes, in order, that `path`'s credential code is `code` (0: not known). */
export function notePathSecret(path: string, code: number): void {
  const at = head++;
  const r = at & RING_MASK;
  ringPaths[r] = path;
  ringCodes[r] = code;
  if (head - cursor > RING) cursor = head - RING;
  if (code !== 0) {
    const i = slotOf(path);
    slotPaths[i] = path;
    slotCodes[i] = code;
    slotAt[i] = at;
  }
}

/** Remembers `path`'s credential code out of order (a reader that worked it out itself). */
export function rememberPathSecret(path: string, code: number): void {
  const i = slotOf(path);
  slotPaths[i] = path;
  slotCodes[i] = code;
  slotAt[i] = -1;
}

/** The credential code noted for `path`, or 0 when it is not known here. */
export function recentSecret(path: string): number {
  for (let k = 0, c = cursor; k < LOOKAHEAD && c < head; k++, c++) {
    const r = c & RING_MASK;
    if (ringPaths[r] === path && ringCodes[r] !== 0) {
      cursor = c + 1;
      return ringCodes[r]!;
    }
  }
  const i = slotOf(path);
  if (slotPaths[i] !== path) return 0;
  // Found out of place: move the cursor past where it was noted, when that is ahead.
  const at = slotAt[i]!;
  if (at >= cursor && at < head) cursor = at + 1;
  return slotCodes[i]!;
}
