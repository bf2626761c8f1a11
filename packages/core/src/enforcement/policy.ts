import { z } from 'zod';
import type { BaselineEntry, ReadonlyBaseline } from '../baseline/baseline.js';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import { safeParseDocument } from '../readers/document-value.js';
import { lazySchema } from '../schemas/lazy.js';
import { ARGS_MARK, WILDCARD } from '../vocabulary/generalise.js';

/** Version of the {@link EnforcementPolicy} document. */
export const ENFORCEMENT_POLICY_SCHEMA_VERSION = 1;

/**
 * The most rules one policy may hold per domain: the size of each in-kernel
 * allowlist map (egress IPv4, egress IPv6, exec), shared by every policy an
 * enforcer holds.
 */
export const MAX_POLICY_RULES = 65_536;

const CIDR_V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const HOST = /^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/i;

function validCidr(s: string): boolean {
  const m = CIDR_V4.exec(s);
  if (m) return m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
  const slash = s.lastIndexOf('/');
  if (slash < 0) return false;
  const bits = Number(s.slice(slash + 1));
  return Number.isInteger(bits) && bits >= 0 && bits <= 128 && parseIpv6(s.slice(0, slash)) !== undefined;
}

/**
 * One allowed egress destination: an address block (`cidr`) or a DNS name
 * (`host`, resolved when the policy is applied and kept current from the DNS
 * answers the workload receives), a port (`null`: any) and a protocol.
 *
 * @example
 * ```ts
 * const rule: EgressRule = { id: 'egress-1', protocol: 'tcp', host: 'api.openai.com', port: 443, reason: 'egress tcp api.openai.com:443 (baseline)' };
 * ```
 */
export const EgressRuleSchema = lazySchema(() =>
  z
    .object({
      id: z.string().min(1).max(128),
      protocol: z.enum(['tcp', 'udp', 'any']),
      cidr: z
        .string()
        .max(64)
        .refine(validCidr, 'expected an address block such as 10.0.0.0/8 or fd00::/8')
        .optional(),
      host: z.string().max(253).regex(HOST, 'expected a DNS name, optionally starting with "*."').optional(),
      port: z.number().int().min(1).max(65_535).nullable(),
      /** Why the rule exists: the baseline entry or gap finding it came from. */
      reason: z.string().max(1024),
    })
    .strict()
    .refine(
      (r) => (r.cidr === undefined) !== (r.host === undefined),
      'a rule has exactly one of cidr and host',
    ),
);
/** @see {@link EgressRuleSchema} */
export interface EgressRule {
  id: string;
  protocol: 'any' | 'tcp' | 'udp';
  cidr?: string | undefined;
  host?: string | undefined;
  port: number | null;
  /** Why the rule exists: the baseline entry or gap finding it came from. */
  reason: string;
}

/**
 * One allowed executable, by absolute path (resolved to its file when the
 * policy is applied: a symlink allows its target, a script its interpreter).
 *
 * @example
 * ```ts
 * const rule: ExecRule = { id: 'exec-1', path: '/usr/bin/git', reason: '/usr/bin/git <args> (baseline)' };
 * ```
 */
export const ExecRuleSchema = lazySchema(() =>
  z
    .object({
      id: z.string().min(1).max(128),
      path: z.string().min(2).max(4096).startsWith('/', 'expected an absolute path'),
      reason: z.string().max(1024),
    })
    .strict(),
);
/** @see {@link ExecRuleSchema} */
export interface ExecRule {
  id: string;
  path: string;
  reason: string;
}

/**
 * An enforcement policy for one workload: what it may connect to and what it
 * may run, as a versioned, reviewable document. Domains whose `enforce` is
 * false are not restricted.
 *
 * @example
 * ```ts
 * import { EnforcementPolicySchema } from '@vigil/core';
 *
 * const policy = EnforcementPolicySchema.parse(JSON.parse(text));
 * console.log(policy.id, policy.version, policy.egress.rules.length);
 * ```
 */
export const EnforcementPolicySchema = lazySchema(() =>
  z
    .object({
      schemaVersion: z.literal(ENFORCEMENT_POLICY_SCHEMA_VERSION),
      /** The workload (baseline subject) the policy is for. */
      id: z.string().min(1).max(512),
      /** Increases by one with every change of rules. */
      version: z.number().int().positive(),
      /** ISO 8601. */
      createdAt: z.string().datetime(),
      source: z
        .object({
          kind: z.enum(['baseline', 'gap', 'manual']),
          /** The baseline content version the rules came from. */
          baselineVersion: z.string().optional(),
          baselineStatus: z.enum(['learning', 'stable']).optional(),
        })
        .strict(),
      egress: z
        .object({
          enforce: z.boolean(),
          /** Loopback peers (127.0.0.0/8, ::1) are always allowed. */
          allowLoopback: z.boolean(),
          rules: z.array(EgressRuleSchema).max(MAX_POLICY_RULES),
        })
        .strict(),
      exec: z
        .object({
          enforce: z.boolean(),
          rules: z.array(ExecRuleSchema).max(MAX_POLICY_RULES),
        })
        .strict(),
      /** What the synthesis left out and why (wildcard names, unix sockets, file rules this kernel cannot enforce). */
      notes: z.array(z.string()),
    })
    .strict(),
);
/** @see {@link EnforcementPolicySchema} */
export interface EnforcementPolicy {
  schemaVersion: 1;
  /** The workload (baseline subject) the policy is for. */
  id: string;
  /** Increases by one with every change of rules. */
  version: number;
  /** ISO 8601. */
  createdAt: string;
  source: {
    kind: 'gap' | 'baseline' | 'manual';
    /** The baseline content version the rules came from. */
    baselineVersion?: string | undefined;
    baselineStatus?: 'learning' | 'stable' | undefined;
  };
  egress: {
    enforce: boolean;
    /** Loopback peers (127.0.0.0/8, ::1) are always allowed. */
    allowLoopback: boolean;
    rules: EgressRule[];
  };
  exec: {
    enforce: boolean;
    rules: ExecRule[];
  };
  /** What the synthesis left out and why (wildcard names, unix sockets, file rules this kernel cannot enforce). */
  notes: string[];
}

/**
 * Validates a policy document; the error names the file (when given) and
 * every problem with its path.
 *
 * @example
 * ```ts
 * const policy = parseEnforcementPolicy(JSON.parse(readFileSync('policy.json', 'utf8')), 'policy.json');
 * ```
 */
export function parseEnforcementPolicy(value: unknown, file?: string): EnforcementPolicy {
  const r = safeParseDocument(EnforcementPolicySchema, value);
  if (!r.success) throw fromZodError(r.error, 'enforcement policy', file === undefined ? {} : { file });
  return r.data;
}

/**
 * Options for {@link synthesizePolicy}.
 *
 * @example
 * ```ts
 * const options: SynthesizePolicyOptions = { previous: lastPolicy, exec: true, egress: true };
 * ```
 */
export interface SynthesizePolicyOptions {
  /** The policy this one replaces: its version is continued and unchanged rules keep their ids. */
  readonly previous?: EnforcementPolicy;
  /** Restrict egress to what the baseline saw. Default true. */
  readonly egress?: boolean;
  /** Restrict exec to the programs the baseline saw. Default true. */
  readonly exec?: boolean;
  /** Always allow loopback peers. Default true (local model servers and sidecars use ephemeral ports). */
  readonly allowLoopback?: boolean;
  /** Synthesise from a baseline that is still learning (the policy records it). Default false. */
  readonly allowLearning?: boolean;
  /** Clock for `createdAt`, ms since the epoch. */
  readonly now?: number;
}

function isPlaceholder(seg: string): boolean {
  return seg === WILDCARD || (seg.startsWith('<') && seg.endsWith('>'));
}

/** An IPv6 address in 8 groups, or undefined. */
function parseIpv6(s: string): number[] | undefined {
  if (!/^[0-9a-f:.]+$/i.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const part = (h: string) => (h === '' ? [] : h.split(':'));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    out.push(Number.parseInt(g, 16));
  }
  return out.length === 8 ? out : undefined;
}

/** An egress rule (without id) from a baseline peer pattern, or the reason it cannot be one. */
function egressFromPattern(entry: BaselineEntry): Omit<EgressRule, 'id'> | string {
  const segs = entry.pattern;
  if (segs[0] !== 'egress') return 'not an egress entry';
  const proto = segs[1] === 'tcp' || segs[1] === 'udp' ? segs[1] : 'any';
  const last = segs[segs.length - 1] ?? '';
  const hasPort = last.startsWith(':');
  const portText = hasPort ? last.slice(1) : '';
  const port =
    /^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65_535
      ? Number(portText)
      : null;
  const body = segs.slice(2, hasPort ? -1 : undefined);
  const reason = `${entry.display} (baseline)`;
  switch (body[0]) {
    case 'ip4': {
      const octets = body.slice(1, 5);
      let bits = 0;
      const addr: string[] = [];
      for (const o of octets) {
        if (isPlaceholder(o)) break;
        if (!/^\d{1,3}$/.test(o) || Number(o) > 255) return `unreadable address in ${entry.display}`;
        addr.push(o);
        bits += 8;
      }
      while (addr.length < 4) addr.push('0');
      return { protocol: proto, cidr: `${addr.join('.')}/${bits}`, port, reason };
    }
    case 'ip6': {
      const groups = body.slice(1, 9);
      let bits = 0;
      const addr: string[] = [];
      for (const g of groups) {
        if (isPlaceholder(g)) break;
        if (!/^[0-9a-f]{1,4}$/i.test(g)) return `unreadable address in ${entry.display}`;
        addr.push(g);
        bits += 16;
      }
      while (addr.length < 8) addr.push('0');
      return { protocol: proto, cidr: `${addr.join(':')}/${bits}`, port, reason };
    }
    case 'dns': {
      const labels = body.slice(1).reverse();
      if (labels.length === 0) return `no name in ${entry.display}`;
      const inner = labels.slice(1);
      if (inner.some(isPlaceholder) || (labels[0] !== WILDCARD && isPlaceholder(labels[0]!)))
        return `${entry.display}: a generalised name inside the domain cannot be resolved; it is enforced only through the addresses it matched`;
      const host = labels.map((l) => (l === WILDCARD ? '*' : l.replace(/^\\\*/, '*'))).join('.');
      return { protocol: proto, host, port, reason };
    }
    case 'unix':
      return `${entry.display}: unix sockets are not network egress and are not restricted`;
    default:
      return `${entry.display}: not an address or a DNS name`;
  }
}

/** The executable path an entry allows (possibly several, from its examples), or the reason there is none. */
function execPaths(entry: BaselineEntry): string[] | string {
  const mark = entry.pattern.indexOf(ARGS_MARK);
  const segs = mark >= 0 ? entry.pattern.slice(0, mark) : entry.pattern;
  if (segs.length > 0 && !segs.some(isPlaceholder)) return [`/${segs.join('/')}`];
  const fromExamples = new Set<string>();
  for (const ex of entry.examples) {
    const path = ex.split(' ')[0] ?? '';
    if (path.startsWith('/')) fromExamples.add(path);
  }
  if (fromExamples.size > 0) return [...fromExamples];
  return `${entry.display}: a generalised program path with no concrete example; not allowed`;
}

/** The identity of an egress rule: what it allows (id and reason aside). Internal to the enforcement folder. */
export function egressKey(r: Omit<EgressRule, 'id' | 'reason'>): string {
  return `${r.protocol}|${r.cidr ?? ''}|${r.host ?? ''}|${r.port ?? '*'}`;
}

function execKey(r: Pick<ExecRule, 'path'>): string {
  return r.path;
}

/**
 * Synthesises an enforcement policy from a stable baseline: an egress
 * allowlist from the peers it saw (addresses and blocks, DNS names, ports)
 * and an exec allowlist from the programs it ran. What cannot be expressed
 * (a generalised name, unix sockets, file rules, which need BPF-LSM) is left
 * out and said in `notes`. With `previous`, unchanged rules
 * keep their ids and the version goes up only when the rules change.
 *
 * Throws `INPUT_INVALID` for a baseline still learning, unless `allowLearning`.
 *
 * @example
 * ```ts
 * import { diffPolicies, synthesizePolicy } from '@vigil/core';
 *
 * const policy = synthesizePolicy(baseline);
 * const next = synthesizePolicy(relearned, { previous: policy });
 * console.log(diffPolicies(policy, next).summary);
 * ```
 */
export function synthesizePolicy(
  baseline: ReadonlyBaseline,
  options: SynthesizePolicyOptions = {},
): EnforcementPolicy {
  if (baseline.status !== 'stable' && options.allowLearning !== true)
    throw new VigilError(
      'INPUT_INVALID',
      `the baseline of ${baseline.subject} is still learning: a policy from it would block behaviour it has not seen yet (mark it stable after review, or allow a learning baseline explicitly)`,
    );
  const prev = options.previous;
  const notes: string[] = [];
  const prevEgress = new Map((prev?.egress.rules ?? []).map((r) => [egressKey(r), r.id]));
  const prevExec = new Map((prev?.exec.rules ?? []).map((r) => [execKey(r), r.id]));
  let nextId =
    1 + Math.max(0, ...[...(prev?.egress.rules ?? []), ...(prev?.exec.rules ?? [])].map(ruleNumber));
  const id = (kind: string, existing: string | undefined) => existing ?? `${kind}-${nextId++}`;

  const egress = new Map<string, EgressRule>();
  for (const entry of baseline.peers()) {
    if (entry.pattern[0] !== 'egress') continue;
    const r = egressFromPattern(entry);
    if (typeof r === 'string') {
      notes.push(r);
      continue;
    }
    const key = egressKey(r);
    if (!egress.has(key)) egress.set(key, { id: id('egress', prevEgress.get(key)), ...r });
  }
  const exec = new Map<string, ExecRule>();
  for (const entry of baseline.processes()) {
    const paths = execPaths(entry);
    if (typeof paths === 'string') {
      notes.push(paths);
      continue;
    }
    for (const path of paths) {
      const key = execKey({ path });
      if (!exec.has(key))
        exec.set(key, { id: id('exec', prevExec.get(key)), path, reason: `${entry.display} (baseline)` });
    }
  }
  if (baseline.files().length > 0)
    notes.push(
      `${baseline.files().length} file patterns are not enforced: file rules need BPF-LSM (file_open), which the enforcer does not use; they stay detections (drift and the rule packs)`,
    );
  const quarantined = baseline.quarantined().length;
  if (quarantined > 0)
    notes.push(
      `${quarantined} quarantined behaviours are not allowed: admit them in the baseline after review to allow them`,
    );

  const egressRules = [...egress.values()].sort((a, b) => egressKey(a).localeCompare(egressKey(b)));
  const execRules = [...exec.values()].sort((a, b) => a.path.localeCompare(b.path));
  for (const [name, n] of [
    ['egress', egressRules.length],
    ['exec', execRules.length],
  ] as const)
    if (n > MAX_POLICY_RULES)
      throw new VigilError(
        'INPUT_INVALID',
        `the ${name} allowlist would hold ${n} rules, over the ${MAX_POLICY_RULES}-entry map limit`,
      );

  const draft: EnforcementPolicy = {
    schemaVersion: ENFORCEMENT_POLICY_SCHEMA_VERSION,
    id: baseline.subject,
    version: prev?.version ?? 1,
    createdAt: new Date(options.now ?? Date.now()).toISOString(),
    source: { kind: 'baseline', baselineVersion: baseline.version, baselineStatus: baseline.status },
    egress: {
      enforce: options.egress ?? true,
      allowLoopback: options.allowLoopback ?? true,
      rules: egressRules,
    },
    exec: { enforce: options.exec ?? true, rules: execRules },
    notes,
  };
  if (prev && !diffPolicies(prev, draft).unchanged) draft.version = prev.version + 1;
  return EnforcementPolicySchema.parse(draft);
}

/** The number at the end of a rule id (`egress-12` → 12), 0 when there is none. Internal to the enforcement folder. */
export function ruleNumber(r: { id: string }): number {
  const m = /-(\d+)$/.exec(r.id);
  return m ? Number(m[1]) : 0;
}

/**
 * What changed between two versions of a policy.
 *
 * @example
 * ```ts
 * const d: PolicyDiff = diffPolicies(before, after);
 * if (!d.unchanged) console.log(d.summary);
 * ```
 */
export interface PolicyDiff {
  readonly unchanged: boolean;
  readonly egressAdded: readonly EgressRule[];
  readonly egressRemoved: readonly EgressRule[];
  readonly execAdded: readonly ExecRule[];
  readonly execRemoved: readonly ExecRule[];
  /** Settings that changed, as `name: before → after`. */
  readonly settings: readonly string[];
  /** One line per change, for people. */
  readonly summary: string;
}

/**
 * Compares two policies rule by rule (ids and reasons aside: a rule is what it allows).
 *
 * @example
 * ```ts
 * const d = diffPolicies(v1, v2);
 * for (const r of d.egressAdded) console.log('+', r.host ?? r.cidr, r.port ?? 'any');
 * ```
 */
export function diffPolicies(before: EnforcementPolicy, after: EnforcementPolicy): PolicyDiff {
  const minus = <T>(a: readonly T[], b: readonly T[], key: (t: T) => string) => {
    const keys = new Set(b.map(key));
    return a.filter((x) => !keys.has(key(x)));
  };
  const egressAdded = minus(after.egress.rules, before.egress.rules, egressKey);
  const egressRemoved = minus(before.egress.rules, after.egress.rules, egressKey);
  const execAdded = minus(after.exec.rules, before.exec.rules, execKey);
  const execRemoved = minus(before.exec.rules, after.exec.rules, execKey);
  const settings: string[] = [];
  const cmp = (name: string, a: unknown, b: unknown) => {
    if (a !== b) settings.push(`${name}: ${String(a)} → ${String(b)}`);
  };
  cmp('egress.enforce', before.egress.enforce, after.egress.enforce);
  cmp('egress.allowLoopback', before.egress.allowLoopback, after.egress.allowLoopback);
  cmp('exec.enforce', before.exec.enforce, after.exec.enforce);
  const show = (r: EgressRule) => `${r.protocol} ${r.host ?? r.cidr}:${r.port ?? '*'}`;
  const lines = [
    ...egressAdded.map((r) => `+ egress ${show(r)}`),
    ...egressRemoved.map((r) => `- egress ${show(r)}`),
    ...execAdded.map((r) => `+ exec ${r.path}`),
    ...execRemoved.map((r) => `- exec ${r.path}`),
    ...settings.map((s) => `~ ${s}`),
  ];
  const unchanged = lines.length === 0;
  return {
    unchanged,
    egressAdded,
    egressRemoved,
    execAdded,
    execRemoved,
    settings,
    summary: unchanged ? 'no change' : lines.join('\n'),
  };
}

/**
 * Parses an address block as an egress rule's `cidr` holds it into its family,
 * address bytes and prefix length (what the in-kernel allowlist stores).
 *
 * @example
 * ```ts
 * parseCidr('10.0.0.0/8'); // { family: 4, bytes: Uint8Array [10, 0, 0, 0], bits: 8 }
 * ```
 */
export function parseCidr(cidr: string): { family: 4 | 6; bytes: Uint8Array; bits: number } {
  const m = CIDR_V4.exec(cidr);
  if (m) {
    const bytes = Uint8Array.from(m.slice(1, 5).map(Number));
    return { family: 4, bytes, bits: Number(m[5]) };
  }
  const slash = cidr.lastIndexOf('/');
  const groups = slash > 0 ? parseIpv6(cidr.slice(0, slash)) : undefined;
  const bits = Number(cidr.slice(slash + 1));
  if (!groups || !Number.isInteger(bits) || bits < 0 || bits > 128)
    throw new VigilError('INPUT_INVALID', `not an address block: ${JSON.stringify(cidr)}`);
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return { family: 6, bytes, bits };
}

function inCidr(addr: string, cidr: string): boolean {
  let a: ReturnType<typeof parseCidr>;
  let c: ReturnType<typeof parseCidr>;
  try {
    a = parseCidr(`${addr}/${addr.includes(':') ? 128 : 32}`);
    c = parseCidr(cidr);
  } catch {
    return false;
  }
  if (a.family !== c.family) return false;
  for (let bit = 0; bit < c.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((a.bytes[byte]! & mask) !== (c.bytes[byte]! & mask)) return false;
  }
  return true;
}

function hostMatches(pattern: string, name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) return n.endsWith(p.slice(1)) && n.length > p.length - 1;
  return n === p;
}

function isLoopback(addr: string): boolean {
  return /^127\./.test(addr) || addr === '::1' || /^::ffff:127\./i.test(addr);
}

/**
 * What a policy decides for one event, evaluated in user space the way the
 * kernel programs decide: a connect is allowed when a rule's block (or, for
 * a name rule, the event's DNS name) and port match, or it is a loopback peer
 * and loopback is allowed; an exec when its path is listed. Other events are
 * not restricted. Use it to try a policy on captures before enforcing it.
 *
 * @example
 * ```ts
 * const v = policyVerdict(policy, ev);
 * if (!v.allowed) console.log('would block', ev.kind, v.reason);
 * ```
 */
export function policyVerdict(
  policy: EnforcementPolicy,
  event: VigilEvent | { kind: string; [k: string]: unknown },
): { allowed: boolean; rule?: string; reason: string } {
  if (event.kind === 'net.connect') {
    if (!policy.egress.enforce) return { allowed: true, reason: 'egress is not enforced' };
    const family = event['family'];
    if (family === 'unix') return { allowed: true, reason: 'unix sockets are not restricted' };
    const daddr = String(event['daddr'] ?? '');
    const dport = Number(event['dport']);
    const protocol = String(event['protocol'] ?? '');
    if (policy.egress.allowLoopback && isLoopback(daddr)) return { allowed: true, reason: 'loopback peer' };
    const name = typeof event['dnsName'] === 'string' ? (event['dnsName'] as string) : undefined;
    for (const r of policy.egress.rules) {
      if (r.protocol !== 'any' && r.protocol !== protocol) continue;
      if (r.port !== null && r.port !== dport) continue;
      if (r.cidr !== undefined ? inCidr(daddr, r.cidr) : name !== undefined && hostMatches(r.host!, name))
        return { allowed: true, rule: r.id, reason: r.reason };
    }
    return {
      allowed: false,
      rule: 'egress.default-deny',
      reason: `${protocol} ${daddr}:${dport} is in no egress rule`,
    };
  }
  if (event.kind === 'process.exec') {
    if (!policy.exec.enforce) return { allowed: true, reason: 'exec is not enforced' };
    const path = String(event['filename'] ?? '');
    const r = policy.exec.rules.find((x) => x.path === path);
    return r
      ? { allowed: true, rule: r.id, reason: r.reason }
      : { allowed: false, rule: 'exec.default-deny', reason: `${path} is in no exec rule` };
  }
  return { allowed: true, reason: 'not restricted by enforcement policies' };
}
