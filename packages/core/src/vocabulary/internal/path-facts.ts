/**
 * What is known about one file path, shared by everything that asks about the same path string:
 * whether it holds a credential (`secretClass`) and a coverage cache's answer for it. Drift looks
 * each file open's path up in its coverage cache and the rule engine then asks whether the same path
 * is a credential: with one record per path, the second question finds the record the first one
 * just touched, instead of a second table's cold slot.
 */
export interface PathFacts {
  /** The credential class: `undefined` not worked out yet, `null` an ordinary path. */
  secret: string | null | undefined;
  /** The coverage cache whose answer `cover` holds (the first to store one for this path). */
  coverOwner: object | undefined;
  /** Which of the owner's generations stored it (a cache that was emptied ignores older answers). */
  coverGen: number;
  /** The owner's bits for the path (seen and covered, per access). */
  cover: number;
}

/** Paths remembered at most; the table is emptied when it fills, so one-off paths never pile up. */
const MAX_PATHS = 32_768;

/**
 * One record per path. It is a `Map`: the capture decoder hands out one string object per
 * recurring path, and V8 keeps a string's hash in the string, so a lookup of a recurring path
 * neither hashes nor compares its characters. V8 seeds its string hash per process, so colliding
 * paths cannot be crafted ahead.
 */
const table = new Map<string, PathFacts>();

/** The record of `path`, or undefined when nothing is known about it. */
export function pathFacts(path: string): PathFacts | undefined {
  // Recent lookups, in order: a second reader walking the same events finds its path at its cursor.
  for (let k = 0, c = cursor; k < LOOKAHEAD && c < head; k++, c++) {
    const i = c & RING_MASK;
    if (ringPaths[i] === path) {
      cursor = c + 1;
      return ringFacts[i];
    }
  }
  return table.get(path);
}

/**
 * {@link pathFacts} for the first reader of a stream of events (drift's coverage lookups): the
 * answer is also noted, in order, for the readers that ask about the same events' paths after it.
 */
export function pathFactsNoted(path: string): PathFacts | undefined {
  const f = table.get(path);
  if (f !== undefined) {
    const i = head & RING_MASK;
    ringPaths[i] = path;
    ringFacts[i] = f;
    head++;
    if (head - cursor > RING) cursor = head - RING;
  }
  return f;
}

/**
 * The latest records looked up by {@link pathFactsNoted}, in order (a ring), and how far the other
 * readers got: the rule engine asks whether a file open's path is a credential for the same events,
 * in the same order, that drift just looked up, so its path is at or just after the cursor and is
 * found by comparing string pointers instead of probing the table again. The records stay valid
 * however old: what they hold is a function of the path alone or tagged with its owner.
 */
const RING = 4096;
const RING_MASK = RING - 1;
/** How many noted lookups a reader skips at most looking for its path (events it did not ask about). */
const LOOKAHEAD = 8;
const ringPaths: (string | undefined)[] = new Array(RING);
const ringFacts: (PathFacts | undefined)[] = new Array(RING);
let head = 0;
let cursor = 0;

/** The record of `path`, made (with nothing known) when there is none. */
export function pathFactsFor(path: string): PathFacts {
  let f = table.get(path);
  if (f === undefined) {
    if (table.size >= MAX_PATHS) table.clear();
    f = { secret: undefined, coverOwner: undefined, coverGen: 0, cover: 0 };
    table.set(path, f);
  }
  return f;
}
