import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { VigilError } from '@vigil/core';

/**
 * The OpenSSL functions whose plaintext payload capture reads (uprobes on
 * entry and return), and `SSL_free`, which ends a session.
 *
 * @example
 * ```ts
 * import { SSL_FUNCTIONS } from '@vigil/ebpf-native';
 *
 * console.log(SSL_FUNCTIONS.join(', ')); // SSL_write, SSL_write_ex, SSL_read, SSL_read_ex, SSL_free
 * ```
 */
export const SSL_FUNCTIONS = ['SSL_write', 'SSL_write_ex', 'SSL_read', 'SSL_read_ex', 'SSL_free'] as const;
/**
 * One of {@link SSL_FUNCTIONS}.
 *
 * @example
 * ```ts
 * const fn: SslFunction = 'SSL_read_ex';
 * ```
 */
export type SslFunction = (typeof SSL_FUNCTIONS)[number];

/** Larger symbol tables are not read (a corrupt header would otherwise ask for gigabytes). */
const MAX_TABLE_BYTES = 64 * 1024 * 1024;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

function readAt(fd: number, length: number, position: number, file: string): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  if (n !== length)
    throw new VigilError('PARSE', `expected ${length} bytes at offset ${position}, the file has ${n}`, {
      location: { file, offset: position },
    });
  return buf;
}

function u64(b: Buffer, at: number, file: string, base: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new VigilError('PARSE', `an ELF offset or size of ${v} is beyond any file`, {
      location: { file, offset: base + at },
    });
  return Number(v);
}

/**
 * The {@link SSL_FUNCTIONS} a file defines and exports in its dynamic symbol
 * table: `libssl.so.3`, or an executable that links OpenSSL statically and
 * exports it (Node.js does). Reads only the ELF header, the section headers and
 * the dynamic symbol and string tables. Returns `[]` for a file that is not a
 * 64-bit little-endian ELF object or has no dynamic symbols; throws a `PARSE`
 * {@link VigilError} naming the file and the offset for a malformed one, and
 * `IO` when the file cannot be read.
 *
 * @example
 * ```ts
 * import { sslExports } from '@vigil/ebpf-native';
 *
 * console.log(sslExports(process.execPath)); // [ 'SSL_write', 'SSL_write_ex', 'SSL_read', … ]
 * ```
 */
export function sslExports(path: string): SslFunction[] {
  return [...sslSymbolOffsets(path).keys()];
}

/**
 * Like {@link sslExports}, with the file offset of each function: where a
 * uprobe goes (what libbpf would compute from the name, without reading the
 * symbol tables again for every probe).
 *
 * @example
 * ```ts
 * import { sslSymbolOffsets } from '@vigil/ebpf-native';
 *
 * for (const [fn, offset] of sslSymbolOffsets('/usr/lib/x86_64-linux-gnu/libssl.so.3')) console.log(fn, offset.toString(16));
 * ```
 */
export function sslSymbolOffsets(path: string): Map<SslFunction, number> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw new VigilError('IO', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    const size = statSync(path).size;
    const none = new Map<SslFunction, number>();
    if (size < 64) return none;
    const eh = readAt(fd, 64, 0, path);
    // \x7fELF, ELFCLASS64, ELFDATA2LSB: the only layout the uprobes here are built for.
    if (eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) return none;
    const shoff = u64(eh, 0x28, path, 0);
    const shentsize = eh.readUInt16LE(0x3a);
    const shnum = eh.readUInt16LE(0x3c);
    if (shnum === 0 || shoff === 0) return none;
    if (shentsize < 64 || shoff + shentsize * shnum > size)
      throw new VigilError(
        'PARSE',
        `section headers (${shnum} of ${shentsize} bytes at ${shoff}) do not fit the ${size}-byte file`,
        { location: { file: path, offset: 0x28 } },
      );
    const sh = readAt(fd, shentsize * shnum, shoff, path);
    const section = (i: number) => {
      const at = i * shentsize;
      return {
        at: shoff + at,
        type: sh.readUInt32LE(at + 4),
        addr: u64(sh, at + 0x10, path, shoff),
        offset: u64(sh, at + 0x18, path, shoff),
        size: u64(sh, at + 0x20, path, shoff),
        link: sh.readUInt32LE(at + 0x28),
      };
    };
    let dynsym: ReturnType<typeof section> | undefined;
    for (let i = 0; i < shnum; i++) {
      const s = section(i);
      if (s.type === SHT_DYNSYM) {
        dynsym = s;
        break;
      }
    }
    if (!dynsym) return none;
    if (dynsym.link >= shnum)
      throw new VigilError('PARSE', `.dynsym links to string table section ${dynsym.link} of ${shnum}`, {
        location: { file: path, offset: dynsym.at + 0x28 },
      });
    const strtab = section(dynsym.link);
    for (const [name, s] of [
      ['.dynsym', dynsym],
      ['.dynstr', strtab],
    ] as const) {
      if (s.size > MAX_TABLE_BYTES || s.offset + s.size > size)
        throw new VigilError(
          'PARSE',
          `${name} (${s.size} bytes at ${s.offset}) does not fit the ${size}-byte file or the ${MAX_TABLE_BYTES}-byte limit`,
          { location: { file: path, offset: s.at + 0x18 } },
        );
    }
    const syms = readAt(fd, dynsym.size, dynsym.offset, path);
    const strs = readAt(fd, strtab.size, strtab.offset, path);
    const wanted = new Map<string, SslFunction>(SSL_FUNCTIONS.map((f) => [f, f]));
    const found = new Map<SslFunction, number>();
    for (let at = 0; at + 24 <= syms.length; at += 24) {
      const type = syms[at + 4]! & 0xf;
      const shndx = syms.readUInt16LE(at + 6);
      if ((type !== STT_FUNC && type !== STT_GNU_IFUNC) || shndx === 0) continue;
      const name = syms.readUInt32LE(at);
      // The names wanted all start with "SSL_": cheap test before decoding the string.
      if (name + 4 > strs.length || strs[name] !== 0x53 || strs[name + 1] !== 0x53 || strs[name + 2] !== 0x4c)
        continue;
      const end = strs.indexOf(0, name);
      const fn = wanted.get(strs.toString('latin1', name, end < 0 ? strs.length : end));
      if (!fn || found.has(fn)) continue;
      // The symbol's address, in the file: through the section that holds it.
      const value = u64(syms, at + 8, path, dynsym.offset);
      if (shndx >= shnum) continue; // SHN_ABS and other special sections: no code here
      const s = section(shndx);
      if (value < s.addr || value >= s.addr + s.size || s.offset + (value - s.addr) >= size)
        throw new VigilError('PARSE', `${fn} at 0x${value.toString(16)} lies outside its section ${shndx}`, {
          location: { file: path, offset: dynsym.offset + at + 8 },
        });
      found.set(fn, value - s.addr + s.offset);
    }
    const out = new Map<SslFunction, number>();
    for (const f of SSL_FUNCTIONS) {
      const off = found.get(f);
      if (off !== undefined) out.set(f, off);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * A file that payload capture found with OpenSSL functions, and what was
 * attached to it.
 *
 * @example
 * ```ts
 * const t: TlsTarget = { path: '/usr/lib/x86_64-linux-gnu/libssl.so.3', functions: ['SSL_write', 'SSL_read'], pids: [4242] };
 * ```
 */
export interface TlsTarget {
  /** The file, symlinks resolved. */
  readonly path: string;
  /** The {@link SSL_FUNCTIONS} it exports (or, for a sensor, that were attached). */
  readonly functions: readonly SslFunction[];
  /** Processes seen with it mapped, when known. */
  readonly pids?: readonly number[];
  /** Why nothing could be attached, when that was the case. */
  readonly error?: string;
}

/**
 * Files a process maps that could carry OpenSSL: its executable and libraries named like an SSL library.
 *
 * @internal
 */
export function candidateFiles(pid: number): string[] {
  const out = new Set<string>();
  try {
    out.add(realpathSync(`/proc/${pid}/exe`));
  } catch {
    // gone, or a kernel thread
  }
  let maps = '';
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return [...out];
  }
  for (const line of maps.split('\n')) {
    const slash = line.indexOf('/');
    if (slash < 0) continue;
    const path = line.slice(slash);
    if (isSslLibraryPath(path)) out.add(path);
  }
  return [...out];
}

/**
 * True for paths named like a shared OpenSSL-compatible library
 * (`libssl.so.3`, `libssl.so.1.1`, `libboringssl.so`, …).
 *
 * @example
 * ```ts
 * isSslLibraryPath('/usr/lib/x86_64-linux-gnu/libssl.so.3'); // true
 * ```
 */
export function isSslLibraryPath(path: string): boolean {
  return /\/lib(ssl|boringssl)[^/]*\.so(\.[\d.]+)?$/.test(path);
}

/**
 * Every file mapped by a running process that exports OpenSSL functions, with
 * the processes mapping it: what `vigil probe` reports and what payload
 * capture would attach its uprobes to. Reads `/proc`; processes it may not
 * read are skipped.
 *
 * @example
 * ```ts
 * import { findTlsTargets } from '@vigil/ebpf-native';
 *
 * for (const t of findTlsTargets()) console.log(t.path, t.functions.join(' '), t.pids?.length);
 * ```
 */
export function findTlsTargets(pids?: readonly number[]): TlsTarget[] {
  const list =
    pids ??
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  const byFile = new Map<string, { functions: SslFunction[]; pids: number[] }>();
  const rejected = new Set<string>();
  for (const pid of list) {
    for (const file of candidateFiles(pid)) {
      if (rejected.has(file)) continue;
      let entry = byFile.get(file);
      if (!entry) {
        let functions: SslFunction[] = [];
        try {
          functions = sslExports(file);
        } catch {
          // unreadable or malformed: not a target
        }
        if (functions.length === 0) {
          rejected.add(file);
          continue;
        }
        entry = { functions, pids: [] };
        byFile.set(file, entry);
      }
      entry.pids.push(pid);
    }
  }
  return [...byFile].map(([path, e]) => ({ path, functions: e.functions, pids: e.pids }));
}

/** The OpenSSL sonames a program's loader resolves on the systems Vigil runs on (OpenSSL 3 and 1.1). */
const SYSTEM_SSL_SONAMES = ['libssl.so.3', 'libssl.so.1.1'] as const;

/** ldconfig's tag for the libraries of this process's architecture, and the Debian multiarch directory. */
const ARCH: Readonly<Record<string, { tag: string; multiarch: string }>> = {
  x64: { tag: 'x86-64', multiarch: 'x86_64-linux-gnu' },
  arm64: { tag: 'AArch64', multiarch: 'aarch64-linux-gnu' },
};

/**
 * The paths `ldconfig -p` lists for the OpenSSL sonames (`libssl.so.3`,
 * `libssl.so.1.1`) of one architecture (`x86-64`, `AArch64`: the tag in its
 * parentheses), in the order listed. Lines of other libraries, other
 * architectures (`libc6` alone is 32-bit x86) or another shape are skipped.
 *
 * @example
 * ```ts
 * import { parseLdconfigSsl } from '@vigil/ebpf-native';
 *
 * parseLdconfigSsl('\tlibssl.so.3 (libc6,x86-64) => /lib/x86_64-linux-gnu/libssl.so.3\n', 'x86-64');
 * // [ '/lib/x86_64-linux-gnu/libssl.so.3' ]
 * ```
 */
export function parseLdconfigSsl(text: string, archTag: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+) \(([^)]*)\)(?: OS ABI: [^=]*)? => (\/\S+)\s*$/.exec(line);
    if (!m) continue;
    const [, soname, tags, path] = m as unknown as [string, string, string, string];
    if (!(SYSTEM_SSL_SONAMES as readonly string[]).includes(soname)) continue;
    if (!tags.split(',').includes(archTag)) continue;
    if (!out.includes(path)) out.push(path);
  }
  return out;
}

/** What `ldconfig -p` listed for the OpenSSL sonames, read once per process. */
let ldconfigSsl: string[] | undefined;

/**
 * The OpenSSL libraries (`libssl.so.3`, `libssl.so.1.1`) the system's dynamic
 * loader would give a program of this architecture: what `ldconfig -p` lists,
 * and the standard Debian paths (`/usr/lib/<multiarch>/`, `/lib/<multiarch>/`)
 * that exist, symlinks resolved, each file once. Payload capture attaches its
 * uprobes to these when the sensor opens, before any workload maps them. Empty
 * on an architecture it does not know or a system without them.
 *
 * @example
 * ```ts
 * import { systemSslLibraries } from '@vigil/ebpf-native';
 *
 * console.log(systemSslLibraries()); // [ '/usr/lib/x86_64-linux-gnu/libssl.so.3' ]
 * ```
 */
export function systemSslLibraries(): string[] {
  const arch = ARCH[process.arch];
  if (!arch || process.platform !== 'linux') return [];
  // Running ldconfig costs a fork of this (large) process: once per process. Paths are resolved each call.
  if (!ldconfigSsl) {
    ldconfigSsl = [];
    for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig']) {
      if (!existsSync(ldconfig)) continue;
      const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 5000, maxBuffer: 16 * 1024 * 1024 });
      if (r.status === 0) ldconfigSsl = parseLdconfigSsl(r.stdout, arch.tag);
      break;
    }
  }
  const candidates = [...ldconfigSsl];
  for (const dir of [`/usr/lib/${arch.multiarch}`, `/lib/${arch.multiarch}`])
    for (const soname of SYSTEM_SSL_SONAMES) candidates.push(`${dir}/${soname}`);
  const out = new Set<string>();
  for (const c of candidates) {
    try {
      const real = realpathSync(c);
      if (statSync(real).isFile()) out.add(real);
    } catch {
      // not installed
    }
  }
  return [...out];
}
