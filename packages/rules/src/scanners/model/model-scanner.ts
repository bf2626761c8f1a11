import { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { type Evidence, type Severity, VigilError } from '@vigil/core';
import type {
  ArtifactDetection,
  ArtifactLocation,
  ArtifactRef,
  ArtifactScanner,
  ScanContext,
} from '../scanner.js';
import { inspectChatTemplate } from './chat-template.js';
import { inspectGgufSource } from './gguf.js';
import { type ByteSource, collect, le, openFileSource } from './internal/byte-source.js';
import { findModelConfigJson, hasHdf5Magic } from './internal/hdf5.js';
import { isTarHeader, readTarEntries } from './internal/tar.js';
import { readZipDirectory, type ZipEntry, zipEntryChunks } from './internal/zip.js';
import { inspectKerasConfig } from './keras.js';
import { NPY_MAX_HEADER, parseNpyHeader } from './numpy.js';
import { disassemblePickle, type PickleDisassembly, PickleStreamDisassembler } from './pickle.js';
import { MODEL_RULE, MODEL_RULES } from './rules.js';
import { inspectSafetensorsHeader, SAFETENSORS_MAX_HEADER } from './safetensors.js';

/**
 * A model-file format, recognised from content.
 *
 * @example
 * ```ts
 * const f: ModelFormat = detectModelFormat(head, size); // 'pytorch-legacy'
 * ```
 */
export type ModelFormat =
  | 'pickle'
  | 'pytorch-legacy'
  | 'zip'
  | 'tar'
  | 'npy'
  | 'safetensors'
  | 'gguf'
  | 'hdf5'
  | 'gzip'
  | 'zlib'
  | 'unknown';

const TORCH_LEGACY_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];
const startsWith = (b: Uint8Array, m: readonly number[], at = 0) => m.every((x, i) => b[at + i] === x);
// Opcodes a protocol 0/1 pickle starts with: MARK, GLOBAL, empty containers, NONE, and the text scalars.
const PY_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const TEXT_PICKLE_START = new Set([0x28, 0x63, 0x5d, 0x7d, 0x29, 0x4e, 0x49, 0x4c, 0x46, 0x53, 0x56, 0x69]);

/**
 * Recognises a model-file format from a file's first bytes and size, by
 * magic numbers and structure (never by extension).
 *
 * @example
 * ```ts
 * detectModelFormat(new Uint8Array([0x80, 0x04, 0x4e, 0x2e]), 4); // 'pickle'
 * ```
 */
export function detectModelFormat(head: Uint8Array, size: number): ModelFormat {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(head, [0x47, 0x47, 0x55, 0x46])) return 'gguf';
  if (startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return 'npy';
  if (
    hasHdf5Magic(head, 0) ||
    hasHdf5Magic(head, 512) ||
    hasHdf5Magic(head, 1024) ||
    hasHdf5Magic(head, 2048)
  )
    return 'hdf5';
  if (startsWith(head, TORCH_LEGACY_MAGIC)) return 'pytorch-legacy';
  if (isTarHeader(head)) return 'tar';
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (head[0] === 0x80 && head.length > 1 && head[1]! <= 5) return 'pickle';
  if (size >= 10 && head.length >= 10 && head[8] === 0x7b && (head[9] === 0x22 || head[9] === 0x7d)) {
    // The header length is validated later; here it only has to be plausible (below 2^48).
    if (le.u32(head, 4) < 0x10000 && le.u64(head, 0) >= 2) return 'safetensors';
  }
  if (head.length >= 2 && TEXT_PICKLE_START.has(head[0]!)) {
    const d = disassemblePickle(head, { listing: false, maxPickles: 1 });
    const fatal = d.issues.some((i) => !i.message.includes('truncated'));
    // Text that happens to decode (`(c) 2020 …` is MARK then GLOBAL) names no importable module.
    const importable = d.globals.every((g) => g.resolved && PY_NAME.test(g.module) && PY_NAME.test(g.name));
    if (!fatal && d.opCount >= 2 && importable) return 'pickle';
  }
  if (
    head[0] === 0x78 &&
    head.length > 1 &&
    (head[1] === 0x01 || head[1] === 0x5e || head[1] === 0x9c || head[1] === 0xda)
  )
    return 'zlib';
  return 'unknown';
}

/** Extensions model files use, and the formats their content may have. */
const EXTENSIONS: Readonly<Record<string, readonly ModelFormat[]>> = {
  safetensors: ['safetensors'],
  gguf: ['gguf'],
  npy: ['npy'],
  npz: ['zip'],
  keras: ['zip', 'hdf5'],
  h5: ['hdf5'],
  hdf5: ['hdf5'],
  pt: ['zip', 'pickle', 'pytorch-legacy', 'tar'],
  pth: ['zip', 'pickle', 'pytorch-legacy', 'tar'],
  ckpt: ['zip', 'pickle', 'pytorch-legacy', 'tar'],
  bin: [],
  pkl: ['pickle', 'gzip', 'zlib', 'zip'],
  pickle: ['pickle', 'gzip', 'zlib', 'zip'],
  joblib: ['pickle', 'gzip', 'zlib', 'zip'],
  dill: ['pickle', 'gzip', 'zlib'],
  sav: ['pickle', 'gzip', 'zlib'],
  dat: [],
  data: [],
  mar: ['zip'],
};
/** Formats that carry pickles or code: finding one behind a data-only extension is worse. */
const CODE_CARRYING = new Set<ModelFormat>(['pickle', 'pytorch-legacy', 'zip', 'tar', 'gzip', 'zlib', 'npy']);

/** The extension that names the format; a compression suffix (`model.joblib.gz`) gives way to the one before it. */
const extOf = (path: string) => {
  const parts = path
    .slice(path.lastIndexOf('/') + 1)
    .toLowerCase()
    .split('.')
    .slice(1);
  const last = parts.at(-1) ?? '';
  return (last === 'gz' || last === 'z') && parts.length > 1 ? parts.at(-2)! : last;
};
const MODELISH_ENTRY =
  /(^|\/)(data\.pkl|[^/]*\.(pkl|pickle|npy)|config\.json|metadata\.json|sys_info|pickle|storages|tensors)$/;

function firstZipName(head: Uint8Array): string {
  if (head.length < 30) return '';
  const n = le.u16(head, 26);
  return new TextDecoder('latin1').decode(head.subarray(30, Math.min(head.length, 30 + n)));
}

const PICKLE_ENTRY = /\.(pkl|pickle)$/i;
const NPY_ENTRY = /\.npy$/i;

class Budget {
  expanded = 0;
  readonly started = Date.now();
  constructor(
    readonly ctx: ScanContext,
    readonly uri: string,
  ) {}
  check(): void {
    if (this.ctx.signal?.aborted)
      throw new VigilError('ABORTED', 'scan aborted', { location: { file: this.uri } });
    if (Date.now() - this.started > this.ctx.limits.timeoutMs)
      throw new LimitReached(`time budget of ${this.ctx.limits.timeoutMs} ms`);
  }
}
class LimitReached extends Error {}

interface Where {
  readonly uri: string;
  readonly entry?: string;
}

class ModelScan {
  readonly #seen = new Set<string>();
  constructor(
    readonly ctx: ScanContext,
    readonly budget: Budget,
  ) {}

  report(
    ruleId: string,
    subject: string,
    summary: string,
    where: Where,
    extra: { byteOffset?: number; jsonPointer?: string; severity?: Severity; evidence?: Evidence[] } = {},
  ): void {
    const key = `${ruleId}\u0000${where.entry ?? ''}\u0000${subject}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    const location: ArtifactLocation = {
      uri: where.uri,
      ...(where.entry !== undefined ? { entry: where.entry } : {}),
      ...(extra.byteOffset !== undefined ? { byteOffset: extra.byteOffset } : {}),
      ...(extra.jsonPointer !== undefined ? { jsonPointer: extra.jsonPointer } : {}),
    };
    const d: ArtifactDetection = {
      ruleId,
      subject,
      summary,
      location,
      ...(extra.severity !== undefined ? { severity: extra.severity } : {}),
      ...(extra.evidence !== undefined ? { evidence: extra.evidence } : {}),
    };
    this.ctx.report(d);
  }

  name(where: Where): string {
    return where.entry !== undefined ? `${where.uri}:${where.entry}` : where.uri;
  }

  malformed(err: unknown, where: Where, rule: string = MODEL_RULE.modelMalformed): void {
    if (err instanceof LimitReached) {
      this.report(
        MODEL_RULE.limit,
        err.message,
        `${this.name(where)}: scanning stopped at the ${err.message}`,
        where,
      );
      return;
    }
    if (!(err instanceof VigilError) || err.code === 'ABORTED' || err.code === 'IO') throw err;
    const message = err.message.replace(/^[^:]*: /, '');
    this.report(rule, message.slice(0, 120), `${this.name(where)}: ${message}`, where, {
      ...(err.location?.offset !== undefined ? { byteOffset: err.location.offset } : {}),
    });
  }

  /** Feeds a stream to the pickle disassembler and reports what it found. */
  async pickle(
    chunks: AsyncIterable<Uint8Array>,
    where: Where,
    options: { maxPickles?: number; base?: number } = {},
  ): Promise<void> {
    const d = new PickleStreamDisassembler({
      listing: false,
      maxDepth: this.ctx.limits.maxDepth,
      ...(options.maxPickles !== undefined ? { maxPickles: options.maxPickles } : {}),
    });
    try {
      for await (const c of chunks) {
        this.budget.check();
        d.push(c);
        if (d.done) break;
      }
    } catch (err) {
      // What was decoded before the container failed still counts; the stream's own end does not.
      this.reportPickle(d.end(), where, options.base ?? 0, false);
      throw err;
    }
    this.reportPickle(d.end(), where, options.base ?? 0);
  }

  /** Disassembles `[start, start + length)` of a source, seeking past large payloads instead of reading them. */
  async pickleAt(
    src: ByteSource,
    start: number,
    length: number,
    where: Where,
    options: { maxPickles?: number } = {},
  ): Promise<void> {
    const d = new PickleStreamDisassembler({
      listing: false,
      maxDepth: this.ctx.limits.maxDepth,
      ...(options.maxPickles !== undefined ? { maxPickles: options.maxPickles } : {}),
    });
    const end = start + length;
    let at = start;
    try {
      while (at < end && !d.done) {
        this.budget.check();
        const skip = Math.min(d.skippable, end - at);
        if (skip > 0) {
          d.skip(skip);
          at += skip;
          continue;
        }
        const c = await src.read(at, Math.min(1 << 20, end - at));
        if (c.length === 0) break;
        d.push(c);
        at += c.length;
      }
    } catch (err) {
      this.reportPickle(d.end(), where, start, false);
      throw err;
    }
    this.reportPickle(d.end(), where, start);
  }

  reportPickle(dis: PickleDisassembly, where: Where, base: number, issues = true): void {
    const name = this.name(where);
    for (const g of dis.globals) {
      if (g.rating.verdict === 'safe') continue;
      const target = `${g.rating.module}.${g.rating.name}`;
      const calls = dis.calls
        .filter((c) => c.target === target || c.target.startsWith(`${target}(`))
        .slice(0, 3);
      const how =
        g.via === 'getattr'
          ? ` reached through a getattr/__import__ chain`
          : g.module !== g.rating.module
            ? ` (written as ${g.module}.${g.name})`
            : '';
      const called =
        calls.length > 0 ? `, and calls it through ${calls[0]!.op} at byte ${base + calls[0]!.offset}` : '';
      const evidence: Evidence[] = calls.map((c) => ({
        type: 'artifact',
        uri: where.uri,
        ...(where.entry !== undefined ? { path: where.entry } : {}),
        description: `${c.op} at byte ${base + c.offset}: ${c.target}(${c.args})`,
      }));
      const dangerous = g.rating.verdict === 'dangerous';
      this.report(
        dangerous ? MODEL_RULE.dangerousImport : MODEL_RULE.unknownImport,
        g.resolved ? target : `<computed import at byte ${base + g.offset}>`,
        `${name} imports ${g.resolved ? target : 'a name computed at load time'}${how} (${g.rating.reason})${called}`,
        where,
        {
          byteOffset: base + g.offset,
          ...(g.rating.severity ? { severity: g.rating.severity } : {}),
          evidence,
        },
      );
    }
    for (const c of dis.calls)
      if (c.onGlobal)
        this.report(
          MODEL_RULE.globalOverwrite,
          c.target,
          `${name} sets attributes on the imported ${c.target.replace(/\.__setstate__$/, '')} with BUILD at byte ${base + c.offset}`,
          where,
          { byteOffset: base + c.offset },
        );
    for (const i of issues ? dis.issues : []) {
      this.report(
        i.limit ? MODEL_RULE.limit : MODEL_RULE.pickleMalformed,
        i.message,
        `${name}: pickle ${i.limit ? 'scan bound reached' : 'malformed'} at byte ${base + i.offset}: ${i.message}`,
        where,
        { byteOffset: base + i.offset },
      );
      break;
    }
  }

  async npy(head: Uint8Array, rest: AsyncIterable<Uint8Array>, size: number, where: Where): Promise<void> {
    const h = parseNpyHeader(head);
    if (typeof h === 'string') {
      this.report(MODEL_RULE.modelMalformed, h, `${this.name(where)}: ${h}`, where, { byteOffset: 0 });
      return;
    }
    if (h.hasObject) {
      const tail = head.subarray(h.dataOffset);
      await this.pickle(
        (async function* () {
          if (tail.length > 0) yield tail;
          yield* rest;
        })(),
        where,
        { base: h.dataOffset },
      );
      return;
    }
    if (h.dataBytes !== undefined && size - h.dataOffset !== h.dataBytes)
      this.report(
        MODEL_RULE.modelMalformed,
        'data size',
        `${this.name(where)}: holds ${size - h.dataOffset} data bytes, but dtype ${h.descr} × shape (${h.shape.join(', ')}) needs ${h.dataBytes}`,
        where,
        { byteOffset: h.dataOffset },
      );
  }

  keras(text: string, where: Where, baseOffset?: number): void {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      this.report(
        MODEL_RULE.modelMalformed,
        'config JSON',
        `${this.name(where)}: model configuration is not JSON: ${(err as Error).message}`,
        where,
        {
          ...(baseOffset !== undefined ? { byteOffset: baseOffset } : {}),
        },
      );
      return;
    }
    for (const p of inspectKerasConfig(doc, this.ctx.limits.maxDepth)) {
      if (p.kind === 'lambda')
        this.report(MODEL_RULE.kerasLambda, `Lambda ${p.layer}`, `${this.name(where)}: ${p.message}`, where, {
          jsonPointer: p.pointer,
          ...(p.code !== undefined
            ? {
                evidence: [
                  { type: 'artifact', uri: where.uri, path: p.pointer, description: `function: ${p.code}` },
                ],
              }
            : {}),
        });
      else
        this.report(MODEL_RULE.kerasModule, p.layer, `${this.name(where)}: ${p.message}`, where, {
          jsonPointer: p.pointer,
          severity: p.rating?.verdict === 'dangerous' ? (p.rating.severity ?? 'high') : 'medium',
        });
    }
  }

  async zip(src: ByteSource, where: Where, ext: string): Promise<void> {
    const limits = this.ctx.limits;
    const dir = await readZipDirectory(src, limits);
    for (const p of dir.problems)
      this.report(
        p.kind === 'bounds' ? MODEL_RULE.modelMalformed : MODEL_RULE.archiveBomb,
        `${p.kind}${p.entry ? ` ${p.entry}` : ''}`,
        `${this.name(where)}: ${p.message}`,
        where,
        p.entry !== undefined ? {} : {},
      );
    if (dir.problems.some((p) => p.kind === 'expanded' || p.kind === 'overlap')) return;
    const names = new Set(dir.entries.map((e) => e.name));
    const isKeras =
      names.has('config.json') &&
      (names.has('metadata.json') || ext === 'keras' || names.has('model.weights.h5'));
    for (const en of dir.entries) {
      this.budget.check();
      const at: Where = { uri: where.uri, entry: en.name };
      try {
        if (isKeras && en.name === 'config.json') {
          const bytes = await collect(this.#inflate(src, en), 64 << 20, 'config.json', src.name);
          this.keras(new TextDecoder().decode(bytes), at);
          continue;
        }
        if (en.name.endsWith('/') || en.size === 0) continue;
        const pickleByName = PICKLE_ENTRY.test(en.name);
        const npyByName = NPY_ENTRY.test(en.name);
        let head: Uint8Array | undefined;
        if (!pickleByName && !npyByName) {
          head = await this.#head(src, en, 16);
          if (
            !(head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) &&
            !startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])
          )
            continue;
        }
        if (npyByName || (head && head[0] === 0x93)) {
          const it = this.#inflate(src, en)[Symbol.asyncIterator]();
          let buf = new Uint8Array(0);
          while (buf.length < NPY_MAX_HEADER + 12) {
            const r = await it.next();
            if (r.done) break;
            const nb = new Uint8Array(buf.length + r.value.length);
            nb.set(buf);
            nb.set(r.value, buf.length);
            buf = nb;
          }
          await this.npy(buf, { [Symbol.asyncIterator]: () => it }, en.size, at);
          continue;
        }
        await this.pickle(this.#inflate(src, en), at);
      } catch (err) {
        this.malformed(err, at, this.#isBombError(err) ? MODEL_RULE.archiveBomb : MODEL_RULE.modelMalformed);
      }
    }
  }

  #isBombError(err: unknown): boolean {
    return err instanceof VigilError && /inflates past|expansion limit/.test(err.message);
  }

  #inflate(src: ByteSource, en: ZipEntry): AsyncIterable<Uint8Array> {
    const self = this;
    const max = this.ctx.limits.maxExpandedBytes;
    return (async function* () {
      for await (const c of zipEntryChunks(src, en, max - self.budget.expanded)) {
        self.budget.expanded += c.length;
        yield c;
      }
    })();
  }

  async #head(src: ByteSource, en: ZipEntry, n: number): Promise<Uint8Array> {
    for await (const c of zipEntryChunks(src, en, this.ctx.limits.maxExpandedBytes)) return c.subarray(0, n);
    return new Uint8Array(0);
  }

  async tar(src: ByteSource, where: Where): Promise<void> {
    for (const en of await readTarEntries(src, this.ctx.limits.maxEntries)) {
      this.budget.check();
      const head = await src.read(en.offset, 2);
      if (!(head[0] === 0x80 && head[1]! <= 5)) continue;
      // `pickle` is one pickle; `storages` and `tensors` interleave pickles with raw data: their first pickle is read.
      const at: Where = { uri: where.uri, entry: en.name };
      try {
        await this.pickleAt(src, en.offset, en.size, at, { maxPickles: 1 });
      } catch (err) {
        this.malformed(err, at);
      }
    }
  }

  async compressed(src: ByteSource, where: Where, kind: 'gzip' | 'zlib'): Promise<void> {
    const z = kind === 'gzip' ? createGunzip() : createInflate();
    const input = Readable.from(src.chunks(0, src.size));
    input.on('error', (e) => z.destroy(e));
    input.pipe(z);
    const max = this.ctx.limits.maxExpandedBytes;
    let out = 0;
    const self = this;
    try {
      await this.pickle(
        (async function* () {
          try {
            for await (const c of z as AsyncIterable<Buffer>) {
              out += c.length;
              if (out > max)
                throw new LimitReachedBomb(
                  `${kind} stream inflates past the expansion limit of ${max} bytes`,
                );
              yield new Uint8Array(c.buffer, c.byteOffset, c.length);
            }
          } catch (err) {
            if (err instanceof LimitReachedBomb) throw err;
            throw new VigilError(
              'INPUT_INVALID',
              `${kind} stream does not decompress: ${(err as Error).message}`,
              {
                cause: err,
                location: { file: self.name(where) },
              },
            );
          }
        })(),
        where,
      );
    } catch (err) {
      if (err instanceof LimitReachedBomb)
        this.report(MODEL_RULE.archiveBomb, 'expanded', `${this.name(where)}: ${err.message}`, where);
      else this.malformed(err, where);
    } finally {
      input.destroy();
      z.destroy();
    }
  }
}
class LimitReachedBomb extends Error {}

async function scanFile(ref: ArtifactRef, ctx: ScanContext): Promise<void> {
  const budget = new Budget(ctx, ref.path);
  const scan = new ModelScan(ctx, budget);
  const where: Where = { uri: ref.path };
  const head = ref.head;
  const ext = extOf(ref.path);
  const format = detectModelFormat(head, ref.size);
  const expected = EXTENSIONS[ext];
  if (expected && expected.length > 0 && !expected.includes(format)) {
    const hides = CODE_CARRYING.has(format);
    scan.report(
      MODEL_RULE.formatMismatch,
      `${ext}:${format}`,
      `${ref.path} has the extension .${ext} but its content is ${format === 'unknown' ? 'not a recognised model format' : `a ${format} file`}${hides ? ', a format that carries code' : ''}`,
      where,
      { byteOffset: 0, severity: hides ? 'high' : 'medium' },
    );
  }
  if (ref.size > ctx.limits.maxBytes) {
    scan.report(
      MODEL_RULE.limit,
      'maxBytes',
      `${ref.path} is larger than the ${ctx.limits.maxBytes}-byte scan bound; not scanned`,
      where,
    );
    return;
  }
  if (format === 'unknown') return;
  const src = await openFileSource(ref.path);
  try {
    switch (format) {
      case 'pickle':
        await scan.pickleAt(src, 0, src.size, where);
        break;
      case 'pytorch-legacy':
        // Magic number, protocol version, system info, the object, the storage keys; then raw storage bytes.
        await scan.pickleAt(src, 0, src.size, where, { maxPickles: 5 });
        break;
      case 'zip':
        await scan.zip(src, where, ext);
        break;
      case 'tar':
        await scan.tar(src, where);
        break;
      case 'gzip':
      case 'zlib':
        await scan.compressed(src, where, format);
        break;
      case 'npy': {
        const h = await src.read(0, NPY_MAX_HEADER + 12);
        const hdr = parseNpyHeader(h);
        const from = typeof hdr === 'string' ? src.size : Math.min(src.size, h.length);
        await scan.npy(h, src.chunks(from, src.size - from), src.size, where);
        break;
      }
      case 'safetensors': {
        const n = le.u64(head, 0);
        const bytes = await src.read(0, 8 + Math.min(n, SAFETENSORS_MAX_HEADER + 1, src.size));
        const r = inspectSafetensorsHeader(bytes, src.size);
        for (const p of r.problems.slice(0, 10))
          scan.report(
            MODEL_RULE.safetensorsInvalid,
            `${p.pointer} ${p.message}`.slice(0, 160),
            `${ref.path}: safetensors header ${p.pointer || ''} ${p.message}`.replace(/ {2}/g, ' '),
            where,
            {
              ...(p.pointer ? { jsonPointer: p.pointer } : { byteOffset: 0 }),
            },
          );
        break;
      }
      case 'gguf': {
        const g = await inspectGgufSource(src, {
          maxDepth: ctx.limits.maxDepth,
          maxTensors: ctx.limits.maxEntries * 10,
        });
        for (const p of g.problems.slice(0, 10))
          scan.report(
            p.limit ? MODEL_RULE.limit : MODEL_RULE.ggufInvalid,
            p.message.slice(0, 160),
            `${ref.path}: GGUF header: ${p.message}`,
            where,
            {
              byteOffset: p.offset,
            },
          );
        for (const t of g.chatTemplates)
          for (const p of inspectChatTemplate(t.text))
            scan.report(
              MODEL_RULE.chatTemplate,
              `${t.key} ${p.kind}: ${p.message}`,
              `${ref.path}: ${t.key} ${p.message}: ${JSON.stringify(p.excerpt)}`,
              where,
              { byteOffset: t.offset, severity: p.kind === 'code-execution' ? 'critical' : 'high' },
            );
        break;
      }
      case 'hdf5': {
        const window: ByteSource = { ...src, size: Math.min(src.size, 256 << 20) };
        const found = await findModelConfigJson(window, 64 << 20);
        if (found?.cut)
          scan.report(
            MODEL_RULE.modelMalformed,
            'model_config',
            `${ref.path}: the model_config JSON does not close`,
            where,
            {
              byteOffset: found.offset,
            },
          );
        else if (found) scan.keras(found.text, where, found.offset);
        break;
      }
    }
  } catch (err) {
    scan.malformed(err, where);
  } finally {
    await src.close();
  }
}

/**
 * The model-file scanner: pickles (raw, PyTorch zip and legacy formats,
 * joblib, NumPy object arrays, gzip/zlib-compressed), Keras `.keras` and
 * `.h5` configurations, safetensors and GGUF headers. Formats are
 * recognised by content; an extension that disagrees with the content is a
 * finding. Nothing is executed, imported or deserialised, files are
 * streamed, and every bound of {@link ScanLimits} is honoured.
 *
 * @example
 * ```ts
 * import { open } from 'node:fs/promises';
 * import { DEFAULT_SCAN_LIMITS, modelFileScanner } from '@vigil/rules';
 *
 * const fh = await open('model.pt');
 * const head = new Uint8Array(4096);
 * await fh.read(head, 0, 4096, 0);
 * const ref = { path: 'model.pt', size: (await fh.stat()).size, head };
 * await fh.close();
 * const found: ArtifactDetection[] = [];
 * if (modelFileScanner.accepts(ref))
 *   await modelFileScanner.scan(ref, { report: (d) => found.push(d), limits: DEFAULT_SCAN_LIMITS });
 * ```
 */
export const modelFileScanner: ArtifactScanner = {
  id: 'vigil.scan.model-files',
  title: 'Model files: pickle, PyTorch, NumPy, joblib, Keras, safetensors, GGUF',
  version: '1.0.0',
  rules: MODEL_RULES,
  accepts(a: ArtifactRef): boolean {
    const ext = extOf(a.path);
    if (ext in EXTENSIONS) return true;
    const f = detectModelFormat(a.head, a.size);
    if (f === 'zip') return MODELISH_ENTRY.test(firstZipName(a.head));
    if (f === 'tar')
      return /^(sys_info|pickle|storages|tensors)$/.test(
        new TextDecoder('latin1').decode(a.head.subarray(0, 100)).replace(/\0.*$/s, ''),
      );
    if (f === 'gzip' || f === 'zlib') return false;
    if (f === 'pickle' && a.head[0] !== 0x80 && a.size <= a.head.length) {
      // A whole text file (a Modelfile: `FROM …` reads as FLOAT) that never reaches STOP and
      // imports nothing is text that happens to decode, not a protocol 0 pickle.
      const d = disassemblePickle(a.head, { listing: false, maxPickles: 1 });
      if (d.globals.length === 0 && d.issues.some((i) => i.message.includes('truncated'))) return false;
    }
    return f !== 'unknown';
  },
  scan: scanFile,
};
