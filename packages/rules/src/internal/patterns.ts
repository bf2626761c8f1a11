/** The last path component. */
export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

const SHELLS = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'ash',
  'mksh',
  'busybox',
  'fish',
  'tcsh',
  'csh',
  'rbash',
]);
const INTERPRETER =
  /^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*|lua[0-9.]*|deno|bun|Rscript|tclsh[0-9.]*|pwsh|osascript)$/;

/** True for Unix shells. */
export function isShell(pathOrComm: string): boolean {
  return SHELLS.has(basename(pathOrComm));
}

/** True for script interpreters (not shells). */
export function isInterpreter(pathOrComm: string): boolean {
  return INTERPRETER.test(basename(pathOrComm));
}

/** Directories anyone can write to and that hold no installed software. */
export function isWritableTempPath(path: string): boolean {
  return (
    path.startsWith('/tmp/') ||
    path.startsWith('/var/tmp/') ||
    path.startsWith('/dev/shm/') ||
    path.startsWith('/run/shm/') ||
    path.startsWith('/dev/mqueue/')
  );
}

/** A path that names a memfd or a deleted file (fileless execution). */
export function isFilelessPath(path: string): boolean {
  return path.startsWith('/memfd:') || path.startsWith('memfd:') || path.endsWith(' (deleted)');
}

/** Kinds of secret a file can hold. */
export type SecretClass =
  | 'service-account-token'
  | 'cloud-credentials'
  | 'ssh-key'
  | 'system-auth'
  | 'credentials'
  | 'kubeconfig'
  | 'tls-key';

// One regex per class keeps the hot path to a few RegExp tests; a cheap prefilter runs first.
const SECRET_PATTERNS: readonly [SecretClass, RegExp][] = [
  [
    'service-account-token',
    /\/secrets\/(kubernetes\.io|eks\.amazonaws\.com)\/serviceaccount\/token$|^\/var\/run\/secrets\/tokens\/|^\/var\/run\/secrets\/azure\/tokens\//,
  ],
  [
    'cloud-credentials',
    /\/\.aws\/(credentials|config)$|\/\.config\/gcloud\/(application_default_credentials\.json|credentials\.db|access_tokens\.db|legacy_credentials\/)|\/\.azure\/(accessTokens\.json|msal_token_cache\.(json|bin)|azureProfile\.json)$|^\/etc\/boto\.cfg$/,
  ],
  ['ssh-key', /\/\.ssh\/(id_[a-z0-9_]+|identity)$|^\/etc\/ssh\/ssh_host_[a-z0-9_]+_key$/],
  ['system-auth', /^\/etc\/(shadow|gshadow|sudoers|master\.passwd)$|^\/etc\/sudoers\.d\//],
  [
    'kubeconfig',
    /\/\.kube\/config$|^\/etc\/kubernetes\/(admin|kubelet|controller-manager|scheduler)\.conf$|^\/var\/lib\/kubelet\/kubeconfig$/,
  ],
  ['tls-key', /^\/etc\/kubernetes\/pki\/.*\.key$|^\/etc\/ssl\/private\//],
  [
    'credentials',
    /\/\.(netrc|git-credentials|pgpass|npmrc|pypirc|vault-token|my\.cnf)$|\/\.docker\/config\.json$|\/\.config\/gh\/hosts\.yml$|\/\.gnupg\/private-keys-v1\.d\//,
  ],
];

const PREFILTER = /\/\.|^\/etc\/|secrets|^\/var\/lib\/kubelet/;

let lastPath: string | undefined;
let lastClass: SecretClass | undefined;

/** The class of secret a path holds, or undefined for ordinary files. */
export function secretClass(path: string): SecretClass | undefined {
  // Several rules ask about the same event's path in a row; remember the last answer.
  if (path === lastPath) return lastClass;
  let cls: SecretClass | undefined;
  if (PREFILTER.test(path)) {
    for (const [c, re] of SECRET_PATTERNS)
      if (re.test(path)) {
        cls = c;
        break;
      }
  }
  lastPath = path;
  lastClass = cls;
  return cls;
}

/** Loopback and unspecified addresses. */
export function isLocalAddress(addr: string): boolean {
  return (
    addr.startsWith('127.') ||
    addr === '::1' ||
    addr === '0.0.0.0' ||
    addr === '::' ||
    addr.startsWith('::ffff:127.')
  );
}

/** The cloud instance metadata service. */
export function isMetadataAddress(addr: string): boolean {
  return addr === '169.254.169.254' || addr === 'fd00:ec2::254' || addr === '::ffff:169.254.169.254';
}

/** A successful connect, or one in progress on a non-blocking socket (-EINPROGRESS). */
export function connectSucceeded(result: number): boolean {
  return result >= 0 || result === -115;
}
