import { recentSecret, rememberPathSecret } from './internal/noted-secrets.js';

/** Notes a path's credential class for the engine; the baseline's coverage cache calls it (not exported from the package). */
export { notePathSecret } from './internal/noted-secrets.js';

/**
 * Kinds of secret a file can hold.
 *
 * @example
 * ```ts
 * const cls: SecretClass | undefined = secretClass('/root/.ssh/id_ed25519'); // 'ssh-key'
 * ```
 */
export type SecretClass =
  | 'service-account-token'
  | 'cloud-credentials'
  | 'ssh-key'
  | 'system-auth'
  | 'credentials'
  | 'kubeconfig'
  | 'tls-key';

/**
 * The one table of credential paths, one pattern per {@link SecretClass}: what
 * every detector, learner and rule asks through {@link secretClass} and
 * {@link isCredentialPath}.
 *
 * @example
 * ```ts
 * for (const [cls, re] of CREDENTIAL_PATHS) if (re.test(path)) console.log(cls);
 * ```
 */
export const CREDENTIAL_PATHS: readonly (readonly [SecretClass, RegExp])[] = Object.freeze([
  [
    'service-account-token',
    /\/secrets\/(kubernetes\.io|eks\.amazonaws\.com)\/serviceaccount\/token$|^\/(?:var\/)?run\/secrets\/tokens\/|^\/(?:var\/)?run\/secrets\/azure\/tokens\//,
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
    /^\/(?:var\/)?run\/secrets\/[^/]+$|\/\.(netrc|git-credentials|pgpass|npmrc|pypirc|vault-token|my\.cnf)$|\/\.docker\/config\.json$|\/\.config\/gh\/hosts\.yml$|\/\.gnupg\/private-keys-v1\.d\//,
  ],
] as const);

/**
 * Where Kubernetes mounts a pod's service-account token (and the projected
 * tokens of workload identity): the first step of token → API server chains.
 *
 * @example
 * ```ts
 * isServiceAccountTokenPath('/var/run/secrets/kubernetes.io/serviceaccount/token'); // true
 * ```
 */
export function isServiceAccountTokenPath(path: string): boolean {
  return secretClass(path) === 'service-account-token';
}

// Most paths are ordinary: a cheap test rules them out before the per-class patterns run.
const PREFILTER = /\/\.|^\/etc\/|secrets|^\/var\/lib\/kubelet/;

/**
 * The class of secret a path holds, or undefined for ordinary files.
 *
 * @example
 * ```ts
 * secretClass('/home/a/.aws/credentials'); // 'cloud-credentials'
 * secretClass('/etc/hostname'); // undefined
 * ```
 */
export function secretClass(path: string): SecretClass | undefined {
  const code = secretCode(path);
  return code === 1 ? undefined : CREDENTIAL_PATHS[code - 2]![0];
}

/**
 * `path`'s credential class as a small code for caches that keep it beside other bits: 1 an ordinary
 * path, 2 and up the class's index in {@link CREDENTIAL_PATHS} plus 2 (0 is left for "not known").
 */
export function secretCode(path: string): number {
  // Drift has usually just looked the same path up and noted its class; several consumers ask in a row.
  const noted = recentSecret(path);
  if (noted !== 0) return noted;
  let code = 1;
  if (PREFILTER.test(path)) {
    for (let i = 0; i < CREDENTIAL_PATHS.length; i++)
      if (CREDENTIAL_PATHS[i]![1].test(path)) {
        code = i + 2;
        break;
      }
  }
  rememberPathSecret(path, code);
  return code;
}

/**
 * True when reading `path` exposes a credential (service-account tokens, cloud keys, SSH keys, …).
 *
 * @example
 * ```ts
 * isCredentialPath('/var/run/secrets/kubernetes.io/serviceaccount/token'); // true
 * ```
 */
export function isCredentialPath(path: string): boolean {
  return secretClass(path) !== undefined;
}
