import { z } from 'zod';
import { documentRecord } from '../readers/document-value.js';
import { lazySchema } from '../schemas/lazy.js';

/** An OTLP `AnyValue` in its JSON encoding. */
export type OtlpAnyValue = {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | string | undefined;
  bytesValue?: string | undefined;
  arrayValue?: { values?: OtlpAnyValue[] | undefined } | undefined;
  kvlistValue?: { values?: OtlpKeyValue[] | undefined } | undefined;
};
/** An OTLP attribute in its JSON encoding. */
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue | undefined;
}

const AnyValueSchema: z.ZodType<OtlpAnyValue> = lazySchema(() =>
  z.lazy(() =>
    z.looseObject({
      stringValue: z.string().optional(),
      boolValue: z.boolean().optional(),
      intValue: z.union([z.string().regex(/^-?\d+$/), z.number().int()]).optional(),
      doubleValue: z.union([z.number(), z.string()]).optional(),
      bytesValue: z.string().optional(),
      arrayValue: z.looseObject({ values: z.array(AnyValueSchema).optional() }).optional(),
      kvlistValue: z.looseObject({ values: z.array(KeyValueSchema).optional() }).optional(),
    }),
  ),
);
const KeyValueSchema: z.ZodType<OtlpKeyValue> = lazySchema(() =>
  z.lazy(() => z.looseObject({ key: z.string(), value: AnyValueSchema.optional() })),
);

const NanoSchema = lazySchema(() =>
  z.union([z.string().regex(/^\d+$/, 'expected nanoseconds as a decimal string'), z.number().nonnegative()]),
);

/** One span in the OTLP/JSON encoding (`ExportTraceServiceRequest`). */
export const OtlpSpanSchema = lazySchema(() =>
  z.looseObject({
    traceId: z.string().optional(),
    spanId: z.string().optional(),
    parentSpanId: z.string().optional(),
    name: z.string(),
    kind: z.union([z.number().int(), z.string()]).optional(),
    startTimeUnixNano: NanoSchema,
    endTimeUnixNano: NanoSchema.optional(),
    attributes: z.array(KeyValueSchema).optional(),
    status: z
      .looseObject({
        code: z.union([z.number().int(), z.string()]).optional(),
        message: z.string().optional(),
      })
      .optional(),
  }),
);
/** @see {@link OtlpSpanSchema} */
export interface OtlpSpan {
  [key: string]: unknown;
  traceId?: string | undefined;
  spanId?: string | undefined;
  parentSpanId?: string | undefined;
  name: string;
  kind?: string | number | undefined;
  startTimeUnixNano: string | number;
  endTimeUnixNano?: string | number | undefined;
  attributes?: OtlpKeyValue[] | undefined;
  status?:
    | {
        [key: string]: unknown;
        code?: string | number | undefined;
        message?: string | undefined;
      }
    | undefined;
}

/**
 * An OTLP/JSON trace export (`ExportTraceServiceRequest`), as the OTLP HTTP
 * exporter sends it and the collector's file exporter writes it (one per line).
 *
 * @example
 * ```ts
 * import { eventsFromOtlp, OtlpTraceExportSchema } from '@vigil/core';
 *
 * const events = eventsFromOtlp(OtlpTraceExportSchema.parse(JSON.parse(body)));
 * ```
 */
export const OtlpTraceExportSchema = lazySchema(() =>
  z.looseObject({
    resourceSpans: z.array(
      z.looseObject({
        resource: z.looseObject({ attributes: z.array(KeyValueSchema).optional() }).optional(),
        scopeSpans: z
          .array(
            z.looseObject({
              scope: z
                .looseObject({ name: z.string().optional(), version: z.string().optional() })
                .optional(),
              spans: z.array(OtlpSpanSchema).optional(),
            }),
          )
          .optional(),
      }),
    ),
  }),
);
/** @see {@link OtlpTraceExportSchema} */
export interface OtlpTraceExport {
  [key: string]: unknown;
  resourceSpans: {
    [key: string]: unknown;
    resource?:
      | {
          [key: string]: unknown;
          attributes?: OtlpKeyValue[] | undefined;
        }
      | undefined;
    scopeSpans?:
      | {
          [key: string]: unknown;
          scope?:
            | {
                [key: string]: unknown;
                name?: string | undefined;
                version?: string | undefined;
              }
            | undefined;
          spans?: OtlpSpan[] | undefined;
        }[]
      | undefined;
  }[];
}

/** A plain JavaScript value for an OTLP `AnyValue`. */
export function anyValue(v: OtlpAnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) return attributesOf(v.kvlistValue.values);
  return undefined;
}

/** OTLP attributes as a plain record. */
export function attributesOf(list: readonly OtlpKeyValue[] | undefined): Record<string, unknown> {
  const out = documentRecord<unknown>();
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}
