import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVigilError } from '@vigil/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  candidateFiles,
  findTlsTargets,
  isSslLibraryPath,
  parseLdconfigSsl,
  sslExports,
  systemSslLibraries,
} from '../src/tls-targets.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-elf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LIBSSL = '/usr/lib/x86_64-linux-gnu/libssl.so.3';
const linux = process.platform === 'linux';

function tryExports(path: string): string[] | 'error' {
  try {
    return sslExports(path);
  } catch (e) {
    if (isVigilError(e) && (e.code === 'PARSE' || e.code === 'IO')) return 'error';
    throw e;
  }
}

describe('sslExports', () => {
  it.skipIf(!linux)('finds the OpenSSL functions Node.js exports, and none in a program without them', () => {
    const node = sslExports(process.execPath);
    // Node links OpenSSL statically; its build exports the symbols (checked with nm -D).
    if (node.length > 0) expect(node).toEqual(expect.arrayContaining(['SSL_write', 'SSL_read']));
    expect(sslExports('/bin/true')).toEqual([]);
  });

  it.skipIf(!linux || tryExports(LIBSSL) === 'error')('finds all five in libssl.so.3', () => {
    expect(sslExports(LIBSSL)).toEqual(['SSL_write', 'SSL_write_ex', 'SSL_read', 'SSL_read_ex', 'SSL_free']);
  });

  it('returns nothing for files that are not 64-bit little-endian ELF', () => {
    const text = join(dir, 'text');
    writeFileSync(text, '#!/bin/sh\necho hello, this is not an ELF file at all\n'.repeat(4));
    expect(sslExports(text)).toEqual([]);
    const elf32 = Buffer.alloc(128);
    elf32.write('\x7fELF', 0, 'latin1');
    elf32[4] = 1; // ELFCLASS32
    elf32[5] = 1;
    writeFileSync(join(dir, 'elf32'), elf32);
    expect(sslExports(join(dir, 'elf32'))).toEqual([]);
  });

  it('names the file and the offset of a malformed header', () => {
    const bad = Buffer.alloc(128);
    bad.write('\x7fELF', 0, 'latin1');
    bad[4] = 2;
    bad[5] = 1;
    bad.writeBigUInt64LE(1000n, 0x28); // section headers past the end
    bad.writeUInt16LE(64, 0x3a);
    bad.writeUInt16LE(3, 0x3c);
    const file = join(dir, 'bad');
    writeFileSync(file, bad);
    expect(() => sslExports(file)).toThrowError(/do not fit the 128-byte file/);
    try {
      sslExports(file);
    } catch (e) {
      expect(isVigilError(e) && e.location).toMatchObject({ file, offset: 0x28 });
    }
    expect(() => sslExports(join(dir, 'missing'))).toThrowError(/cannot read/);
  });

  it.skipIf(!linux)('never throws anything but a PARSE error on mutated and truncated ELF files', () => {
    // A real, small ELF file: its header, section headers and symbol tables get mutated.
    const original = readFileSync('/bin/true');
    const file = join(dir, 'mutated');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 24 }),
        fc.option(fc.nat(original.length), { nil: undefined }),
        fc.boolean(),
        (edits, cut, headerOnly) => {
          const b = Buffer.from(original.subarray(0, cut ?? original.length));
          for (const [at, v] of edits) {
            // Half the runs hit the ELF header, where one byte moves every table.
            const pos = headerOnly ? at % 64 : at;
            if (pos < b.length) b[pos] = v;
          }
          writeFileSync(file, b);
          const r = tryExports(file);
          expect(r === 'error' || Array.isArray(r)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('finding TLS targets', () => {
  it.each([
    ['/usr/lib/x86_64-linux-gnu/libssl.so.3', true],
    ['/usr/lib/x86_64-linux-gnu/libssl.so.1.1', true],
    ['/usr/lib/libssl.so', true],
    ['/opt/app/lib/libboringssl.so', true],
    ['/usr/lib/x86_64-linux-gnu/libcrypto.so.3', false],
    ['/usr/lib/x86_64-linux-gnu/libssl3.so.bak', false],
    ['/usr/bin/ssl', false],
    ['/home/u/libssl.so.3/notes.txt', false],
  ])('%s is an SSL library path: %s', (path, expected) => {
    expect(isSslLibraryPath(path)).toBe(expected);
  });

  it.skipIf(!linux)("lists this process's executable when it exports OpenSSL", () => {
    expect(candidateFiles(process.pid)[0]).toBe(realpathSync('/proc/self/exe'));
    const mine = findTlsTargets([process.pid]);
    if (sslExports(process.execPath).length > 0) {
      expect(mine).toHaveLength(1);
      expect(mine[0]!.pids).toEqual([process.pid]);
    } else expect(mine.every((t) => t.path !== process.execPath)).toBe(true);
    expect(findTlsTargets([2 ** 30])).toEqual([]); // no such process
  });
});

describe("the system's OpenSSL libraries", () => {
  const LDCONFIG = [
    "1234 libs found in cache `/etc/ld.so.cache'",
    '\tlibssl3.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libssl3.so',
    '\tlibssl.so.3 (libc6,x86-64) => /lib/x86_64-linux-gnu/libssl.so.3',
    '\tlibssl.so.3 (libc6) => /lib/i386-linux-gnu/libssl.so.3',
    '\tlibssl.so.1.1 (libc6,x86-64, OS ABI: Linux 3.2.0) => /usr/lib/x86_64-linux-gnu/libssl.so.1.1',
    '\tlibssl.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libssl.so',
    '\tlibssl.so.3 (libc6,AArch64) => /lib/aarch64-linux-gnu/libssl.so.3',
    '\tlibssl.so.3 (libc6,x86-64) => /lib/x86_64-linux-gnu/libssl.so.3',
    '\tlibcrypto.so.3 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcrypto.so.3',
    '\tlibssl.so.3 (libc6,x86-64) => relative/libssl.so.3',
    'Cache generated by: ldconfig (GNU libc) stable release version 2.36',
  ].join('\n');

  it.each([
    ['x86-64', ['/lib/x86_64-linux-gnu/libssl.so.3', '/usr/lib/x86_64-linux-gnu/libssl.so.1.1']],
    ['AArch64', ['/lib/aarch64-linux-gnu/libssl.so.3']],
    ['s390x', []],
  ])("reads OpenSSL's sonames for %s from ldconfig -p, once each, and nothing else", (tag, expected) => {
    expect(parseLdconfigSsl(LDCONFIG, tag)).toEqual(expected);
  });

  it('reads nothing from text that is not ldconfig output', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const p of parseLdconfigSsl(text, 'x86-64')) {
          expect(p.startsWith('/')).toBe(true);
          expect(/\/libssl\.so\.(3|1\.1)$/.test(p) || text.includes(p)).toBe(true);
        }
      }),
    );
    expect(parseLdconfigSsl('', 'x86-64')).toEqual([]);
  });

  it.skipIf(!linux || process.arch !== 'x64' || tryExports(LIBSSL) === 'error')(
    "finds this machine's libssl.so.3 (Debian's path), symlinks resolved, once",
    () => {
      const found = systemSslLibraries();
      expect(found).toContain(realpathSync(LIBSSL));
      expect(new Set(found).size).toBe(found.length);
      for (const f of found) expect(realpathSync(f)).toBe(f);
    },
  );
});
