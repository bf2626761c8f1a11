/**
 * Generates packages/core/src/capture/event-builders.generated.ts: one function
 * per event kind that builds the event object from a decoded capture record
 * with an object literal, so every event of a kind gets the same fixed shape
 * in one allocation instead of a property-by-property build.
 */
import { EventSchema } from '../../packages/core/src/schemas/zod.js';

/** What a schema field needs for the layout: whether it accepts `undefined` (optional). */
export interface FieldSchema {
  safeParse(x: unknown): { success: boolean };
}

/** True when a schema field may be absent. Shared with the events page in generate.ts. */
export function isOptional(field: FieldSchema): boolean {
  return field.safeParse(undefined).success;
}
interface Def {
  type: string;
  checks?: { _zod: { def: Record<string, unknown> } }[];
  innerType?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  entries?: Record<string, string>;
  shape?: Record<string, unknown>;
  catchall?: unknown;
}
// zod types `_zod.def` as a union over every schema class; the generator reads the few fields
// above and treats any `type` it does not know as inexpressible (that kind is left to zod), so a
// loose view of the def is all it needs.
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** Declares a module constant once per distinct body and returns its name. */
function constant(consts: string[], prefix: string, type: string, body: string): string {
  const found = consts.find((c) => c.endsWith(`${type} = ${body};`));
  if (found) return found.split(' ')[1]!.replace(':', '');
  const name = `${prefix}_${consts.length}`;
  consts.push(`const ${name}${type} = ${body};`);
  return name;
}

/**
 * A JavaScript expression that is true only when `x` passes `def` — never
 * looser than zod: anything it cannot express exactly makes it return
 * undefined, and that kind is left to zod.
 */
function check(def: Def, x: string, consts: string[]): string | undefined {
  const parts: string[] = [];
  switch (def.type) {
    case 'number': {
      // Number.isSafeInteger and Number.isFinite are false for anything but a number,
      // so one of them is the whole type check.
      const safeint = (def.checks ?? []).some(
        (c) => c._zod.def['check'] === 'number_format' && c._zod.def['format'] === 'safeint',
      );
      if (!safeint) parts.push(`Number.isFinite(${x})`);
      break;
    }
    case 'string':
      parts.push(`typeof ${x} === 'string'`);
      break;
    case 'boolean':
      return def.checks?.length ? undefined : `typeof ${x} === 'boolean'`;
    case 'enum': {
      if (def.checks?.length || !def.entries) return undefined;
      const values = Object.values(def.entries);
      // A few values: comparisons against literals (interned strings compare by pointer).
      if (values.length <= 8) return values.map((v) => `${x} === ${JSON.stringify(v)}`).join(' || ');
      const name = constant(
        consts,
        'ENUM',
        ': ReadonlySet<unknown>',
        `new Set(${JSON.stringify(Object.values(def.entries))})`,
      );
      return `${name}.has(${x})`;
    }
    case 'array': {
      parts.push(`Array.isArray(${x})`);
      const el = def.element ? check(defOf(def.element), 'e', consts) : undefined;
      if (el === undefined) return undefined;
      const name = constant(
        consts,
        'EVERY',
        '',
        `(a: unknown[]): boolean => {\n  for (const e of a) if (!(${el})) return false;\n  return true;\n}`,
      );
      parts.push(`${name}(${x} as unknown[])`);
      break;
    }
    case 'object': {
      // zod strips unknown keys and rejects null for an optional field: the check allows neither.
      if (def.checks?.length || !def.shape || def.catchall !== undefined) return undefined;
      const keys = Object.keys(def.shape);
      const conds: string[] = [];
      for (const k of keys) {
        let d = defOf(def.shape[k]);
        let optional = false;
        if (d.type === 'optional' && d.innerType) {
          optional = true;
          d = defOf(d.innerType);
        }
        const c = check(d, `o[${JSON.stringify(k)}]`, consts);
        if (c === undefined) return undefined;
        conds.push(optional ? `(o[${JSON.stringify(k)}] === undefined || (${c}))` : `(${c})`);
      }
      const keySet = constant(consts, 'KEYS', ': ReadonlySet<string>', `new Set(${JSON.stringify(keys)})`);
      const name = constant(
        consts,
        'OBJECT',
        '',
        `(x: unknown): boolean => {\n  if (x === null || typeof x !== 'object' || Array.isArray(x) || Object.getPrototypeOf(x) !== Object.prototype) return false;\n  for (const k of Object.keys(x)) if (!${keySet}.has(k)) return false;\n  const o = x as Record<string, unknown>;\n  return ${conds.length > 0 ? conds.join(' && ') : 'true'};\n}`,
      );
      return `${name}(${x})`;
    }
    default:
      return undefined;
  }
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d['check'] === 'number_format' && d['format'] === 'safeint') parts.push(`Number.isSafeInteger(${x})`);
    else if (d['check'] === 'greater_than' && typeof d['value'] === 'number')
      parts.push(`(${x} as number) ${d['inclusive'] ? '>=' : '>'} ${d['value']}`);
    else if (d['check'] === 'less_than' && typeof d['value'] === 'number')
      parts.push(`(${x} as number) ${d['inclusive'] ? '<=' : '<'} ${d['value']}`);
    else if (d['check'] === 'max_length' && typeof d['maximum'] === 'number' && def.type === 'array')
      parts.push(`(${x} as unknown[]).length <= ${d['maximum']}`);
    else if (d['check'] === 'string_format' && d['format'] === 'regex' && d['pattern'] instanceof RegExp) {
      const re = d['pattern'];
      if (re.flags.includes('g') || re.flags.includes('y')) return undefined;
      // A field checked against a pattern (a cgroup id) repeats from event to event: the last string
      // that matched is remembered, so a repeat costs a comparison instead of the pattern.
      const name = constant(consts, 'RE', '', `matchesLast(${re.toString()})`);
      parts.push(`${name}(${x} as string)`);
    } else return undefined;
  }
  if (def.type === 'array') {
    // The element check runs last, after the cheap ones.
    const [isArray, elements, ...rest] = parts;
    return [isArray, ...rest, elements].map((p) => `(${p})`).join(' && ');
  }
  return parts.map((p) => `(${p})`).join(' && ');
}

/**
 * Optional envelope fields that live capture sets (`tid` only for a thread other than the
 * process's main one), and the combinations of them a builder writes as one object literal: such
 * events are allocated whole, with one shape per combination, instead of grown by assignment
 * (which moves the added properties to a second, out-of-object store).
 */
const USUAL_OPTIONAL = ['tid', 'uid', 'cgroupId'];
const USUAL_SHAPES = [
  ['uid', 'cgroupId'],
  ['tid', 'uid', 'cgroupId'],
];

/**
 * The statements that build a kind's event from its values (`val(i)`, the i-th value in layout
 * order, null when absent) and return it: required fields and the usual optional envelope fields
 * in one object literal, the other optional fields assigned after, in layout order. Shared by the
 * builders and the decoders, so both give every event of a kind the same keys in the same order.
 */
function buildLines(
  kind: string,
  fields: readonly string[],
  required: readonly number[],
  optional: readonly number[],
  val: (i: number) => string,
): string[] {
  const literal = [`      kind: '${kind}',`, ...required.map((i) => `      ${fields[i]}: ${val(i)},`)];
  const assign = (i: number, indent: string) =>
    `${indent}if (${val(i)} !== null) o['${fields[i]}'] = ${val(i)};`;
  // The optional envelope fields live capture sets go into the literal in the usual
  // combinations (they are the kind's first optional fields, so the keys keep their order).
  const lead = optional.slice(0, USUAL_OPTIONAL.length);
  const fast = lead.length === USUAL_OPTIONAL.length && lead.every((i, k) => fields[i] === USUAL_OPTIONAL[k]);
  const branches = USUAL_SHAPES.map((present, b) => {
    const cond = lead
      .map((i) => `${val(i)} ${present.includes(fields[i]!) ? '!==' : '==='} null`)
      .join(' && ');
    return [
      `    ${b === 0 ? 'if' : '} else if'} (${cond}) {`,
      `      o = {`,
      ...literal.map((l) => `  ${l}`),
      ...lead.filter((i) => present.includes(fields[i]!)).map((i) => `        ${fields[i]}: ${val(i)},`),
      `      };`,
    ];
  });
  return [
    ...(fast
      ? [
          `    let o: Record<string, unknown>;`,
          ...branches.flat(),
          `    } else {`,
          `      o = {`,
          ...literal.map((l) => `  ${l}`),
          `      };`,
          ...lead.map((i) => assign(i, '      ')),
          `    }`,
          ...optional.slice(lead.length).map((i) => assign(i, '    ')),
        ]
      : [
          `    const o: Record<string, unknown> = {`,
          ...literal,
          `    };`,
          ...optional.map((i) => assign(i, '    ')),
        ]),
    `    return o;`,
  ];
}

/**
 * A kind's record decoder: reads the record's values one by one (strings and enum values through
 * the decoder's per-field string cache), checks each as it is read with the same expression the
 * kind's check uses, resolves the workload, and builds the event, all in one function with no
 * values array. Returns undefined at the first value that is absent or off the schema, so the
 * caller takes the general path, which names what is wrong.
 */
function decoderSource(
  kind: string,
  shape: Record<string, unknown>,
  fields: readonly string[],
  required: readonly number[],
  optional: readonly number[],
  consts: string[],
): string {
  const at = fields.indexOf('workload');
  const lines = [`  '${kind}': (d, n, s, w) => {`];
  fields.forEach((f, i) => {
    let def = defOf(shape[f]);
    const isOptionalField = def.type === 'optional' && def.innerType !== undefined;
    if (isOptionalField) def = defOf(def.innerType);
    const read =
      def.type === 'string' || def.type === 'enum'
        ? `d.field(s + ${i})`
        : def.type === 'number' || i === at
          ? 'd.num()'
          : 'd.value()';
    lines.push(`    const v${i} = n > ${i} ? ${read} : null;`);
    if (i === at) {
      lines.push(`    const wl = typeof v${i} === 'number' ? w[v${i}] : undefined;`);
      lines.push(`    if (wl === undefined) return undefined;`);
      return;
    }
    // Every check rejects null, so a required value that is absent fails here too.
    const c = check(def, `v${i}`, consts)!;
    lines.push(`    if (!(${isOptionalField ? `v${i} === null || (${c})` : c})) return undefined;`);
  });
  lines.push(...buildLines(kind, fields, required, optional, (i) => (i === at ? 'wl' : `v${i}`)), `  },`);
  return lines.join('\n');
}

export function eventBuildersSource(): string {
  const layouts: string[] = [];
  const builders: string[] = [];
  const checks: string[] = [];
  const decoders: string[] = [];
  const consts: string[] = [];
  for (const o of EventSchema.options) {
    const shape: Record<string, FieldSchema> = o.shape;
    const kind = o.shape.kind.value;
    const entries = Object.entries(shape).filter(([k]) => k !== 'kind');
    const fields = entries.map(([k]) => k);
    const required: number[] = [];
    const optional: number[] = [];
    entries.forEach(([, field], i) => {
      (isOptional(field) ? optional : required).push(i);
    });
    layouts.push(`  '${kind}': [${fields.map((f) => `'${f}'`).join(', ')}],`);
    builders.push(
      [
        `  '${kind}': (v) => {`,
        `    if (${required.map((i) => `v[${i}] === null`).join(' || ')}) return undefined;`,
        ...buildLines(kind, fields, required, optional, (i) => `v[${i}]`),
        `  },`,
      ].join('\n'),
    );
    // The value check: every field but the kind (a literal the builder writes) and the
    // workload (validated when the capture declared it).
    const conds: string[] = [];
    let exact = true;
    fields.forEach((f, i) => {
      if (f === 'workload' || !exact) return;
      let def = defOf(shape[f]);
      let optional = false;
      if (def.type === 'optional' && def.innerType) {
        optional = true;
        def = defOf(def.innerType);
      }
      const c = check(def, `v[${i}]`, consts);
      if (c === undefined) exact = false;
      else conds.push(optional ? `(v[${i}] === null || (${c}))` : `(${c})`);
    });
    if (exact) checks.push(`  '${kind}': (v) =>\n    ${conds.join(' &&\n    ')},`);
    if (exact) decoders.push(decoderSource(kind, shape, fields, required, optional, consts));
  }
  return `// Generated by scripts/docs/generate.ts from the zod event schemas; do not edit by hand.

/**
 * Builds an event from the values of one capture record, in layout order
 * (\`null\` for an absent value, the workload already resolved); undefined when
 * a required value is absent, so the caller takes the general path.
 *
 * @internal
 */
export type EventBuilder = (v: readonly unknown[]) => Record<string, unknown> | undefined;

/**
 * The field order each builder reads, by kind: a capture whose header lays a
 * kind out the same way is decoded by that kind's builder.
 *
 * @internal
 */
export const BUILDER_LAYOUTS: Readonly<Record<string, readonly string[]>> = {
${layouts.join('\n')}
};

/**
 * One builder per event kind; each returns an object literal, so every event
 * of a kind shares one shape and is allocated at once.
 *
 * @internal
 */
export const EVENT_BUILDERS: Readonly<Record<string, EventBuilder>> = {
${builders.join('\n')}
};

/** A test for \`re\` that remembers the last string it accepted, and accepts it again without running \`re\`. */
function matchesLast(re: RegExp): (s: string) => boolean {
  let last: string | undefined;
  return (s) => {
    if (s === last) return true;
    if (!re.test(s)) return false;
    last = s;
    return true;
  };
}

${consts.join('\n')}

/**
 * Checks the values of one record against the event schema of its kind, in
 * the builder's layout. Each check is never looser than the zod schema it was
 * generated from: true means zod would accept the built event unchanged;
 * false sends the event to zod, which names what is wrong. Kinds with fields
 * these checks cannot express exactly have none and always go to zod.
 *
 * @internal
 */
export const EVENT_CHECKS: Readonly<Record<string, (v: readonly unknown[]) => boolean>> = {
${checks.join('\n')}
};

/**
 * Where a {@link EventDecoder} reads a record's values from: the capture decoder, positioned
 * after the record's type.
 *
 * @internal
 */
export interface RecordValues {
  /** Reads any value. */
  value(): unknown;
  /** Reads a value where a number or nil is expected; anything else as {@link RecordValues.value} would. */
  num(): unknown;
  /** Reads a value that tends to repeat at field slot \`slot\` (strings come from a per-field cache). */
  field(slot: number): unknown;
}

/**
 * Decodes the values of one event record laid out as the builder's layout of its kind, straight
 * into the event: \`n\` values are present (the writer drops trailing absent ones), \`s\` is the
 * layout's first field slot, \`w\` the workloads declared so far. Returns the event only when every
 * value passes the kind's check and the workload is declared (the event the builder and check would
 * give); undefined otherwise, having read part of the record, so the caller reads it again on the
 * general path.
 *
 * @internal
 */
export type EventDecoder = (
  d: RecordValues,
  n: number,
  s: number,
  w: readonly unknown[],
) => Record<string, unknown> | undefined;

/**
 * One decoder per kind that has a check (see {@link EventDecoder}).
 *
 * @internal
 */
export const EVENT_DECODERS: Readonly<Record<string, EventDecoder>> = {
${decoders.join('\n')}
};
`;
}
