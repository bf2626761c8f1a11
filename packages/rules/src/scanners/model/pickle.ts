import {
  type PickleImportRating,
  python3ImportOf,
  rateDottedTarget,
  ratePickleImport,
} from './pickle-imports.js';

/**
 * One opcode of a pickle listing.
 *
 * @example
 * ```ts
 * const op: PickleOp = { offset: 2, op: 'GLOBAL', arg: 'posix system' };
 * ```
 */
export interface PickleOp {
  /** Byte offset of the opcode in the stream. */
  readonly offset: number;
  /** Opcode name as `pickletools` spells it. */
  readonly op: string;
  /** The argument, shortened for display (bytes are shown by length). */
  readonly arg?: string | number;
}

/**
 * An import a pickle makes, where, and how it rates.
 *
 * @example
 * ```ts
 * const g: PickleGlobal = disassemblePickle(bytes).globals[0]!;
 * console.log(`${g.module}.${g.name}`, g.rating.verdict);
 * ```
 */
export interface PickleGlobal {
  readonly module: string;
  readonly name: string;
  readonly offset: number;
  /** The opcode that imported it; `getattr` for a name reached through a `getattr`/`__import__` chain. */
  readonly via: 'GLOBAL' | 'INST' | 'STACK_GLOBAL' | 'EXT' | 'getattr';
  /** False when module or name were not constant strings (computed at load time). */
  readonly resolved: boolean;
  readonly rating: PickleImportRating;
}

/**
 * A call the unpickler would make: the callable of `REDUCE`, `NEWOBJ`,
 * `NEWOBJ_EX`, `OBJ` and `INST`, or the object whose state `BUILD` sets.
 *
 * @example
 * ```ts
 * for (const c of disassemblePickle(bytes).calls) console.log(c.offset, c.op, c.target, c.args);
 * ```
 */
export interface PickleCall {
  readonly offset: number;
  readonly op: 'REDUCE' | 'NEWOBJ' | 'NEWOBJ_EX' | 'OBJ' | 'INST' | 'BUILD';
  /** The callable, resolved to a dotted name where it can be (`os.system`, `builtins.getattr(…)`). */
  readonly target: string;
  /** A short rendering of the arguments. */
  readonly args: string;
  /** True when `BUILD` sets attributes on an imported global rather than on an object built here. */
  readonly onGlobal?: boolean;
}

/**
 * Something wrong with the stream: where, and what. Python stops loading at
 * the first of these, but what ran before it already ran.
 *
 * @example
 * ```ts
 * const issue: PickleIssue = { offset: 40, message: 'unknown opcode 0xff' };
 * ```
 */
export interface PickleIssue {
  readonly offset: number;
  readonly message: string;
  /** A scan bound was reached (the stream may be fine, but was not analysed to its end). */
  readonly limit?: boolean;
}

/**
 * The result of {@link disassemblePickle}: the listing, every import with
 * its rating, every call, and what went wrong.
 *
 * @example
 * ```ts
 * const dis = disassemblePickle(bytes);
 * const bad = dis.globals.filter((g) => g.rating.verdict === 'dangerous');
 * ```
 */
export interface PickleDisassembly {
  /** The opcode listing (up to the `listing` option's length). */
  readonly ops: readonly PickleOp[];
  /** Opcodes read in all. */
  readonly opCount: number;
  /** Complete pickles (`STOP`s) in the stream. */
  readonly pickles: number;
  /** Highest `PROTO` seen (0 when none). */
  readonly protocol: number;
  readonly globals: readonly PickleGlobal[];
  readonly calls: readonly PickleCall[];
  /** Persistent ids (`PERSID`/`BINPERSID`): references a loader resolves (PyTorch storages). */
  readonly persistentIds: number;
  readonly issues: readonly PickleIssue[];
  /** Bytes consumed. */
  readonly bytes: number;
  /** Bytes after the last pickle that do not start another one (legacy PyTorch storage data). */
  readonly trailingBytes: number;
  /** Work units spent (opcodes, popped items, rendering steps): linear in the input size. */
  readonly steps: number;
}

/**
 * Options of {@link disassemblePickle} and {@link PickleStreamDisassembler}.
 *
 * @example
 * ```ts
 * const dis = disassemblePickle(bytes, { listing: false, maxPickles: 1 });
 * ```
 */
export interface PickleDisassemblyOptions {
  /** Keep the opcode listing: `true` (up to 100 000 opcodes), `false`, or a count. Default true. */
  readonly listing?: boolean | number;
  /** Deepest `MARK` nesting. Default 64. */
  readonly maxDepth?: number;
  /** Most memo entries and stack items. Default 1 000 000. */
  readonly maxMemo?: number;
  /** Stop after this many pickles (PyTorch's legacy format holds five, then raw data). Default unlimited. */
  readonly maxPickles?: number;
  /** Follow joblib's NumPy arrays, whose data sits inside the pickle stream after each `NumpyArrayWrapper`. Default true. */
  readonly joblib?: boolean;
}

const INLINE_MAX = 1 << 20;
const LINE_MAX = 1 << 16;
const SHOW = 120;

type PV =
  | { k: 'str'; v: string; bytes: boolean; cut: boolean }
  | { k: 'int'; v: number }
  | { k: 'float' }
  | { k: 'bool'; v: boolean }
  | { k: 'none' }
  | { k: 'blob'; len: number }
  | { k: 'tuple'; items: PV[] }
  | { k: 'list'; n: number }
  | { k: 'dict'; n: number; entries: Map<string, PV> }
  | { k: 'set'; n: number }
  | { k: 'global'; module: string; name: string; resolved: boolean }
  | { k: 'obj'; fn: PV; args: PV; state?: PV }
  | { k: 'persid'; id: PV }
  | { k: 'ext'; code: number };

const SMALL_INTS: readonly PV[] = Array.from({ length: 1024 }, (_, v) => ({ k: 'int', v }));
/** Small ints are shared: most integers in model pickles are shapes, strides and indices. */
const int = (v: number): PV => (v >= 0 && v < 1024 && Number.isInteger(v) ? SMALL_INTS[v]! : { k: 'int', v });
const NONE: PV = { k: 'none' };
const FLOAT: PV = { k: 'float' };
const TRUE: PV = { k: 'bool', v: true };
const FALSE: PV = { k: 'bool', v: false };

interface Machine {
  stack: PV[];
  meta: PV[][];
  /** The memo: dense indices in an array (pickles number them in order), others in a map. */
  memo: (PV | undefined)[];
  memoFar: Map<number, PV>;
  memoSize: number;
  /** Set for a joblib object-array pickle nested in the outer stream: the wrapper to replace at STOP. */
  nested: boolean;
}

const DENSE_MEMO = 1 << 22;
const newMachine = (nested = false): Machine => ({
  stack: [],
  meta: [],
  memo: [],
  memoFar: new Map(),
  memoSize: 0,
  nested,
});

class Fatal extends Error {}

const NAMES: Record<number, string> = {
  40: 'MARK',
  46: 'STOP',
  48: 'POP',
  49: 'POP_MARK',
  50: 'DUP',
  70: 'FLOAT',
  73: 'INT',
  74: 'BININT',
  75: 'BININT1',
  76: 'LONG',
  77: 'BININT2',
  78: 'NONE',
  80: 'PERSID',
  81: 'BINPERSID',
  82: 'REDUCE',
  83: 'STRING',
  84: 'BINSTRING',
  85: 'SHORT_BINSTRING',
  86: 'UNICODE',
  88: 'BINUNICODE',
  97: 'APPEND',
  98: 'BUILD',
  99: 'GLOBAL',
  100: 'DICT',
  125: 'EMPTY_DICT',
  101: 'APPENDS',
  103: 'GET',
  104: 'BINGET',
  105: 'INST',
  106: 'LONG_BINGET',
  108: 'LIST',
  93: 'EMPTY_LIST',
  111: 'OBJ',
  112: 'PUT',
  113: 'BINPUT',
  114: 'LONG_BINPUT',
  115: 'SETITEM',
  116: 'TUPLE',
  41: 'EMPTY_TUPLE',
  117: 'SETITEMS',
  71: 'BINFLOAT',
  128: 'PROTO',
  129: 'NEWOBJ',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  133: 'TUPLE1',
  134: 'TUPLE2',
  135: 'TUPLE3',
  136: 'NEWTRUE',
  137: 'NEWFALSE',
  138: 'LONG1',
  139: 'LONG4',
  66: 'BINBYTES',
  67: 'SHORT_BINBYTES',
  140: 'SHORT_BINUNICODE',
  141: 'BINUNICODE8',
  142: 'BINBYTES8',
  143: 'EMPTY_SET',
  144: 'ADDITEMS',
  145: 'FROZENSET',
  146: 'NEWOBJ_EX',
  147: 'STACK_GLOBAL',
  148: 'MEMOIZE',
  149: 'FRAME',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
};

/**
 * True when `code` is a pickle opcode of protocols 0 to 5.
 *
 * @example
 * ```ts
 * isPickleOpcode(0x80); // true (PROTO)
 * ```
 */
export function isPickleOpcode(code: number): boolean {
  return NAMES[code] !== undefined;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: false });

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
}
function i32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}
/** A u64 as a number; lengths above 2^53 become Infinity (never satisfiable). */
function u64(b: Uint8Array, p: number): number {
  const hi = u32(b, p + 4);
  if (hi >= 0x200000) return Number.POSITIVE_INFINITY;
  return hi * 0x100000000 + u32(b, p);
}
function longLE(b: Uint8Array, p: number, n: number): number {
  if (n === 0) return 0;
  if (n > 6) return Number.NaN;
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[p + i]!;
  if (b[p + n - 1]! & 0x80) v -= 2 ** (8 * n);
  return v;
}
/** Decodes protocol 0's raw-unicode-escape (`\uXXXX`, `\UXXXXXXXX`). */
function rawUnicodeEscape(s: string): string {
  return s.replace(
    /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
    (_, a: string | undefined, b: string | undefined) => {
      const cp = Number.parseInt(a ?? b ?? '0', 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    },
  );
}
/** Protocol 0 `STRING`: a quoted Python repr, decoded enough to read module and attribute names. */
function unquote(s: string): string | undefined {
  if (s.length < 2 || (s[0] !== "'" && s[0] !== '"') || s.at(-1) !== s[0]) return undefined;
  return s
    .slice(1, -1)
    .replace(
      /\\x([0-9a-fA-F]{2})|\\(['"\\])|\\n|\\t|\\r/g,
      (m, hex: string | undefined, ch: string | undefined) =>
        hex
          ? String.fromCharCode(Number.parseInt(hex, 16))
          : (ch ?? { '\\n': '\n', '\\t': '\t', '\\r': '\r' }[m] ?? m),
    );
}

const short = (s: string) => (s.length > SHOW ? `${s.slice(0, SHOW)}…` : s);

/**
 * A pickle disassembler that reads a stream chunk by chunk and never
 * executes, imports or deserialises anything: it walks every opcode of
 * protocols 0 to 5 over a symbolic stack and memo, resolves the imports of
 * `GLOBAL`, `INST` and `STACK_GLOBAL` (also when module and name come from
 * the memo) and the callables of `REDUCE`, `BUILD`, `NEWOBJ`, `NEWOBJ_EX`
 * and `OBJ` (through `getattr`/`__import__` chains), reads concatenated
 * pickles, and follows joblib's NumPy arrays embedded in the stream. Large
 * byte and string payloads are skipped, not buffered, so memory stays
 * bounded whatever the file size.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * const dis = new PickleStreamDisassembler({ listing: false });
 * for await (const chunk of createReadStream('model.pkl')) dis.push(chunk);
 * const result = dis.end();
 * ```
 */
export class PickleStreamDisassembler {
  readonly #listMax: number;
  readonly #maxDepth: number;
  readonly #maxMemo: number;
  readonly #maxPickles: number;
  readonly #joblib: boolean;
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  /** Absolute offset of `#buf[0]`. */
  #base = 0;
  #skip = 0;
  #skipLine = false;
  /** joblib array data still to pass over: `pad` = a padding-length byte then its padding. */
  #raw: Array<{ kind: 'pad' } | { kind: 'skip'; n: number }> = [];
  #m: Machine = newMachine();
  #outer: Machine[] = [];
  #done = false;
  #atStart = true;
  #ops: PickleOp[] = [];
  #opCount = 0;
  #pickles = 0;
  #protocol = 0;
  #globals: PickleGlobal[] = [];
  #seenGlobal = new Set<string>();
  #calls: PickleCall[] = [];
  #persid = 0;
  #issues: PickleIssue[] = [];
  #trailing = 0;
  #steps = 0;
  /** Offset of the opcode being read (for messages). */
  #cur = 0;

  constructor(options: PickleDisassemblyOptions = {}) {
    const l = options.listing ?? true;
    this.#listMax = l === true ? 100_000 : l === false ? 0 : Math.max(0, l);
    this.#maxDepth = options.maxDepth ?? 64;
    this.#maxMemo = options.maxMemo ?? 1_000_000;
    this.#maxPickles = options.maxPickles ?? Number.POSITIVE_INFINITY;
    this.#joblib = options.joblib ?? true;
  }

  /** True once the stream needs no more input (ended, failed or reached a bound). */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Bytes of a large payload the disassembler will pass over next. A reader
   * with random access may seek past them and call {@link PickleStreamDisassembler.skip}
   * instead of pushing them.
   */
  get skippable(): number {
    return this.#skipLine ? 0 : this.#skip;
  }

  /** Says that `n` bytes of the pending payload (at most {@link PickleStreamDisassembler.skippable}) were skipped unread. */
  skip(n: number): void {
    const k = Math.max(0, Math.min(n, this.#skip));
    this.#skip -= k;
    this.#base += k;
  }

  /** Feeds the next chunk. */
  push(chunk: Uint8Array): void {
    if (this.#done) {
      this.#trailing += chunk.length;
      return;
    }
    let c = chunk;
    if (this.#skip > 0 || this.#skipLine) {
      c = this.#consumeSkip(c);
      if (c.length === 0) return;
    }
    const rest = this.#buf.length - this.#pos;
    if (rest === 0) {
      this.#base += this.#buf.length;
      this.#buf = c;
    } else {
      const next = new Uint8Array(rest + c.length);
      next.set(this.#buf.subarray(this.#pos), 0);
      next.set(c, rest);
      this.#base += this.#pos;
      this.#buf = next;
    }
    this.#pos = 0;
    this.#run();
  }

  /** Ends the stream and returns the disassembly. */
  end(): PickleDisassembly {
    if (!this.#done) {
      const left = this.#buf.length - this.#pos;
      if (this.#skip > 0 || this.#skipLine || left > 0 || this.#raw.length > 0 || !this.#atStart)
        this.#issue(this.#base + this.#pos, 'the stream ends in the middle of a pickle (truncated)');
      else if (this.#pickles === 0) this.#issue(0, 'empty stream: no pickle');
      this.#done = true;
    }
    return {
      ops: this.#ops,
      opCount: this.#opCount,
      pickles: this.#pickles,
      protocol: this.#protocol,
      globals: this.#globals,
      calls: this.#calls,
      persistentIds: this.#persid,
      issues: this.#issues,
      bytes: this.#base + this.#pos,
      trailingBytes: this.#trailing,
      steps: this.#steps,
    };
  }

  #consumeSkip(c: Uint8Array): Uint8Array {
    if (this.#skipLine) {
      const nl = c.indexOf(0x0a);
      if (nl < 0) {
        this.#base += c.length;
        return new Uint8Array(0);
      }
      this.#skipLine = false;
      this.#base += nl + 1;
      return c.subarray(nl + 1);
    }
    const n = Math.min(this.#skip, c.length);
    this.#skip -= n;
    this.#base += n;
    return c.subarray(n);
  }

  #issue(offset: number, message: string, limit = false): void {
    if (this.#issues.length < 100)
      this.#issues.push(limit ? { offset, message, limit } : { offset, message });
  }

  #run(): void {
    try {
      while (!this.#done) {
        if (this.#raw.length > 0) {
          if (!this.#rawStep()) return;
          continue;
        }
        const avail = this.#buf.length - this.#pos;
        if (avail === 0) return;
        const start = this.#pos;
        const code = this.#buf[start]!;
        if (this.#atStart && this.#pickles > 0 && !isPickleOpcode(code)) {
          // After a complete pickle, bytes that cannot start another are data, not an error.
          this.#trailing += avail;
          this.#pos = this.#buf.length;
          this.#done = true;
          return;
        }
        const next = this.#op(code, start);
        if (next < 0) return;
        // A payload larger than the buffer leaves `#skip` set and the buffer consumed.
        this.#pos = next;
      }
    } catch (err) {
      if (!(err instanceof Fatal)) throw err;
      this.#done = true;
    }
  }

  /** Passes over joblib array data; false when more input is needed. */
  #rawStep(): boolean {
    const r = this.#raw[0]!;
    if (r.kind === 'pad') {
      if (this.#pos >= this.#buf.length) return false;
      const n = this.#buf[this.#pos]!;
      this.#pos++;
      this.#raw.shift();
      if (n > 0) this.#raw.unshift({ kind: 'skip', n });
      return true;
    }
    const avail = this.#buf.length - this.#pos;
    if (avail === 0 && r.n > 0) return false;
    if (r.n > avail) {
      this.#skip = r.n - avail;
      this.#raw.shift();
      this.#base += this.#buf.length;
      this.#buf = new Uint8Array(0);
      this.#pos = 0;
      return false;
    }
    this.#pos += r.n;
    this.#raw.shift();
    return true;
  }

  #fatal(offset: number, message: string, limit = false): never {
    this.#issue(offset, message, limit);
    throw new Fatal(message);
  }

  #pop(at = this.#cur): PV {
    this.#steps++;
    const v = this.#m.stack.pop();
    if (v === undefined) this.#fatal(at, 'stack underflow');
    return v;
  }

  #push(v: PV, at = this.#cur): void {
    if (this.#m.stack.length >= this.#maxMemo)
      this.#fatal(at, `more than ${this.#maxMemo} stack items`, true);
    this.#m.stack.push(v);
  }

  #popMark(at: number): PV[] {
    const items = this.#m.stack;
    const prev = this.#m.meta.pop();
    if (prev === undefined) this.#fatal(at, 'no MARK to pop to');
    this.#m.stack = prev;
    this.#steps += items.length;
    return items;
  }

  #record(offset: number, op: string, arg?: string | number): void {
    this.#opCount++;
    this.#steps++;
    if (this.#ops.length < this.#listMax)
      this.#ops.push(arg === undefined ? { offset, op } : { offset, op, arg });
  }

  #addGlobal(module: string, name: string, offset: number, via: PickleGlobal['via'], resolved: boolean): PV {
    const key = `${module}\u0000${name}\u0000${resolved}\u0000${via === 'getattr'}`;
    if (!this.#seenGlobal.has(key) && this.#globals.length < 10_000) {
      this.#seenGlobal.add(key);
      const rating = resolved
        ? via === 'getattr'
          ? rateDottedTarget(`${module}.${name}`)
          : ratePickleImport(module, name)
        : ({
            verdict: 'dangerous',
            severity: 'high',
            reason: 'the import is computed at load time (module or name are not constant strings)',
            module,
            name,
          } as const);
      this.#globals.push({ module, name, offset, via, resolved, rating });
    }
    return { k: 'global', module, name, resolved };
  }

  /** A dotted name for a callable, following `getattr`/`__import__` chains (bounded). */
  #dotted(v: PV, depth = 0): string | undefined {
    this.#steps++;
    if (depth > 8) return undefined;
    if (v.k === 'global') {
      if (!v.resolved) return undefined;
      const [m, n] = python3ImportOf(v.module, v.name);
      return `${m}.${n}`;
    }
    if (v.k === 'obj' && v.fn.k === 'global' && v.args.k === 'tuple') {
      const fn = `${v.fn.module}.${v.fn.name}`;
      const a = v.args.items;
      if ((fn === 'builtins.getattr' || fn === '__builtin__.getattr') && a.length >= 2 && a[1]!.k === 'str') {
        const base = this.#dotted(a[0]!, depth + 1);
        return base === undefined ? undefined : `${base}.${a[1]!.v}`;
      }
      if (
        (fn === 'builtins.__import__' ||
          fn === '__builtin__.__import__' ||
          fn === 'importlib.import_module') &&
        a[0]?.k === 'str'
      )
        return a[0].v;
    }
    return undefined;
  }

  #render(v: PV, depth = 0): string {
    this.#steps++;
    if (depth > 3) return '…';
    switch (v.k) {
      case 'str':
        return v.bytes ? `b${JSON.stringify(short(v.v))}` : JSON.stringify(short(v.v));
      case 'int':
        return Number.isNaN(v.v) ? '<int>' : String(v.v);
      case 'float':
        return '<float>';
      case 'bool':
        return v.v ? 'True' : 'False';
      case 'none':
        return 'None';
      case 'blob':
        return `<${v.len} bytes>`;
      case 'tuple':
        return `(${v.items
          .slice(0, 4)
          .map((x) => this.#render(x, depth + 1))
          .join(', ')}${v.items.length > 4 ? ', …' : v.items.length === 1 ? ',' : ''})`;
      case 'list':
        return `[<${v.n} items>]`;
      case 'dict':
        return `{<${v.n} items>}`;
      case 'set':
        return `{<set of ${v.n}>}`;
      case 'global':
        return v.resolved ? `${v.module}.${v.name}` : '<computed import>';
      case 'obj':
        return `${this.#dotted(v) ?? this.#render(v.fn, depth + 1)}(${v.args.k === 'tuple' ? this.#render(v.args, depth + 1).slice(1, -1) : '…'})`;
      case 'persid':
        return `persistent_id(${this.#render(v.id, depth + 1)})`;
      case 'ext':
        return `<extension ${v.code}>`;
    }
  }

  #call(offset: number, op: PickleCall['op'], fn: PV, args: PV): PV {
    const dotted = this.#dotted(fn);
    if (dotted !== undefined && fn.k === 'obj') {
      // A callable reached through getattr/__import__ is an import in all but name.
      const at = dotted.lastIndexOf('.');
      if (at > 0) this.#addGlobal(dotted.slice(0, at), dotted.slice(at + 1), offset, 'getattr', true);
    }
    if (this.#calls.length < 10_000) {
      const target = dotted ?? this.#render(fn);
      const rendered =
        args.k === 'tuple' ? this.#render(args).slice(1, -1).replace(/,$/, '') : this.#render(args);
      this.#calls.push({ offset, op, target, args: short(rendered) });
    }
    return { k: 'obj', fn, args };
  }

  #str(v: PV | undefined): string | undefined {
    return v?.k === 'str' && !v.cut ? v.v : undefined;
  }

  /** A protocol 0 text argument: the line and the offset after it, `undefined` for more input, `-2` past the bound. */
  #line(b: Uint8Array, p: number, end: number): [string, number] | undefined {
    const nl = b.indexOf(0x0a, p);
    if (nl < 0) {
      if (end - p > LINE_MAX) return ['', -2];
      return undefined;
    }
    return [latin1.decode(b.subarray(p, nl)), nl + 1];
  }

  /** A length-prefixed payload; large ones are skipped, not buffered. */
  #bytesArg(
    b: Uint8Array,
    p: number,
    end: number,
    off: number,
    name: string,
    lenBytes: number,
    len: number,
    kind: 'str' | 'bytes' | 'unicode',
  ): number {
    const s = p + lenBytes;
    if (len > INLINE_MAX) {
      this.#record(off, name, `<${len} bytes>`);
      this.#push(
        kind === 'bytes' ? { k: 'blob', len } : { k: 'str', v: '', bytes: kind !== 'unicode', cut: true },
        off,
      );
      const have = Math.min(end - s, len);
      this.#skip = len - have;
      return s + have;
    }
    if (s + len > end) return -1;
    const raw = b.subarray(s, s + len);
    if (kind === 'bytes') {
      this.#record(off, name, this.#listMax > 0 ? `<${len} bytes>` : undefined);
      this.#push({ k: 'blob', len }, off);
    } else {
      const v = kind === 'unicode' ? utf8.decode(raw) : latin1.decode(raw);
      this.#record(off, name, this.#listMax > 0 ? short(v) : undefined);
      this.#push({ k: 'str', v, bytes: kind === 'str', cut: false }, off);
    }
    return s + len;
  }

  /** Returns the offset after the opcode, or -1 when more input is needed. */
  #op(code: number, at: number): number {
    const b = this.#buf;
    const end = b.length;
    const off = this.#base + at;
    this.#cur = off;
    const name = NAMES[code];
    if (name === undefined) this.#fatal(off, `unknown opcode 0x${code.toString(16).padStart(2, '0')}`);
    const p = at + 1;
    this.#atStart = false;
    const m = this.#m;
    switch (name) {
      case 'PROTO': {
        if (p + 1 > end) return -1;
        const v = b[p]!;
        this.#record(off, name, v);
        if (v > 5) this.#fatal(off, `unsupported pickle protocol ${v}`);
        this.#protocol = Math.max(this.#protocol, v);
        return p + 1;
      }
      case 'FRAME': {
        if (p + 8 > end) return -1;
        this.#record(off, name, u64(b, p));
        return p + 8;
      }
      case 'STOP': {
        this.#record(off, name);
        this.#pop(off);
        if (m.nested && this.#outer.length > 0) {
          this.#m = this.#outer.pop()!;
          return p;
        }
        this.#pickles++;
        this.#m = newMachine();
        this.#atStart = true;
        if (this.#pickles >= this.#maxPickles) {
          this.#trailing += end - p + this.#skip;
          this.#done = true;
        }
        return p;
      }
      case 'MARK':
        this.#record(off, name);
        if (m.meta.length >= this.#maxDepth)
          this.#fatal(off, `MARK nesting deeper than ${this.#maxDepth}`, true);
        m.meta.push(m.stack);
        m.stack = [];
        return p;
      case 'POP':
        this.#record(off, name);
        if (m.stack.length > 0) m.stack.pop();
        else this.#popMark(off);
        return p;
      case 'POP_MARK':
        this.#record(off, name);
        this.#popMark(off);
        return p;
      case 'DUP': {
        this.#record(off, name);
        const v = m.stack.at(-1);
        if (v === undefined) this.#fatal(off, 'stack underflow');
        this.#push(v);
        return p;
      }
      case 'NONE':
        this.#record(off, name);
        this.#push(NONE);
        return p;
      case 'NEWTRUE':
      case 'NEWFALSE':
        this.#record(off, name);
        this.#push(name === 'NEWTRUE' ? TRUE : FALSE);
        return p;
      case 'BININT':
        if (p + 4 > end) return -1;
        this.#record(off, name, i32(b, p));
        this.#push(int(i32(b, p)));
        return p + 4;
      case 'BININT1':
        if (p + 1 > end) return -1;
        this.#record(off, name, b[p]!);
        this.#push(int(b[p]!));
        return p + 1;
      case 'BININT2':
        if (p + 2 > end) return -1;
        this.#record(off, name, b[p]! | (b[p + 1]! << 8));
        this.#push(int(b[p]! | (b[p + 1]! << 8)));
        return p + 2;
      case 'LONG1': {
        if (p + 1 > end) return -1;
        const n = b[p]!;
        if (p + 1 + n > end) return -1;
        const v = longLE(b, p + 1, n);
        this.#record(off, name, Number.isNaN(v) ? `<${n}-byte int>` : v);
        this.#push(int(v));
        return p + 1 + n;
      }
      case 'LONG4': {
        if (p + 4 > end) return -1;
        const n = i32(b, p);
        if (n < 0) this.#fatal(off, 'LONG4 with a negative length');
        const r = this.#bytesArg(b, p, end, off, name, 4, n, 'bytes');
        if (r >= 0)
          m.stack[m.stack.length - 1] = { k: 'int', v: n <= 6 && r >= 0 ? longLE(b, p + 4, n) : Number.NaN };
        return r;
      }
      case 'BINFLOAT':
        if (p + 8 > end) return -1;
        this.#record(off, name);
        this.#push(FLOAT);
        return p + 8;
      case 'INT':
      case 'LONG':
      case 'FLOAT': {
        const l = this.#line(b, p, end);
        if (!l) return -1;
        if (l[1] === -2) this.#fatal(off, `${name} line longer than ${LINE_MAX} bytes`);
        const t = l[0].trim().replace(/L$/, '');
        this.#record(off, name, short(t));
        if (name === 'FLOAT') this.#push(FLOAT);
        else if (name === 'INT' && (t === '01' || t === '00')) this.#push(t === '01' ? TRUE : FALSE);
        else {
          if (!/^[+-]?\d+$/.test(t)) this.#fatal(off, `${name} argument is not an integer`);
          this.#push(int(t.length <= 15 ? Number(t) : Number.NaN));
        }
        return l[1];
      }
      case 'STRING':
      case 'UNICODE': {
        const l = this.#line(b, p, end);
        if (!l) return -1;
        if (l[1] === -2) {
          this.#record(off, name, '<long line>');
          this.#push({ k: 'str', v: '', bytes: name === 'STRING', cut: true });
          this.#skipLine = true;
          return end;
        }
        let v: string | undefined;
        if (name === 'STRING') {
          v = unquote(l[0]);
          if (v === undefined) this.#fatal(off, 'STRING argument is not a quoted string');
        } else v = rawUnicodeEscape(l[0]);
        this.#record(off, name, short(v));
        this.#push({ k: 'str', v, bytes: name === 'STRING', cut: false });
        return l[1];
      }
      case 'BINSTRING': {
        if (p + 4 > end) return -1;
        const n = i32(b, p);
        if (n < 0) this.#fatal(off, 'BINSTRING with a negative length');
        return this.#bytesArg(b, p, end, off, name, 4, n, 'str');
      }
      case 'SHORT_BINSTRING':
        if (p + 1 > end) return -1;
        return this.#bytesArg(b, p, end, off, name, 1, b[p]!, 'str');
      case 'BINUNICODE':
        if (p + 4 > end) return -1;
        return this.#bytesArg(b, p, end, off, name, 4, u32(b, p), 'unicode');
      case 'SHORT_BINUNICODE':
        if (p + 1 > end) return -1;
        return this.#bytesArg(b, p, end, off, name, 1, b[p]!, 'unicode');
      case 'BINUNICODE8':
        if (p + 8 > end) return -1;
        return this.#bytesArg(b, p, end, off, name, 8, u64(b, p), 'unicode');
      case 'BINBYTES':
        if (p + 4 > end) return -1;
        return this.#bytesArg(b, p, end, off, name, 4, u32(b, p), 'bytes');
      case 'SHORT_BINBYTES':
        if (p + 1 > end) return -1;
        return this.#bytesArg(b, p, end, off, name, 1, b[p]!, 'bytes');
      case 'BINBYTES8':
      case 'BYTEARRAY8':
        if (p + 8 > end) return -1;
        return this.#bytesArg(b, p, end, off, name, 8, u64(b, p), 'bytes');
      case 'NEXT_BUFFER':
        this.#record(off, name);
        this.#push({ k: 'blob', len: 0 });
        return p;
      case 'READONLY_BUFFER':
        this.#record(off, name);
        if (m.stack.length === 0) this.#fatal(off, 'stack underflow');
        return p;
      case 'EMPTY_TUPLE':
        this.#record(off, name);
        this.#push({ k: 'tuple', items: [] });
        return p;
      case 'TUPLE1':
      case 'TUPLE2':
      case 'TUPLE3': {
        this.#record(off, name);
        const n = name === 'TUPLE1' ? 1 : name === 'TUPLE2' ? 2 : 3;
        const items: PV[] = [];
        for (let i = 0; i < n; i++) items.unshift(this.#pop(off));
        this.#push({ k: 'tuple', items });
        return p;
      }
      case 'TUPLE': {
        this.#record(off, name);
        const items = this.#popMark(off);
        this.#push({ k: 'tuple', items: items.length > 64 ? items.slice(0, 64) : items });
        return p;
      }
      case 'EMPTY_LIST':
        this.#record(off, name);
        this.#push({ k: 'list', n: 0 });
        return p;
      case 'LIST':
        this.#record(off, name);
        this.#push({ k: 'list', n: this.#popMark(off).length });
        return p;
      case 'EMPTY_DICT':
        this.#record(off, name);
        this.#push({ k: 'dict', n: 0, entries: new Map() });
        return p;
      case 'DICT': {
        this.#record(off, name);
        const items = this.#popMark(off);
        const d: PV = { k: 'dict', n: items.length >> 1, entries: new Map() };
        for (let i = 0; i + 1 < items.length && d.entries.size < 64; i += 2) {
          const key = this.#str(items[i]);
          if (key !== undefined) d.entries.set(key, items[i + 1]!);
        }
        this.#push(d);
        return p;
      }
      case 'EMPTY_SET':
        this.#record(off, name);
        this.#push({ k: 'set', n: 0 });
        return p;
      case 'FROZENSET':
        this.#record(off, name);
        this.#push({ k: 'set', n: this.#popMark(off).length });
        return p;
      case 'APPEND': {
        this.#record(off, name);
        this.#pop(off);
        const t = m.stack.at(-1);
        if (t === undefined) this.#fatal(off, 'stack underflow');
        if (t.k === 'list') t.n++;
        return p;
      }
      case 'APPENDS':
      case 'ADDITEMS': {
        this.#record(off, name);
        const items = this.#popMark(off);
        const t = m.stack.at(-1);
        if (t === undefined) this.#fatal(off, 'stack underflow');
        if (t.k === 'list' || t.k === 'set') t.n += items.length;
        return p;
      }
      case 'SETITEM':
      case 'SETITEMS': {
        this.#record(off, name);
        const items = name === 'SETITEM' ? [this.#pop(off), this.#pop(off)].reverse() : this.#popMark(off);
        const t = m.stack.at(-1);
        if (t === undefined) this.#fatal(off, 'stack underflow');
        if (t.k === 'dict') {
          t.n += items.length >> 1;
          for (let i = 0; i + 1 < items.length && t.entries.size < 64; i += 2) {
            const key = this.#str(items[i]);
            if (key !== undefined) t.entries.set(key, items[i + 1]!);
          }
        }
        return p;
      }
      case 'GET':
      case 'PUT': {
        const l = this.#line(b, p, end);
        if (!l) return -1;
        if (l[1] === -2 || !/^\d{1,15}$/.test(l[0].trim()))
          this.#fatal(off, `${name} argument is not an integer`);
        const idx = Number(l[0].trim());
        this.#record(off, name, idx);
        if (name === 'GET') this.#get(idx, off);
        else this.#put(idx, off);
        return l[1];
      }
      case 'BINGET':
      case 'BINPUT':
        if (p + 1 > end) return -1;
        this.#record(off, name, b[p]!);
        if (name === 'BINGET') this.#get(b[p]!, off);
        else this.#put(b[p]!, off);
        return p + 1;
      case 'LONG_BINGET':
      case 'LONG_BINPUT':
        if (p + 4 > end) return -1;
        this.#record(off, name, u32(b, p));
        if (name === 'LONG_BINGET') this.#get(u32(b, p), off);
        else this.#put(u32(b, p), off);
        return p + 4;
      case 'MEMOIZE':
        this.#record(off, name);
        this.#put(m.memoSize, off);
        return p;
      case 'GLOBAL':
      case 'INST': {
        const nl1 = b.indexOf(0x0a, p);
        if (nl1 < 0) {
          if (end - p > LINE_MAX) this.#fatal(off, `${name} module line longer than ${LINE_MAX} bytes`);
          return -1;
        }
        const nl2 = b.indexOf(0x0a, nl1 + 1);
        if (nl2 < 0) {
          if (end - nl1 > LINE_MAX) this.#fatal(off, `${name} name line longer than ${LINE_MAX} bytes`);
          return -1;
        }
        // The C unpickler decodes module and name as UTF-8 before find_class.
        const module = utf8.decode(b.subarray(p, nl1));
        const gname = utf8.decode(b.subarray(nl1 + 1, nl2));
        this.#record(off, name, short(`${module} ${gname}`));
        const g = this.#addGlobal(module, gname, off, name, true);
        if (name === 'GLOBAL') this.#push(g);
        else {
          const args = this.#popMark(off);
          this.#push(this.#call(off, 'INST', g, { k: 'tuple', items: args.slice(0, 64) }));
        }
        return nl2 + 1;
      }
      case 'STACK_GLOBAL': {
        this.#record(off, name);
        const n = this.#pop(off);
        const mod = this.#pop(off);
        const ms = this.#str(mod);
        const ns = this.#str(n);
        const resolved = ms !== undefined && ns !== undefined;
        this.#push(this.#addGlobal(ms ?? '<unknown>', ns ?? '<unknown>', off, name, resolved));
        return p;
      }
      case 'EXT1':
      case 'EXT2':
      case 'EXT4': {
        const n = name === 'EXT1' ? 1 : name === 'EXT2' ? 2 : 4;
        if (p + n > end) return -1;
        const v = n === 1 ? b[p]! : n === 2 ? b[p]! | (b[p + 1]! << 8) : i32(b, p);
        this.#record(off, name, v);
        // The copyreg extension registry is empty unless the loading program fills it.
        this.#addGlobal('copyreg', `<extension ${v}>`, off, 'EXT', false);
        this.#push({ k: 'ext', code: v });
        return p + n;
      }
      case 'PERSID': {
        const l = this.#line(b, p, end);
        if (!l) return -1;
        if (l[1] === -2) this.#fatal(off, `PERSID line longer than ${LINE_MAX} bytes`);
        this.#record(off, name, short(l[0]));
        this.#persid++;
        this.#push({ k: 'persid', id: { k: 'str', v: l[0], bytes: false, cut: false } });
        return l[1];
      }
      case 'BINPERSID':
        this.#record(off, name);
        this.#persid++;
        this.#push({ k: 'persid', id: this.#pop(off) });
        return p;
      case 'REDUCE': {
        this.#record(off, name);
        const args = this.#pop(off);
        const fn = this.#pop(off);
        this.#push(this.#call(off, 'REDUCE', fn, args));
        return p;
      }
      case 'NEWOBJ': {
        this.#record(off, name);
        const args = this.#pop(off);
        const cls = this.#pop(off);
        this.#push(this.#call(off, 'NEWOBJ', cls, args));
        return p;
      }
      case 'NEWOBJ_EX': {
        this.#record(off, name);
        this.#pop(off); // kwargs
        const args = this.#pop(off);
        const cls = this.#pop(off);
        this.#push(this.#call(off, 'NEWOBJ_EX', cls, args));
        return p;
      }
      case 'OBJ': {
        this.#record(off, name);
        const items = this.#popMark(off);
        const cls = items[0];
        if (cls === undefined) this.#fatal(off, 'OBJ without a class');
        this.#push(this.#call(off, 'OBJ', cls, { k: 'tuple', items: items.slice(1, 65) }));
        return p;
      }
      case 'BUILD': {
        this.#record(off, name);
        const state = this.#pop(off);
        const obj = m.stack.at(-1);
        if (obj === undefined) this.#fatal(off, 'stack underflow');
        const target = obj.k === 'obj' ? (this.#dotted(obj.fn) ?? this.#render(obj.fn)) : this.#render(obj);
        if (this.#calls.length < 10_000)
          this.#calls.push({
            offset: off,
            op: 'BUILD',
            target: `${target}.__setstate__`,
            args: short(this.#render(state)),
            ...(obj.k === 'global' ? { onGlobal: true } : {}),
          });
        if (obj.k === 'obj') {
          obj.state = state;
          if (this.#joblib && this.#dotted(obj.fn) === 'joblib.numpy_pickle.NumpyArrayWrapper')
            this.#joblibArray(obj, off);
        }
        return p;
      }
      default:
        this.#fatal(off, `unhandled opcode ${name}`);
    }
  }

  #get(idx: number, off: number): void {
    const m = this.#m;
    const v = idx < DENSE_MEMO ? m.memo[idx] : m.memoFar.get(idx);
    if (v === undefined) this.#fatal(off, `memo key ${idx} was never stored`);
    this.#push(v, off);
  }

  #put(idx: number, off: number): void {
    const m = this.#m;
    const v = m.stack.at(-1);
    if (v === undefined) this.#fatal(off, 'memoize with an empty stack');
    const had = idx < DENSE_MEMO ? m.memo[idx] !== undefined : m.memoFar.has(idx);
    if (!had) {
      if (m.memoSize >= this.#maxMemo) this.#fatal(off, `more than ${this.#maxMemo} memo entries`, true);
      m.memoSize++;
    }
    if (idx < DENSE_MEMO) m.memo[idx] = v;
    else m.memoFar.set(idx, v);
  }

  /** joblib writes each array's bytes (or, for object arrays, a nested pickle) right after its wrapper's BUILD. */
  #joblibArray(wrapper: Extract<PV, { k: 'obj' }>, off: number): void {
    const state = wrapper.state;
    if (state?.k !== 'dict') this.#fatal(off, 'joblib NumpyArrayWrapper without a state dict');
    const dtype = state.entries.get('dtype');
    const shape = state.entries.get('shape');
    if (dtype?.k !== 'obj' || dtype.args.k !== 'tuple' || shape?.k !== 'tuple')
      this.#fatal(off, 'joblib NumpyArrayWrapper with an unreadable dtype or shape');
    const descr = this.#str(dtype.args.items[0]) ?? '';
    if (descr.startsWith('O')) {
      // An object array: a whole pickle follows, read by a fresh unpickler.
      this.#outer.push(this.#m);
      if (this.#outer.length > this.#maxDepth) this.#fatal(off, 'joblib arrays nested too deep', true);
      this.#m = newMachine(true);
      this.#m.stack = [];
      this.#atStart = false;
      return;
    }
    const st = dtype.state;
    const elsize = st?.k === 'tuple' && st.items[5]?.k === 'int' ? st.items[5].v : -1;
    const digits = /^[<>|=]?[a-zA-Z?](\d+)/.exec(descr);
    const itemsize =
      elsize > 0 ? elsize : descr === '?' || descr === 'b1' ? 1 : digits ? Number(digits[1]) : Number.NaN;
    let count = 1;
    for (const d of shape.items) count *= d.k === 'int' ? d.v : Number.NaN;
    const n = count * itemsize;
    if (!Number.isFinite(n) || n < 0)
      this.#fatal(off, `joblib array of dtype ${short(descr)} with an unreadable size`);
    const align = state.entries.get('numpy_array_alignment_bytes');
    if (align !== undefined && align.k !== 'none') this.#raw.push({ kind: 'pad' });
    this.#raw.push({ kind: 'skip', n });
  }
}

/**
 * Disassembles a pickle held in memory (see {@link PickleStreamDisassembler}
 * for files): every opcode, every import with its rating, every call, and
 * what is malformed. Nothing is executed.
 *
 * @example
 * ```ts
 * const dis = disassemblePickle(new Uint8Array([0x80, 0x04, 0x4e, 0x2e]));
 * dis.ops.map((o) => o.op); // ['PROTO', 'NONE', 'STOP']
 * ```
 */
export function disassemblePickle(
  bytes: Uint8Array,
  options: PickleDisassemblyOptions = {},
): PickleDisassembly {
  const d = new PickleStreamDisassembler(options);
  d.push(bytes);
  return d.end();
}
