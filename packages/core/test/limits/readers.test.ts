import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CloudTrailSource,
  type EventSource,
  KubernetesAuditSource,
  loadDeclaredPermissions,
  OtelSpanSource,
  readBaselineFile,
  readBaselines,
  readDeclaredInput,
  readGeneralisationFile,
  VigilError,
} from '../../src/index.js';

// File I/O per run: fewer runs than the pure properties.
const RUNS = Math.max(20, Math.floor(Number(process.env.VIGIL_PROPERTY_RUNS ?? 200) / 4));
const dir = mkdtempSync(join(tmpdir(), 'vigil-readers-'));
let n = 0;

const input = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
);

async function drain(source: EventSource): Promise<number> {
  let events = 0;
  for await (const batch of source) events += batch.length;
  return events;
}

type Outcome = { ok: number } | { err: unknown };
async function outcome(f: () => Promise<number>): Promise<Outcome> {
  try {
    return { ok: await f() };
  } catch (err) {
    return { err };
  }
}

function namesFile(o: Outcome, file: string): void {
  if ('err' in o) {
    expect(o.err).toBeInstanceOf(VigilError);
    expect((o.err as VigilError).location?.file).toBe(file);
    expect((o.err as VigilError).message.startsWith(file)).toBe(true);
  }
}

function json(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

const readers: Record<
  string,
  {
    name: string;
    read: (f: string) => Promise<number>;
    empty?: (b: Buffer) => boolean;
    prefix?: Buffer;
  }
> = {
  baseline: { name: 'b.json', read: async (f) => (await readBaselineFile(f)).size },
  // The same bytes behind the msgpack prefix: the streaming header walk sees arbitrary input.
  'baseline-msgpack': {
    name: 'b.vbsl',
    prefix: Buffer.from([0x56, 0x42, 0x53, 0x4c, 1, 0]),
    read: async (f) => (await readBaselines(f)).size,
  },
  generalisation: { name: 'gen.json', read: async (f) => (await readGeneralisationFile(f)).rules.length + 1 },
  declared: {
    name: 'd.yaml',
    read: async (f) => {
      const d = await loadDeclaredPermissions([f]);
      return d.grants.length + d.warnings.length + d.subjects.length + d.inputs.length;
    },
  },
  cloudtrail: {
    name: 'ct.json',
    read: (f) => drain(new CloudTrailSource(f)),
    // Only an explicitly empty list of records reads as nothing.
    empty: (b) => {
      const v = json(b);
      return (
        (Array.isArray(v) && v.length === 0) ||
        (v !== null &&
          typeof v === 'object' &&
          Array.isArray((v as { Records?: unknown }).Records) &&
          (v as { Records: unknown[] }).Records.length === 0)
      );
    },
  },
  'k8s-audit': {
    name: 'audit.log',
    read: async (f) => {
      const s = new KubernetesAuditSource(f);
      const events = await drain(s);
      return events + s.skippedStages;
    },
    // An EventList with no items is the only JSON that holds no events.
    empty: (b) => {
      const v = json(b);
      return v !== null && typeof v === 'object' && (v as { kind?: unknown }).kind === 'EventList';
    },
  },
  otel: { name: 'spans.json', read: (f) => drain(new OtelSpanSource([f])).then((x) => x + 1) },
  pyproject: { name: 'pyproject.toml', read: async (f) => (await readDeclaredInput(f)).length + 1 },
  'package-lock': { name: 'package-lock.json', read: async (f) => (await readDeclaredInput(f)).length + 1 },
  'mcp-config': { name: 'mcp.json', read: async (f) => (await readDeclaredInput(f)).length + 1 },
};

describe('every reader on arbitrary bytes', () => {
  for (const [kind, r] of Object.entries(readers))
    it(`${kind}: gives output or a VigilError naming the file; never nothing without saying so`, async () => {
      await fc.assert(
        fc.asyncProperty(input, async (bytes) => {
          const f = join(dir, `${n++}-${r.name}`);
          writeFileSync(f, r.prefix ? Buffer.concat([r.prefix, bytes]) : bytes);
          const o = await outcome(() => r.read(f));
          namesFile(o, f);
          if ('ok' in o && o.ok === 0 && r.empty)
            expect(r.empty(bytes), bytes.toString('utf8').slice(0, 80)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });
});
