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
