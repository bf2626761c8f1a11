import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { eventJsonSchema, findingJsonSchema } from '../../src/index.js';
import { sampleEvents } from '../helpers/events.js';

describe('JSON Schema exports', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });

  it('the event JSON Schema accepts valid events and rejects invalid ones', () => {
    const validate = ajv.compile(eventJsonSchema());
    for (const ev of sampleEvents(12))
      expect(validate(JSON.parse(JSON.stringify(ev))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...sampleEvents(1)[0], kind: 'nope' })).toBe(false);
    expect(validate({ ...sampleEvents(1)[0], pid: -3 })).toBe(false);
  });

  it('the finding JSON Schema compiles and rejects a finding without a severity', () => {
    const validate = ajv.compile(findingJsonSchema());
    expect(validate({ id: 'x' })).toBe(false);
  });
});
