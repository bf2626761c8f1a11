import { VigilError } from '@vigil/core';
import type { ByteSource } from './byte-source.js';

/** One regular file in a tar archive. */
export interface TarEntry {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** True when a 512-byte header block carries the ustar magic. */
export function isTarHeader(head: Uint8Array): boolean {
  return head.length >= 262 && new TextDecoder('latin1').decode(head.subarray(257, 262)) === 'ustar';
}

/** Lists the regular files of a tar archive (PyTorch's legacy format), bounded by `maxEntries`. */
export async function readTarEntries(src: ByteSource, maxEntries: number): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  const dec = new TextDecoder('latin1');
  let at = 0;
  let longName: string | undefined;
  for (let n = 0; n < maxEntries * 2 && at + 512 <= src.size; n++) {
    const h = await src.read(at, 512);
    if (h.every((x) => x === 0)) break;
    if (!isTarHeader(h))
      throw new VigilError('INPUT_INVALID', 'bad tar header', { location: { file: src.name, offset: at } });
    const sizeText = dec.decode(h.subarray(124, 136)).replace(/\0.*$/s, '').trim();
    if (!/^[0-7]*$/.test(sizeText))
      throw new VigilError('INPUT_INVALID', 'tar size field is not octal', {
        location: { file: src.name, offset: at + 124 },
      });
    const size = sizeText === '' ? 0 : Number.parseInt(sizeText, 8);
    const type = String.fromCharCode(h[156]!);
    const prefix = dec.decode(h.subarray(345, 500)).replace(/\0.*$/s, '');
    const base = dec.decode(h.subarray(0, 100)).replace(/\0.*$/s, '');
    const data = at + 512;
    if (data + size > src.size)
      throw new VigilError('INPUT_INVALID', `tar member ${base} extends past the end of the file`, {
        location: { file: src.name, offset: at },
      });
    if (type === 'L') longName = dec.decode(await src.read(data, Math.min(size, 4096))).replace(/\0.*$/s, '');
    else {
      if ((type === '0' || type === '\0') && out.length < maxEntries)
        out.push({ name: longName ?? (prefix ? `${prefix}/${base}` : base), offset: data, size });
      longName = undefined;
    }
    at = data + Math.ceil(size / 512) * 512;
  }
  return out;
}
