// How one value (a path segment, an argument, a DNS name) is written in a pattern: the same for
// baselines, enforcement policies and workload names.

/** Marks where a command's arguments start in a process pattern. */
export const ARGS_MARK = '::';
/** The one-segment wildcard. */
export const WILDCARD = '*';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const HEX_RUN = /(?<![0-9a-z])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,}(?![0-9a-z])/gi;
const LONG_DIGITS = /\d{3,}/g;
const TEMP_NAME =
  /^(?:tmp|temp)[._-]?[A-Za-z0-9_-]{3,}$|^pymp-|^_MEI\d|\.tmp$|^\.~|^[A-Za-z0-9]{6,}\.(?:tmp|part)$/i;
const ALL_DIGITS = /^\d+$/;

/**
 * Generalises one path segment: UUIDs, long hex runs and long digit runs
 * become `<uuid>`, `<hex>` and `<num>`; an all-digit segment becomes `<num>`;
 * temp-file names become `<tmp>`. A literal `*` is escaped so it never reads
 * as a wildcard.
 *
 * @example
 * ```ts
 * generaliseSegment('1234'); // '<num>'
 * generaliseSegment('report-20261126.txt'); // 'report-<num>.txt'
 * generaliseSegment('tmpa8f3k2x1'); // '<tmp>'
 * ```
 */
export function generaliseSegment(seg: string, underTemp = false): string {
  const memo = underTemp ? MEMO_TEMP : MEMO;
  const hit = memo.get(seg);
  if (hit !== undefined) return hit;
  const out = generaliseUncached(seg, underTemp);
  // An identifier that became a placeholder (a UUID, a hash, a temp name) is usually
  // seen once: remembering it would only push out the names that do repeat.
  if (out !== seg && (out === '<tmp>' || out.includes('<uuid>') || out.includes('<hex>'))) return out;
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(seg, out);
  return out;
}

// Segments repeat far more often than they vary (folder names, binaries): remember the answers.
const MEMO_MAX = 65_536;
const MEMO = new Map<string, string>();
const MEMO_TEMP = new Map<string, string>();
const DIGIT = /\d/;

// mkdtemp(3) and mkdtempSync append six random characters from [A-Za-z0-9].
const MKDTEMP_SUFFIX = /[-_.]([A-Za-z0-9]{6})$/;

// A name a temp-file API made up: digits, or mixed case, in a six-character random suffix.
// Directly under a temp folder, a name ending in a separator and six letters or digits is what
// mkdtemp makes (Node, glibc): the suffix is random, and about one in ninety is all lower or all
// upper case letters, so its case cannot tell a random suffix from a word.
function looksMkdtemp(seg: string): boolean {
  const m = MKDTEMP_SUFFIX.exec(seg);
  return m !== null && m.index > 0;
}

function generaliseUncached(seg: string, underTemp: boolean): string {
  if (seg === WILDCARD) return '\\*';
  if (underTemp && looksMkdtemp(seg)) return '<tmp>';
  if (!DIGIT.test(seg)) return TEMP_NAME.test(seg) ? '<tmp>' : seg;
  if (ALL_DIGITS.test(seg)) return '<num>';
  if (TEMP_NAME.test(seg)) return '<tmp>';
  if (underTemp && /\d/.test(seg)) return '<tmp>';
  let out = seg;
  // The replacements below run only where a cheap scan says their pattern can match
  // (the scans are exact pre-conditions, so the output is the regexes' output).
  if (out.length >= 36 && out.includes('-')) out = out.replace(UUID, '<uuid>');
  const runs = scanRuns(out);
  if (runs & HAS_HEX_ID) out = out.replace(HEX_RUN, '<hex>');
  return runs & HAS_DIGIT_RUN ? out.replace(LONG_DIGITS, '<num>') : out;
}

/** ASCII upper-case letters to lower case; every other code unchanged (what the regexes' `i` flag does). */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

const HAS_HEX_ID = 1;
const HAS_DIGIT_RUN = 2;

/**
 * One pass over `s`: whether it holds a run HEX_RUN would replace (eight or
 * more hex characters with a digit and a letter, between non-alphanumerics)
 * and a run of three or more digits.
 */
function scanRuns(s: string): number {
  let flags = 0;
  let digits = 0;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = lower(s.charCodeAt(i));
    const isDigit = c >= 0x30 && c <= 0x39;
    const isHexLetter = c >= 0x61 && c <= 0x66;
    if (!isDigit && !isHexLetter) {
      digits = 0;
      i++;
      continue;
    }
    // A maximal run of hex characters from i.
    const prev = i > 0 ? lower(s.charCodeAt(i - 1)) : 0;
    const bounded = !((prev >= 0x30 && prev <= 0x39) || (prev >= 0x61 && prev <= 0x7a));
    let j = i;
    let hasDigit = false;
    let hasLetter = false;
    for (; j < n; j++) {
      const d = lower(s.charCodeAt(j));
      if (d >= 0x30 && d <= 0x39) {
        hasDigit = true;
        if (++digits >= 3) flags |= HAS_DIGIT_RUN;
      } else if (d >= 0x61 && d <= 0x66) {
        hasLetter = true;
        digits = 0;
      } else break;
    }
    const next = j < n ? lower(s.charCodeAt(j)) : 0;
    const endBounded = !((next >= 0x30 && next <= 0x39) || (next >= 0x61 && next <= 0x7a));
    if (j - i >= 8 && hasDigit && hasLetter && bounded && endBounded) flags |= HAS_HEX_ID;
    if (flags === (HAS_HEX_ID | HAS_DIGIT_RUN)) return flags;
    i = j;
  }
  return flags;
}

/**
 * Splits an absolute path into generalised segments (`.` and empty segments
 * dropped, `..` resolved). Children of temp folders that carry digits become
 * `<tmp>`.
 *
 * @example
 * ```ts
 * pathSegments('/tmp/tmpk3j2/out.json'); // ['tmp', '<tmp>', 'out.json']
 * pathSegments('/proc/4242/status'); // ['proc', '<num>', 'status']
 * ```
 */
export function pathSegments(path: string): string[] {
  const raw = path.split('/');
  const out: string[] = [];
  for (const s of raw) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      out.pop();
      continue;
    }
    const underTemp =
      (out.length === 1 && out[0] === 'tmp') ||
      (out.length === 2 &&
        ((out[0] === 'var' && out[1] === 'tmp') || (out[0] === 'dev' && out[1] === 'shm')));
    out.push(generaliseSegment(s, underTemp));
  }
  return out;
}

const URL_RE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/i;

/**
 * Generalises one command-line argument: paths are generalised segment by
 * segment, URLs keep scheme and host, numbers and identifiers become
 * placeholders, free text (spaces, newlines or more than 64 characters)
 * becomes `<str>`, and `--flag=value` keeps the flag.
 *
 * @example
 * ```ts
 * generaliseArg('--limit=500'); // '--limit=<num>'
 * generaliseArg('https://api.example.com/v1/items/9'); // 'https://api.example.com/<path>'
 * ```
 */
export function generaliseArg(arg: string): string {
  if (arg.length === 0) return "''";
  const eq = arg.startsWith('-') ? arg.indexOf('=') : -1;
  if (eq > 0) return `${arg.slice(0, eq)}=${generaliseArg(arg.slice(eq + 1))}`;
  if (/\s/.test(arg) || arg.length > 64) return '<str>';
  const url = URL_RE.exec(arg);
  if (url) {
    // Keep scheme and host; a port in an argument is usually an ephemeral one handed between processes.
    const host = url[2]!.toLowerCase().replace(/:\d+$/, ':<port>');
    return `${url[1]!.toLowerCase()}://${host}${url[3] && url[3] !== '/' ? '/<path>' : ''}`;
  }
  if (arg.startsWith('/') || arg.startsWith('./') || arg.startsWith('~/')) {
    const lead = arg.startsWith('/') ? '/' : arg.slice(0, 2);
    return lead + pathSegments(arg.slice(lead === '/' ? 0 : 2)).join('/');
  }
  if (/^-?\d+(\.\d+)?$/.test(arg)) return '<num>';
  if (arg === WILDCARD) return '\\*';
  return generaliseSegment(arg);
}

/**
 * The argument pattern of a command line: `argv[1…]` generalised and joined
 * with spaces, cut after `maxArgs` arguments.
 *
 * @example
 * ```ts
 * argumentPattern(['git', 'log', '-n', '20'], 12); // 'log -n <num>'
 * ```
 */
export function argumentPattern(argv: readonly string[], maxArgs: number): string {
  const parts: string[] = [];
  const n = Math.min(argv.length, maxArgs + 1);
  for (let i = 1; i < n; i++) parts.push(generaliseArg(argv[i]!));
  if (argv.length > maxArgs + 1) parts.push('…');
  return parts.join(' ');
}

/**
 * Generalises a DNS name into labels, most significant first
 * (`api.example.com` → `['com', 'example', 'api']`). Digit runs inside labels
 * become `<num>`; hex and UUID labels become placeholders.
 *
 * @example
 * ```ts
 * dnsSegments('ip-10-0-3-7.ec2.internal'); // ['internal', 'ec2', 'ip-<num>-<num>-<num>-<num>']
 * ```
 */
export function dnsSegments(name: string): string[] {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  const out: string[] = [];
  for (let i = labels.length - 1; i >= 0; i--) {
    const l = labels[i]!;
    if (l === '') continue;
    let g = l.length >= 8 ? l.replace(UUID, '<uuid>').replace(HEX_RUN, '<hex>') : l;
    // Several numbers in one label (ip-10-0-3-7) are an address; a lone short one (ec2, s3) is a name.
    g = /\d[-_.]+\d/.test(g) ? g.replace(/\d+/g, '<num>') : g.replace(LONG_DIGITS, '<num>');
    out.push(g === WILDCARD ? '\\*' : g);
  }
  return out;
}
