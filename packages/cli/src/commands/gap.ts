import { join } from 'node:path';
import {
  analyseGap,
  describeCaptureIntegrity,
  describeSkipped,
  type PermissionDomain,
  PermissionDomainSchema,
  prepareArtifactFolder,
  readFindingsFile,
  renderLeastPrivilegeArtifact,
  VigilError,
  writeOutput,
} from '@vigil/core';
import { renderReport, reportFormats } from '@vigil/reporters';
import { STRICT_HELP, STRICT_OPTION } from '../captures.js';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn, SEVERITY_CHOICES } from '../fail-on.js';

function strings(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** `--bind CAPTURED=SUBJECT…` as a map. */
export function parseBindings(v: unknown): Record<string, string> {
  const bindings: Record<string, string> = {};
  for (const b of strings(v)) {
    const i = b.indexOf('=');
    if (i <= 0 || i === b.length - 1)
      throw new VigilError('USAGE', `--bind takes CAPTURED_WORKLOAD_ID=DECLARED_SUBJECT (got '${b}')`);
    bindings[b.slice(0, i)] = b.slice(i + 1);
  }
  return bindings;
}

export const gapCommand: Command = {
  name: 'gap',
  summary:
    'Compare declared permissions with observed use, rank the gaps, and write least-privilege policies',
  usage: `--declared PATH… CAPTURE|BASELINE… [--pg-schema DUMP…] [--pg-url URL] [--store-config PATH…] [--audit-log F…] [--cloudtrail F…] [--otel SPANS…] [--emit-policy DIR] [--on-invalid fail|skip] [--bind CAPTURED=SUBJECT…] [--fail-on SEVERITY] [--strict] [--format ${reportFormats('gap').join('|')}]`,
  description: [
    'Declared: Kubernetes manifests (RBAC, workloads, NetworkPolicy; multi-document YAML and List objects),',
    'AWS IAM policies (documents or get-account-authorization-details) and MCP client configurations.',
    'Observed: captures (.vcap), baselines (vigil learn), Kubernetes audit logs and CloudTrail logs (gzip accepted),',
    'and OpenTelemetry GenAI/MCP spans (OTLP/JSON) for the tools agents called.',
    '--bind maps a captured workload id (or *) to the declared subject it runs as, e.g.',
    '  --bind "*=k8s:workload:ai/Deployment/agent" or --bind "host=mcp:claude_desktop_config".',
    '--findings adds findings from other producers (vigil check --json, scanners) to the risk ranking.',
    '--on-invalid skip passes over invalid lines of audit logs and CloudTrail records, counts them by reason',
    '(invalid-json, invalid-shape, over-limit) and reports them; the default, fail, stops at the first with its line.',
    '--emit-policy writes a tightened Role/ClusterRole, IAM policy, NetworkPolicy, workload security context',
    'and MCP tool allowlist per workload, each validated against its consumer schema, and GRANT statements per',
    'PostgreSQL role.',
    'Data access: --pg-schema reads table grants, role memberships and schema privileges from a schema dump',
    '(pg_dump --schema-only, pg_dumpall --roles-only); --pg-url reads them live from the catalogs over a read-only',
    'session (default_transaction_read_only=on). Each role becomes a pg:role:NAME subject of the data-access domain,',
    'compared with the statements the captures show it running.',
    '--store-config reads vector-store and database configurations (Qdrant config.yaml, milvus.yaml,',
    'elasticsearch.yml, opensearch.yml, postgresql.conf, pg_hba.conf, .env) and the stores that manifests and',
    'Compose files run, with their Services and NetworkPolicies; stores without authentication are reported.',
  ].join('\n'),
  options: {
    declared: { type: 'string', short: 'd', multiple: true },
    'pg-schema': { type: 'string', multiple: true },
    'pg-url': { type: 'string' },
    'store-config': { type: 'string', multiple: true },
    'audit-log': { type: 'string', multiple: true },
    cloudtrail: { type: 'string', multiple: true },
    otel: { type: 'string', multiple: true },
    findings: { type: 'string', multiple: true },
    'emit-policy': { type: 'string' },
    'on-invalid': { type: 'string' },
    bind: { type: 'string', multiple: true },
    'aws-subject': { type: 'string' },
    'mcp-client': { type: 'string' },
    'observed-domain': { type: 'string', multiple: true },
    'min-rank': { type: 'string' },
    'fail-on': { type: 'string' },
    ...STRICT_OPTION,
  },
  optionHelp: {
    strict: STRICT_HELP,
    declared:
      'declared permissions: Kubernetes manifests (RBAC, workloads, NetworkPolicy), AWS IAM policies, MCP client configurations',
    'audit-log': 'a Kubernetes audit log (JSON lines, gzip accepted): the API calls subjects made',
    cloudtrail: 'a CloudTrail log (gzip accepted): the AWS calls subjects made',
    otel: 'OTel GenAI/MCP spans (OTLP/JSON): the tools agents called',
    findings:
      'findings from other producers (vigil check --json, vigil scan --format json) to rank with the gaps',
    'emit-policy': 'write least-privilege artifacts per workload into this folder',
    'on-invalid':
      'fail (default): stop at the first invalid audit-log line or CloudTrail record; skip: count and report them',
    bind: 'CAPTURED=SUBJECT: the declared subject a captured workload id (or *) runs as, e.g. *=k8s:workload:ai/Deployment/agent',
    'aws-subject': 'the subject (an ARN) of IAM identity policies that do not name one',
    'mcp-client': 'the client name for MCP configurations (default: the file’s base name; subject mcp:NAME)',
    'observed-domain': 'treat this permission domain as observed even when no input showed use in it',
    'min-rank': 'the lowest rank (0–100) of an unused grant that becomes a finding (default 30)',
    'fail-on': `exit 1 when a finding is at or above this severity (${SEVERITY_CHOICES})`,
    'pg-schema': 'a PostgreSQL schema or roles dump: table grants become the data-access domain',
    'pg-url': 'a postgres:// URL to read roles and grants from live, over a read-only session',
    'store-config': 'a data-store configuration, manifest or Compose file (or a folder of them)',
  },
  formats: reportFormats('gap'),
  async run(ctx) {
    const declaredPaths = strings(ctx.args.values['declared']);
    const pgSchema = strings(ctx.args.values['pg-schema']);
    const pgUrl = ctx.args.values['pg-url'];
    const storeConfigs = strings(ctx.args.values['store-config']);
    if (declaredPaths.length === 0 && pgSchema.length === 0 && typeof pgUrl !== 'string')
      throw new VigilError(
        'USAGE',
        'gap needs --declared PATH (manifests, IAM policies, MCP configs), --pg-schema DUMP or --pg-url URL',
      );
    const audit = strings(ctx.args.values['audit-log']);
    const trails = strings(ctx.args.values['cloudtrail']);
    const spans = strings(ctx.args.values['otel']);
    const inputs = [...ctx.args.positionals];
    if (inputs.length + audit.length + trails.length + spans.length === 0)
      throw new VigilError(
        'USAGE',
        'gap needs observed use: a capture, a baseline, --audit-log, --cloudtrail or --otel',
      );
    const failOn = parseFailOn(ctx.args.values['fail-on']);
    const minRankText = ctx.args.values['min-rank'];
    const minRank = minRankText === undefined ? 30 : Number(minRankText);
    if (!Number.isFinite(minRank) || minRank < 0 || minRank > 100)
      throw new VigilError('USAGE', `--min-rank takes a number from 0 to 100 (got '${String(minRankText)}')`);
    const bindings = parseBindings(ctx.args.values['bind']);
    const onInvalidText = ctx.args.values['on-invalid'] ?? 'fail';
    if (onInvalidText !== 'fail' && onInvalidText !== 'skip')
      throw new VigilError('USAGE', `--on-invalid takes fail or skip (got '${String(onInvalidText)}')`);
    const onInvalid = onInvalidText === 'skip' ? 'skip' : 'error';
    const dir = ctx.args.values['emit-policy'];
    // Before any input is read: an output folder that cannot be written is a usage error now, not after the run.
    if (typeof dir === 'string') await prepareArtifactFolder(dir);
    const observedDomains: PermissionDomain[] = [];
    for (const d of strings(ctx.args.values['observed-domain'])) {
      const r = PermissionDomainSchema.safeParse(d);
      if (!r.success)
        throw new VigilError(
          'USAGE',
          `--observed-domain takes one of ${PermissionDomainSchema.options.join(', ')} (got '${d}')`,
        );
      observedDomains.push(r.data);
    }

    const extraFindings = [];
    for (const f of strings(ctx.args.values['findings']))
      extraFindings.push(...(await readFindingsFile(f, { signal: ctx.signal })));
    const awsSubject = ctx.args.values['aws-subject'];
    const mcpClient = ctx.args.values['mcp-client'];
    const gap = await analyseGap({
      declared: declaredPaths,
      observed: inputs,
      auditLogs: audit,
      cloudTrail: trails,
      otelSpans: spans,
      onInvalid,
      bindings,
      observedDomains,
      minRank,
      findings: extraFindings,
      leastPrivilege: typeof dir === 'string',
      pgSchema,
      storeConfigs,
      ...(typeof pgUrl === 'string' ? { pgUrl } : {}),
      strict: ctx.args.values['strict'] === true,
      signal: ctx.signal,
      ...(typeof awsSubject === 'string' ? { awsSubject } : {}),
      ...(typeof mcpClient === 'string' ? { mcpClient } : {}),
    });
    if (gap.integrity)
      for (const line of describeCaptureIntegrity(gap.integrity)) ctx.log(`warning: ${line}`);
    for (const s of gap.skipped) ctx.log(`warning: ${describeSkipped(s)}`);
    for (const w of gap.warnings.slice(0, 20))
      ctx.log(`warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`);
    for (const s of gap.dataStores?.stores.filter((x) => x.auth.state === 'off') ?? []) {
      const p = s.auth.place ?? s.source;
      ctx.log(
        `warning: ${s.store} ${s.name} has authentication off (${p.file}${p.line ? `:${p.line}` : ''}): ${s.auth.reason}`,
      );
    }

    if (typeof dir === 'string' && gap.leastPrivilege) {
      for (const a of gap.leastPrivilege.artifacts) {
        if (a.issues.length > 0) {
          ctx.log(
            `not written: ${a.fileName}: ${a.issues
              .slice(0, 3)
              .map((i) => `${i.path.join('.')}: ${i.message}`)
              .join('; ')}`,
          );
          continue;
        }
        await writeOutput(join(dir, a.fileName), renderLeastPrivilegeArtifact(a), { signal: ctx.signal });
      }
    }
    await ctx.emit(renderReport('gap', ctx.format, gap));
    return exitCodeFor(gap.ranking.findings, failOn);
  },
};
