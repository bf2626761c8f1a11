import { readFileSync } from 'node:fs';

/** Where the kernel lists the LSMs it runs (securityfs). */
export const LSM_LIST = '/sys/kernel/security/lsm';

/**
 * Whether the kernel runs the bpf LSM: `bpf` must be in the active LSM list.
 * A kernel built with CONFIG_BPF_LSM loads and attaches LSM programs even when
 * the bpf LSM is not active, but then never calls them, so the list decides.
 */
export function bpfLsmActive(list = LSM_LIST): { active: boolean; reason?: string } {
  let text: string;
  try {
    text = readFileSync(list, 'utf8').trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      active: false,
      reason:
        code === 'ENOENT'
          ? `${list} is missing (securityfs not mounted, or no LSM support): the active LSMs cannot be read`
          : `cannot read ${list}: ${(e as Error).message}`,
    };
  }
  const lsms = text.split(',').map((s) => s.trim());
  if (lsms.includes('bpf')) return { active: true };
  return {
    active: false,
    reason: `the bpf LSM is not active (${list}: ${text || 'empty'}); boot with lsm=${[...lsms.filter(Boolean), 'bpf'].join(',')}`,
  };
}
