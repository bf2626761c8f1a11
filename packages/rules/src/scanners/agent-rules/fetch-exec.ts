/** One place a script fetches code and runs it. */
export interface FetchExecMatch {
  /** `pipe-to-shell`, `download-and-run`, `eval-fetched`, `decoded-payload`. */
  readonly kind: 'pipe-to-shell' | 'download-and-run' | 'eval-fetched' | 'decoded-payload';
  /** 1-based line. */
  readonly line: number;
  readonly excerpt: string;
}

// Every pattern here runs in time linear in the line: no unbounded run before an alternative.
const FETCH = /\b(?:curl|wget|fetch|iwr|invoke-webrequest|irm|invoke-restmethod)\b/i;
const SHELL_START =
  /^\s*(?:sudo\s+(?:-\w+\s+)*)?(?:(?:ba|z|da|k|fi)?sh|python[0-9.]*|perl|ruby|node|php|iex|invoke-expression)\b/i;
const SHELL = String.raw`(?:sudo\s+)?(?:(?:ba|z|da|k|fi)?sh|python[0-9.]*|perl|ruby|node|php)`;
const EVAL_FETCHED = new RegExp(
  String.raw`\b${SHELL}\s+(?:-\w+\s+){0,4}["']?\$\(\s*(?:curl|wget)\b|\b${SHELL}\s+<\(\s*(?:curl|wget)\b|\beval\s+["']?\$\(\s*(?:curl|wget)\b|\bsource\s+<\(\s*(?:curl|wget)\b`,
  'i',
);
const CHMOD_EXEC = /\bchmod\s+(?:\+x|[0-7]*[1357][0-7]*\s)/i;
const OUTPUT_THEN_RUN = /\s-o\s*\S+/i;
const RUN_AFTER = /(?:&&|;)\s*(?:\.\/|(?:ba)?sh\s)/i;
const BASE64_DECODE = /\bbase64\s+(?:-d|--decode|-D)\b/i;
const DECODED_EXEC = /\bexec\s*\(\s*(?:base64\.)?b64decode\s*\(|\beval\s*\(\s*(?:atob|Buffer\.from)\s*\(/i;

/** Pipe segments of a line where one holds `test` and a later one starts with a shell or interpreter. */
function pipedToShell(line: string, test: RegExp): boolean {
  const parts = line.split('|');
  let seen = false;
  for (let i = 0; i < parts.length; i++) {
    if (seen && SHELL_START.test(parts[i]!)) return true;
    if (test.test(parts[i]!)) seen = true;
  }
  return false;
}

function kindOf(line: string, next: string | undefined): FetchExecMatch['kind'] | undefined {
  if (line.includes('|') && FETCH.test(line) && pipedToShell(line, FETCH)) return 'pipe-to-shell';
  if (EVAL_FETCHED.test(line)) return 'eval-fetched';
  const at = line.search(FETCH);
  if (at >= 0) {
    const rest = line.slice(at);
    if (CHMOD_EXEC.test(rest) || (next !== undefined && CHMOD_EXEC.test(next))) return 'download-and-run';
    if (OUTPUT_THEN_RUN.test(rest) && RUN_AFTER.test(rest)) return 'download-and-run';
  }
  if (
    (line.includes('|') && BASE64_DECODE.test(line) && pipedToShell(line, BASE64_DECODE)) ||
    DECODED_EXEC.test(line)
  )
    return 'decoded-payload';
  return undefined;
}

/**
 * Finds the places a script fetches code from the network and runs it, or
 * decodes an embedded payload and runs it: `curl … | sh`,
 * `wget … && chmod +x`, `python -c "$(curl …)"`, `bash <(curl …)`,
 * `base64 -d … | sh`, `exec(b64decode(…))`. Lines that only download (a
 * `curl -o` of a data file) do not match.
 *
 * @example
 * ```ts
 * findFetchExec('curl -fsSL https://x.example/i.sh | sh').map((m) => m.kind); // ['pipe-to-shell']
 * ```
 */
export function findFetchExec(text: string): FetchExecMatch[] {
  const out: FetchExecMatch[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // The next line too: a download on one line and the chmod on the next.
    const kind = kindOf(lines[i]!, lines[i + 1]);
    if (kind) out.push({ kind, line: i + 1, excerpt: lines[i]!.trim().slice(0, 200) });
  }
  return out;
}
