import { describe, expect, it } from 'vitest';
import {
  LAYOUT,
  MAX_RECORD_BYTES,
  PAYLOAD_MAX_BYTES,
  PAYLOAD_TOTAL_MAX_BYTES,
} from '../src/decode/layout.js';
import { loadBinding } from '../src/internal/binding.js';
import { whyNoAddon } from './helpers.js';

const why = whyNoAddon();
if (why) console.warn(`skipping the C layout comparison: ${why}`);

describe('record layout', () => {
  it.skipIf(why !== undefined)('matches sizeof/offsetof of the compiled C header, struct by struct', () => {
    const c = loadBinding().layout();
    const names = Object.keys(c).filter((k) => k !== 'constants');
    expect(names.sort()).toEqual(Object.keys(LAYOUT).sort());
    for (const name of names) {
      const ts = LAYOUT[name as keyof typeof LAYOUT];
      expect({ struct: name, ...c[name] }).toEqual({ struct: name, size: ts.size, fields: ts.fields });
    }
    expect(c.constants['scratch']).toBe(MAX_RECORD_BYTES);
    expect(c.constants['payloadMax']).toBe(PAYLOAD_MAX_BYTES);
    expect(c.constants['payloadTotalMax']).toBe(PAYLOAD_TOTAL_MAX_BYTES);
    // A payload record with a full cap still fits the largest record the decoder accepts.
    expect(LAYOUT.payload.size + PAYLOAD_MAX_BYTES).toBeLessThanOrEqual(MAX_RECORD_BYTES);
  });

  it('keeps every body 8-byte aligned and every field inside its struct', () => {
    for (const [name, s] of Object.entries(LAYOUT)) {
      if (name !== 'str') expect(s.size % 8, name).toBe(0);
      for (const [field, off] of Object.entries(s.fields))
        expect(off, `${name}.${field}`).toBeLessThan(s.size);
    }
  });
});
