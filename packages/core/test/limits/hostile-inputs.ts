// Hostile inputs near each input kind's limit, written to files in a stream (never built in memory),
// and the reader that reads each. Shared by the peak-memory test and bench/limits.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  CloudTrailSource,
  type EventSource,
  type INPUT_LIMITS,
  KubernetesAuditSource,
  loadDeclaredPermissions,
  OtelSpanSource,
  readBaselineFile,
  readDeclaredInput,
  readGeneralisationFile,
  readYamlFile,
} from '../../src/index.js';

/** Writes `head`, then `unit(i)` for i < count, then `tail`, in chunks of about 1 MiB. */
export async function writeStreamed(
  path: string,
  head: string | Buffer,
  unit: (i: number) => string | Buffer,
  count: number,
  tail: string | Buffer,
): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (b: string | Buffer) => {
    bytes += typeof b === 'string' ? Buffer.byteLength(b) : b.length;
    if (!out.write(b)) await once(out, 'drain');
  };
  await write(head);
  let parts: (string | Buffer)[] = [];
  let pending = 0;
  for (let i = 0; i < count; i++) {
    const u = unit(i);
    parts.push(u);
    pending += u.length;
    if (pending >= 1 << 20) {
      await write(typeof parts[0] === 'string' ? parts.join('') : Buffer.concat(parts as Buffer[]));
      parts = [];
      pending = 0;
    }
  }
  if (parts.length > 0)
    await write(typeof parts[0] === 'string' ? parts.join('') : Buffer.concat(parts as Buffer[]));
  await write(tail);
  out.end();
  await once(out, 'finish');
  return bytes;
}

async function drain(source: EventSource): Promise<number> {
  let n = 0;
  for await (const b of source) n += b.length;
  return n;
}

const MiB = 1 << 20;

/** One hostile input: how to write it, how to read it, and whether the reader must refuse it. */
export interface HostileCase {
  readonly name: string;
  readonly kind: keyof typeof INPUT_LIMITS;
  readonly what: string;
  readonly file: string;
  readonly expect: 'refused' | 'read';
  /** Peak resident memory the reading process may reach, in MiB (startup included). */
  readonly capMiB: number;
  write(path: string): Promise<number>;
  read(path: string): Promise<number>;
}

export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    name: 'baseline-json-values',
    kind: 'baseline',
    what: '120 MB of [{},{},…] (40 M values)',
    file: 'values.baseline.json',
    expect: 'refused',
    capMiB: 400,
    write: (p) => writeStreamed(p, '[', () => '{},', 40 * MiB, '{}]'),
    read: async (p) => (await readBaselineFile(p)).size,
  },
  {
    name: 'baseline-json-bytes',
    kind: 'baseline',
    what: '127 MiB of long strings (under the value limit: parsed, then refused by the schema)',
    file: 'bytes.baseline.json',
    expect: 'refused',
    capMiB: 1024,
    write: (p) => writeStreamed(p, '["', () => 'x'.repeat(1024), 127 * 1024 - 1, '"]'),
    read: async (p) => (await readBaselineFile(p)).size,
  },
  {
    name: 'baseline-msgpack-values',
    kind: 'baseline',
    what: '120 MB msgpack array of 120 M nils',
    file: 'values.baseline.vbsl',
    expect: 'refused',
    capMiB: 600,
    write: (p) =>
      writeStreamed(
        p,
        Buffer.from([0x56, 0x42, 0x53, 0x4c, 1, 0, 0xdd, 0x07, 0x27, 0x0e, 0x00]),
        () => Buffer.alloc(MiB, 0xc0),
        120,
        Buffer.alloc(0),
      ),
    read: async (p) => (await readBaselineFile(p)).size,
  },
  {
    name: 'declared-yaml-deep',
    kind: 'declared',
    what: '2 MiB of [[[[… (1 M levels)',
    file: 'deep.yaml',
    expect: 'refused',
    capMiB: 400,
    write: (p) => writeStreamed(p, '', (i) => (i < MiB ? '[' : ']'), 2 * MiB, ''),
    read: async (p) => (await loadDeclaredPermissions([p])).grants.length,
  },
  {
    name: 'declared-yaml-values',
    kind: 'declared',
    what: '32 MiB of "- a" lines (8 M values)',
    file: 'values.yaml',
    expect: 'refused',
    capMiB: 600,
    write: (p) => writeStreamed(p, '', () => '- a\n', 8 * MiB - 1, ''),
    read: async (p) => (await loadDeclaredPermissions([p])).grants.length,
  },
  {
    name: 'declared-yaml-at-limit',
    kind: 'declared',
    what: 'a List of 70 000 ConfigMaps (490 000 values, just under the limit): read',
    file: 'at-limit.yaml',
    expect: 'read',
    capMiB: 1536,
    write: (p) =>
      writeStreamed(
        p,
        'apiVersion: v1\nkind: List\nitems:\n',
        (i) => `- kind: ConfigMap\n  apiVersion: v1\n  metadata:\n    name: cm-${i}\n`,
        70_000,
        '',
      ),
    read: async (p) => (await loadDeclaredPermissions([p])).warnings.length,
  },
  {
    name: 'lockfile-json-values',
    kind: 'lockfile-json',
    what: '60 MiB package-lock.json of empty packages (36 M values)',
    file: 'package-lock.json',
    expect: 'refused',
    capMiB: 400,
    write: (p) => writeStreamed(p, '{"packages":{', (i) => `"${i % 10}":{},`, 9_000_000, '"x":{}}}'),
    read: async (p) => (await readDeclaredInput(p)).length,
  },
  {
    name: 'k8s-audit-line-values',
    kind: 'k8s-audit',
    what: 'one 4 MiB line of [1,1,…] (2 M values)',
    file: 'audit.log',
    expect: 'refused',
    capMiB: 400,
    write: (p) => writeStreamed(p, '[', () => '1,', 2 * MiB - 1, '1]\n'),
    read: (p) => drain(new KubernetesAuditSource(p)),
  },
  {
    name: 'k8s-audit-no-newline',
    kind: 'k8s-audit',
    what: '256 MiB without a line break',
    file: 'audit-long.log',
    expect: 'refused',
    capMiB: 400,
    write: (p) => writeStreamed(p, '', () => 'x'.repeat(MiB), 256, ''),
    read: (p) => drain(new KubernetesAuditSource(p)),
  },
  {
    name: 'cloudtrail-record-values',
    kind: 'cloudtrail',
    what: 'a 1 MiB record of 500 000 values',
    file: 'trail.json',
    expect: 'refused',
    capMiB: 400,
    write: (p) =>
      writeStreamed(
        p,
        '{"Records":[{"eventTime":"2025-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{},"requestParameters":[',
        () => '1,',
        500_000,
        '1]}]}',
      ),
    read: (p) => drain(new CloudTrailSource(p)),
  },
  {
    name: 'otel-json-values',
    kind: 'otel-spans',
    what: 'just under 64 MiB of [0,0,…] (32 M values)',
    file: 'spans.json',
    expect: 'refused',
    capMiB: 400,
    write: (p) => writeStreamed(p, '[', () => '0,', 32 * MiB - 2, '0]'),
    read: (p) => drain(new OtelSpanSource([p])),
  },
  {
    name: 'exceptions-yaml-values',
    kind: 'exceptions',
    what: '16 MiB of "- a" lines (4 M values)',
    file: 'exceptions.yaml',
    expect: 'refused',
    capMiB: 500,
    write: (p) => writeStreamed(p, '', () => '- a\n', 4 * MiB - 1, ''),
    read: async (p) => ((await readYamlFile(p, 'exceptions')) as unknown[]).length,
  },
  {
    name: 'generalisation-values',
    kind: 'generalisation',
    what: 'just under 1 MiB of {"rules":[{},{},…]} (350 000 values)',
    file: 'generalisation.json',
    expect: 'refused',
    capMiB: 400,
    write: (p) => writeStreamed(p, '{"rules":[', () => '{},', 349_000, '{}]}'),
    read: async (p) => (await readGeneralisationFile(p)).rules.length,
  },
];
