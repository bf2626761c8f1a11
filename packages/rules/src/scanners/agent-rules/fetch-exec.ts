/** One place a script fetches code and runs it. */
export interface FetchExecMatch {
  /** `pipe-to-shell`, `download-and-run`, `eval-fetched`, `decoded-payload`. */
  readonly kind: 'pipe-to-shell' | 'download-and-run' | 'eval-fetched' | 'decoded-payload';
  /** 1-based line. */
  readonly line: number;
  readonly excerpt: string;
}

const FETCH = String.raw`(?:curl|wget|fetch|iwr|invoke-webrequest|irm|invoke-restmethod)\b`;
const SHELL = String.raw`(?:sudo\s+)?(?:ba|z|da|k|fi)?sh\b|python[0-9.]*\b|perl\b|ruby\b|node\b|php\b|iex\b|invoke-expression\b`;

const PATTERNS: readonly [FetchExecMatch['kind'], RegExp][] = [
  // curl … | sh, wget -O- … | bash, iwr … | iex
  ['pipe-to-shell', new RegExp(String.raw`\b${FETCH}[^\n|]*\|\s*(?:${SHELL})`, 'i')],
  // sh -c "$(curl …)", python -c "$(curl …)", bash <(curl …), eval "$(wget …)"
  [
    'eval-fetched',
    new RegExp(
      String.raw`(?:\b(?:${SHELL})\s+(?:-\w+\s+)*(?:-c\s+)?["']?\$\(\s*${FETCH}|\b(?:${SHELL})\s+<\(\s*${FETCH}|\beval\s+["']?\$\(\s*${FETCH}|\bsource\s+<\(\s*${FETCH})`,
      'i',
    ),
  ],
  // wget … && chmod +x …, curl -o x … ; ./x
  [
    'download-and-run',
    new RegExp(
      String.raw`\b${FETCH}[^\n]*(?:&&|;|\n)\s*(?:sudo\s+)?chmod\s+(?:\+x|[0-7]*[1357][0-7]*\s)|\b${FETCH}[^\n]*-o\s*(\S+)[^\n]*(?:&&|;)\s*(?:\.\/|sh\s|bash\s)`,
      'i',
    ),
  ],
  // echo … | base64 -d | sh, base64 --decode … | bash, python -c exec(base64.b64decode(…))
  [
    'decoded-payload',
    /\bbase64\s+(?:-d|--decode|-D)\b[^\n]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b|\|\s*base64\s+(?:-d|--decode|-D)\s*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b|\bexec\s*\(\s*(?:base64\.)?b64decode\s*\(|\beval\s*\(\s*(?:atob|Buffer\.from)\s*\([^)]*(?:base64)?/i,
  ],
];

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
    // Two lines together catch a download on one line and the chmod on the next.
    const window = i + 1 < lines.length ? `${lines[i]}\n${lines[i + 1]}` : lines[i]!;
    for (const [kind, re] of PATTERNS) {
      const m = re.exec(kind === 'download-and-run' ? window : lines[i]!);
      if (!m || m.index >= lines[i]!.length) continue;
      out.push({ kind, line: i + 1, excerpt: lines[i]!.trim().slice(0, 200) });
      break;
    }
  }
  return out;
}
