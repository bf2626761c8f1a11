/**
 * The last path component.
 *
 * @example
 * ```ts
 * basename('/usr/bin/bash'); // 'bash'
 * ```
 */
export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/**
 * Unix shells, by program name (`busybox` counts: it is a shell when run as `sh`).
 *
 * @example
 * ```ts
 * SHELLS.has('dash'); // true
 * ```
 */
export const SHELLS: ReadonlySet<string> = new Set([
  'sh',
  'bash',
  'rbash',
  'dash',
  'zsh',
  'ksh',
  'ash',
  'mksh',
  'busybox',
  'fish',
  'tcsh',
  'csh',
]);

/**
 * Script interpreters and the runtimes agents and model servers run in (not shells), by program name.
 *
 * @example
 * ```ts
 * INTERPRETERS.test('python3.11'); // true
 * ```
 */
export const INTERPRETERS: RegExp =
  /^(python[\d.]*|pypy[\d.]*|node|nodejs|bun|deno|ruby[\d.]*|perl[\d.]*|php[\d.]*|lua[\d.]*|tclsh[\d.]*|pwsh|osascript|java|uvicorn|gunicorn|hypercorn|celery|dotnet|Rscript|R|tsx|ts-node|npx|uv|poetry|jupyter.*|ipykernel.*)$/;

/**
 * True for Unix shells, from a path or a command name.
 *
 * @example
 * ```ts
 * isShell('/bin/bash'); // true
 * ```
 */
export function isShell(pathOrComm: string): boolean {
  return SHELLS.has(basename(pathOrComm));
}

/**
 * True for script interpreters and agent runtimes (not shells), from a path or a command name.
 *
 * @example
 * ```ts
 * isInterpreter('/usr/bin/python3'); // true
 * ```
 */
export function isInterpreter(pathOrComm: string): boolean {
  return INTERPRETERS.test(basename(pathOrComm));
}

/**
 * True when `filename`/`argv` start a shell (including `busybox sh`).
 *
 * @example
 * ```ts
 * isShellExec('/bin/busybox', ['busybox', 'sh', '-c', 'id']); // true
 * ```
 */
export function isShellExec(filename: string, argv: readonly string[]): boolean {
  const b = basename(filename);
  if (b === 'busybox') return SHELLS.has(basename(argv[1] ?? argv[0] ?? ''));
  return SHELLS.has(b);
}

/**
 * Ordinary read-only utilities, by program name: programs that list, read,
 * count, compare and format text and files, and cannot on their own reach the
 * network, start other programs or change the system. A shell tool that
 * learning saw list a folder may `tail` a file next time; that is a new
 * program, but not a new capability. Deliberately left out: anything that
 * runs other programs (`env`, `xargs`, `find -exec`, `timeout`), edits
 * (`sed -i`, `awk`'s `system()`), reaches the network or reconnoitres the
 * host (`id`, `whoami`, `uname`, `hostname`).
 *
 * @example
 * ```ts
 * ORDINARY_UTILITIES.has('tail'); // true
 * ORDINARY_UTILITIES.has('curl'); // false
 * ```
 */
export const ORDINARY_UTILITIES: ReadonlySet<string> = new Set([
  'ls',
  'cat',
  'head',
  'tail',
  'wc',
  'grep',
  'egrep',
  'fgrep',
  'sort',
  'uniq',
  'cut',
  'tr',
  'nl',
  'tac',
  'rev',
  'column',
  'fold',
  'fmt',
  'paste',
  'join',
  'comm',
  'diff',
  'cmp',
  'date',
  'echo',
  'printf',
  'pwd',
  'basename',
  'dirname',
  'realpath',
  'readlink',
  'stat',
  'du',
  'df',
  'file',
  'tree',
  'seq',
  'true',
  'false',
  'test',
  '[',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'od',
  'hexdump',
  'xxd',
]);

/**
 * True for an ordinary read-only utility (see {@link ORDINARY_UTILITIES}), from a path or a command name.
 *
 * @example
 * ```ts
 * isOrdinaryUtility('/usr/bin/tail'); // true
 * ```
 */
export function isOrdinaryUtility(pathOrComm: string): boolean {
  return ORDINARY_UTILITIES.has(basename(pathOrComm));
}
