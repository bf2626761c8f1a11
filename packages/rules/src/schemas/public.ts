// The package's zod schemas as its index exports them: typed by the structural VigilSchema, so
// that the main entry's declarations do not load zod's (a strict consumer that uses no schema
// type-checks without them). The zod-typed schemas are in ./zod.ts (`@vigil/rules/schemas`).
import type { VigilSchema } from '@vigil/core';
import type { ExceptionsDocument, RuleException } from '../api/exceptions.js';
import type { RuleOverrideEntry, RuleOverridesDocument } from '../api/rule-overrides.js';
import type { AdvisorySet, AdvisorySourceFile, OsvAdvisory } from '../scanners/advisories/schema.js';
import type { McpPrompt, McpResource, McpTool } from '../scanners/mcp/definitions.js';
import type { McpPinDocument, McpServerPin } from '../scanners/mcp/pins.js';
import type { ScanConnection, ScanResult } from '../scanners/result.js';
import * as zs from './zod.js';

/**
 * A set of OSV advisories shipped or loaded as data, with where each came
 * from and when it was transcribed, so a reviewer can check every entry
 * against its source.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `AdvisorySetSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * import { AdvisorySetSchema } from '@vigil/rules';
 *
 * const set = AdvisorySetSchema.parse(JSON.parse(readFileSync('advisories.json', 'utf8')));
 * console.log(set.advisories.length);
 * ```
 */
export const AdvisorySetSchema: VigilSchema<AdvisorySet> = zs.AdvisorySetSchema;

/**
 * The file an advisory was transcribed from: `repository` (`owner/name`),
 * `path` inside it and, when known, the 40-hex `commit` that last changed it.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `AdvisorySourceFileSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * import { AdvisorySourceFileSchema } from '@vigil/rules';
 *
 * AdvisorySourceFileSchema.parse({ repository: 'pypa/advisory-database', path: 'vulns/torch/PYSEC-2022-43015.yaml' });
 * ```
 */
export const AdvisorySourceFileSchema: VigilSchema<AdvisorySourceFile> = zs.AdvisorySourceFileSchema;

/**
 * A document of exceptions, as kept next to a deployment (JSON or YAML).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ExceptionsDocumentSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * import { ExceptionsDocumentSchema } from '@vigil/rules';
 *
 * const doc = ExceptionsDocumentSchema.parse({
 *   schemaVersion: 1,
 *   exceptions: [{ name: 'pip builds', rules: ['vigil.runtime.exec-from-tmp'], when: { 'workload.name': ['builder'], exe: ['/usr/bin/pip*'] } }],
 * });
 * ```
 */
export const ExceptionsDocumentSchema: VigilSchema<ExceptionsDocument> = zs.ExceptionsDocumentSchema;

/**
 * A pin file: per MCP server, the SHA-256 of its full normalised definitions,
 * so a later change (a rug pull) is found and shown as a diff.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `McpPinDocumentSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * import { McpPinDocumentSchema } from '@vigil/rules';
 *
 * const pins = McpPinDocumentSchema.parse({ schemaVersion: 1, kind: 'McpPins', servers: {} });
 * ```
 */
export const McpPinDocumentSchema: VigilSchema<McpPinDocument> = zs.McpPinDocumentSchema;

/**
 * An MCP prompt as `prompts/list` returns it.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `McpPromptSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * const result = McpPromptSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'McpPrompt');
 * ```
 */
export const McpPromptSchema: VigilSchema<McpPrompt> = zs.McpPromptSchema;

/**
 * An MCP resource as `resources/list` returns it.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `McpResourceSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * const result = McpResourceSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'McpResource');
 * ```
 */
export const McpResourceSchema: VigilSchema<McpResource> = zs.McpResourceSchema;

/**
 * The pin of one server: the hash of its normalised definitions and each item's own hash.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `McpServerPinSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * const result = McpServerPinSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'McpServerPin');
 * ```
 */
export const McpServerPinSchema: VigilSchema<McpServerPin> = zs.McpServerPinSchema;

/**
 * An MCP tool as `tools/list` returns it (only the fields Vigil reads are checked).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `McpToolSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * const result = McpToolSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'McpTool');
 * ```
 */
export const McpToolSchema: VigilSchema<McpTool> = zs.McpToolSchema;

/**
 * One OSV advisory (schema 1.x), the fields Vigil matches on and reports:
 * `id`, `aliases`, `summary`, `details`, `severity`, `affected[].package`,
 * `affected[].ranges` (`ECOSYSTEM`, `SEMVER`; `GIT` ranges are kept and
 * ignored), `affected[].versions`, `references` and
 * `database_specific.severity` (GitHub's rating), plus Vigil's own
 * `transcribed_from`. Unknown fields are dropped.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `OsvAdvisorySchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * import { OsvAdvisorySchema } from '@vigil/rules';
 *
 * const adv = OsvAdvisorySchema.parse(JSON.parse(readFileSync('GHSA-xxxx.json', 'utf8')));
 * ```
 */
export const OsvAdvisorySchema: VigilSchema<OsvAdvisory> = zs.OsvAdvisorySchema;

/**
 * An exception: findings of the named rules are dropped when the event that
 * triggered them matches every field condition. Data, not code — the
 * Falco-style way to allow what one workload legitimately does.
 *
 * Field names are event fields (`exe`, `comm`, `path`, `filename`, `daddr`,
 * `dport`, `dnsName`, `server`, `tool`, `verb`, `resource`, …; arrays such as
 * `argv` are joined with spaces) or workload fields (`workload.id`,
 * `workload.name`, `workload.namespace`, `workload.kind`,
 * `workload.serviceAccount`, `workload.image`, `workload.labels.<key>`).
 * Values are globs (`*`, `?`); a condition matches when any value matches.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RuleExceptionSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * RuleExceptionSchema.parse({ name: 'pip', rules: ['vigil.runtime.exec-from-temp'], when: { exe: ['/usr/bin/pip*'] } });
 * ```
 */
export const RuleExceptionSchema: VigilSchema<RuleException> = zs.RuleExceptionSchema;

/**
 * One rule override: a rule id or a glob of ids (`vigil.drift.file.*`), the
 * severity its findings get or `off`, and who decided it and why (kept with
 * the document for review; the engine does not read them).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RuleOverrideEntrySchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * RuleOverrideEntrySchema.parse({ rule: 'vigil.drift.file.new-read', severity: 'info', reason: 'build agents read widely', by: 'secops' });
 * ```
 */
export const RuleOverrideEntrySchema: VigilSchema<RuleOverrideEntry> = zs.RuleOverrideEntrySchema;

/**
 * A document of rule overrides, as kept next to a deployment (JSON or YAML)
 * and given to `vigil check --overrides FILE`. Entries apply in order: a later
 * entry that names the same rule wins (and `--rule-override` flags come after
 * every entry, so they win over the file).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RuleOverridesDocumentSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * import { RuleOverridesDocumentSchema } from '@vigil/rules';
 *
 * const doc = RuleOverridesDocumentSchema.parse({
 *   schemaVersion: 1,
 *   overrides: [
 *     { rule: 'vigil.drift.file.*', severity: 'low', reason: 'file drift is noisy on build agents', by: 'secops' },
 *     { rule: 'vigil.runtime.unexpected-egress', severity: 'off' },
 *   ],
 * });
 * ```
 */
export const RuleOverridesDocumentSchema: VigilSchema<RuleOverridesDocument> = zs.RuleOverridesDocumentSchema;

/**
 * The zod schema a {@link RulePack} is validated with when it is loaded.
 * Functions are checked for presence and type only.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RulePackSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * const ok = RulePackSchema.safeParse(imported.default).success;
 * ```
 */
export const RulePackSchema: VigilSchema<unknown> = zs.RulePackSchema;

/**
 * One MCP server a scan started (`vigil scan --connect`): whether it answered, the name and version
 * it gave in its `initialize` result, how many tools, prompts and resources it listed, or why it
 * could not be listed.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ScanConnectionSchema` of `@vigil/rules/schemas`.
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
export const ScanConnectionSchema: VigilSchema<ScanConnection> = zs.ScanConnectionSchema;

/**
 * The result of `scanPaths` / `vigil scan`: the findings, what was scanned,
 * per-scanner counts, the files that could not be scanned (which did not stop
 * the scan), and how runtime observation moved the findings' risk.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ScanResultSchema` of `@vigil/rules/schemas`.
 *
 * @example
 * ```ts
 * import { ScanResultSchema } from '@vigil/rules';
 *
 * const result = ScanResultSchema.parse(JSON.parse(readFileSync('scan.json', 'utf8')));
 * console.log(result.findings.length, result.errors.length);
 * ```
 */
export const ScanResultSchema: VigilSchema<ScanResult> = zs.ScanResultSchema;
