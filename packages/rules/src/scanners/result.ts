import type { Finding } from '@vigil/core';
import { lazySchema } from '@vigil/core';
import { FindingSchema } from '@vigil/core/schemas';
import { z } from 'zod';

const count = () => z.number().int().nonnegative();
const SeverityCountsSchema = lazySchema(() =>
  z.object({
    critical: count(),
    high: count(),
    medium: count(),
    low: count(),
    info: count(),
  }),
);

/**
 * One MCP server a scan started (`vigil scan --connect`): whether it answered, the name and version
 * it gave in its `initialize` result, how many tools, prompts and resources it listed, or why it
 * could not be listed.
 *
 * @example
 * ```ts
 * import { ScanConnectionSchema } from '@vigil/rules';
 *
 * const c = ScanConnectionSchema.parse({
 *   server: 'filesystem', configUri: '.mcp.json', connected: true,
 *   serverName: 'secure-filesystem-server', serverVersion: '0.2.0', tools: 14, prompts: 0, resources: 0,
 * });
 * ```
 */
export const ScanConnectionSchema = lazySchema(() =>
  z.object({
    /** The name the client configuration gives the server. */
    server: z.string(),
    /** The configuration that declares it. */
    configUri: z.string(),
    connected: z.boolean(),
    /** `serverInfo.name` from its `initialize` result. */
    serverName: z.string().optional(),
    /** `serverInfo.version` from its `initialize` result. */
    serverVersion: z.string().optional(),
    tools: z.number().int().nonnegative(),
    prompts: z.number().int().nonnegative(),
    resources: z.number().int().nonnegative(),
    /** Why it could not be listed (the error code and message), when `connected` is false. */
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
);
/** @see {@link ScanConnectionSchema} */
export interface ScanConnection {
  /** The name the client configuration gives the server. */
  server: string;
  /** The configuration that declares it. */
  configUri: string;
  connected: boolean;
  /** `serverInfo.name` from its `initialize` result. */
  serverName?: string | undefined;
  /** `serverInfo.version` from its `initialize` result. */
  serverVersion?: string | undefined;
  tools: number;
  prompts: number;
  resources: number;
  /** Why it could not be listed (the error code and message), when `connected` is false. */
  error?: { code: string; message: string } | undefined;
}

/** Version of the scan result document. */
export const SCAN_RESULT_SCHEMA_VERSION = 1;

/**
 * The result of `scanPaths` / `vigil scan`: the findings, what was scanned,
 * per-scanner counts, the files that could not be scanned (which did not stop
 * the scan), and how runtime observation moved the findings' risk.
 *
 * @example
 * ```ts
 * import { ScanResultSchema } from '@vigil/rules';
 *
 * const result = ScanResultSchema.parse(JSON.parse(readFileSync('scan.json', 'utf8')));
 * console.log(result.findings.length, result.errors.length);
 * ```
 */
export const ScanResultSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(SCAN_RESULT_SCHEMA_VERSION),
    kind: z.literal('ScanResult'),
    /** The paths given to the scan. */
    inputs: z.array(z.string()),
    /** Findings in the one order of findings (`compareFindings`: severity, risk, rule, place, message). */
    findings: z.array(FindingSchema),
    artifacts: z.object({
      /** Files read and handed to at least one scanner. */
      scanned: z.number().int().nonnegative(),
      /** Files seen that no scanner accepts. */
      skipped: z.number().int().nonnegative(),
      /** Bytes of the scanned files. */
      bytes: z.number().int().nonnegative(),
      /** Directory entries not followed: symlink loops, node_modules/.git, beyond the file or depth limits. */
      notFollowed: z.number().int().nonnegative(),
    }),
    scanners: z.array(
      z.object({
        id: z.string(),
        version: z.string(),
        artifacts: z.number().int().nonnegative(),
        findings: z.number().int().nonnegative(),
        errors: z.number().int().nonnegative(),
      }),
    ),
    /** Files (or scanner passes) that failed; the scan went on without them. */
    errors: z.array(
      z.object({
        file: z.string(),
        scanner: z.string().optional(),
        code: z.string(),
        message: z.string(),
      }),
    ),
    /** The MCP servers the scan started (`connect`), in the order it started them; absent when it started none. */
    connections: z.array(ScanConnectionSchema).optional(),
    runtime: z.object({
      /** Whether observed use was given. */
      observed: z.boolean(),
      events: z.number().int().nonnegative(),
      /** Findings whose subject was seen in use at run time (risk raised). */
      confirmed: z.number().int().nonnegative(),
      /** Findings whose subject was never used while observed (risk lowered). */
      demoted: z.number().int().nonnegative(),
      /** Findings by severity before runtime weighing (a scanner may demote what never ran). */
      severityBefore: SeverityCountsSchema.optional(),
      /** Findings by severity as reported. */
      severityAfter: SeverityCountsSchema.optional(),
    }),
  }),
);
/** @see {@link ScanResultSchema} */
export interface ScanResult {
  schemaVersion: 1;
  kind: 'ScanResult';
  /** The paths given to the scan. */
  inputs: string[];
  /** Findings, highest risk first. */
  findings: Finding[];
  artifacts: {
    /** Files read and handed to at least one scanner. */
    scanned: number;
    /** Files seen that no scanner accepts. */
    skipped: number;
    /** Bytes of the scanned files. */
    bytes: number;
    /** Directory entries not followed: symlink loops, node_modules/.git, beyond the file or depth limits. */
    notFollowed: number;
  };
  scanners: {
    id: string;
    version: string;
    artifacts: number;
    findings: number;
    errors: number;
  }[];
  /** Files (or scanner passes) that failed; the scan went on without them. */
  errors: {
    file: string;
    scanner?: string | undefined;
    code: string;
    message: string;
  }[];
  /** The MCP servers the scan started (`connect`), in the order it started them; absent when it started none. */
  connections?: ScanConnection[] | undefined;
  runtime: {
    /** Whether observed use was given. */
    observed: boolean;
    events: number;
    /** Findings whose subject was seen in use at run time (risk raised). */
    confirmed: number;
    /** Findings whose subject was never used while observed (risk lowered). */
    demoted: number;
    /** Findings by severity before runtime weighing (a scanner may demote what never ran). */
    severityBefore?:
      | {
          critical: number;
          high: number;
          medium: number;
          low: number;
          info: number;
        }
      | undefined;
    /** Findings by severity as reported. */
    severityAfter?:
      | {
          critical: number;
          high: number;
          medium: number;
          low: number;
          info: number;
        }
      | undefined;
  };
}
