import { pathToFileURL } from 'node:url';
import {
  type CaptureIntegrity,
  compareFindings,
  describeCaptureIntegrity,
  type Finding,
  type Severity,
} from '@vigil/core';
import type { Invocation, Log, ReportingDescriptor, Result } from 'sarif';

/** Options for {@link toSarif}. */
export interface SarifOptions {
  readonly toolVersion?: string;
  /** Where the rules are documented; `{ruleId}` is replaced. */
  readonly helpUriTemplate?: string;
  /** Descriptions of rules by id, when known (e.g. from a rule pack's metadata). */
  readonly ruleDescriptions?: Readonly<
    Record<string, { readonly name?: string; readonly description?: string }>
  >;
  /**
   * Whether the captures read were complete. Given, the run gets an
   * invocation whose `executionSuccessful` is false when a capture was cut
   * short, with one warning notification per such capture.
   */
  readonly integrity?: CaptureIntegrity;
}

// A capture's path as the URI reference SARIF wants: a file URI when absolute, else percent-encoded.
function captureUri(path: string): string {
  if (path.startsWith('/')) return pathToFileURL(path).href;
  return encodeURI(path).replace(/[?#]/g, (c) => encodeURIComponent(c));
}

function invocationOf(integrity: CaptureIntegrity): Invocation {
  const lines = describeCaptureIntegrity(integrity);
  const paths = [...integrity.incomplete.map((c) => c.path), ...integrity.interrupted];
  return {
    executionSuccessful: integrity.complete,
    ...(lines.length > 0
      ? {
          toolExecutionNotifications: lines.map((text, i) => ({
            level: 'warning' as const,
            message: { text },
            descriptor: {
              id: i < integrity.incomplete.length ? 'vigil/capture-incomplete' : 'vigil/capture-interrupted',
            },
            locations: [{ physicalLocation: { artifactLocation: { uri: captureUri(paths[i]!) } } }],
          })),
        }
      : {}),
  };
}

const LEVEL: Record<Severity, Result.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'none',
};

// GitHub code scanning reads `security-severity` (0.0–10.0) to bucket results.
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

function tagsOf(f: Finding): string[] {
  return [
    'security',
    `vigil/${f.category}`,
    ...f.tags.owaspLlm.map((t) => `owasp-llm/${t}`),
    ...f.tags.owaspAgentic.map((t) => `owasp-agentic/${t}`),
    ...f.tags.atlas.map((t) => `mitre-atlas/${t}`),
    ...f.tags.attack.map((t) => `mitre-attack/${t}`),
  ];
}

/**
 * Converts findings into a SARIF 2.1.0 log (one run, one rule per rule id, results in the one
 * order of findings, `compareFindings`),
 * as GitHub code scanning and other SARIF consumers read it. Artifact
 * evidence becomes physical locations (the file, and a region by line and/or
 * byte offset; a JSON pointer inside a JSON document as a logical location
 * and a `jsonPointer` property); runtime findings carry the workload as a
 * logical location.
 *
 * @example
 * ```ts
 * import { toSarif } from '@vigil/reporters';
 *
 * writeFileSync('vigil.sarif', JSON.stringify(toSarif(findings), null, 2));
 * ```
 */
export function toSarif(unordered: readonly Finding[], options: SarifOptions = {}): Log {
  // In the one order of findings: results, and the rule descriptor each rule's first finding names.
  const findings = [...unordered].sort(compareFindings);
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  for (const f of findings) {
    if (ruleIndex.has(f.ruleId)) continue;
    ruleIndex.set(f.ruleId, rules.length);
    const known = options.ruleDescriptions?.[f.ruleId];
    rules.push({
      id: f.ruleId,
      name: known?.name ?? f.title,
      shortDescription: { text: known?.name ?? f.title },
      fullDescription: { text: known?.description ?? f.title },
      ...(options.helpUriTemplate
        ? { helpUri: options.helpUriTemplate.replace('{ruleId}', encodeURIComponent(f.ruleId)) }
        : {}),
      defaultConfiguration: { level: LEVEL[f.severity] },
      properties: { tags: tagsOf(f), 'security-severity': SECURITY_SEVERITY[f.severity] },
    });
  }
  const results: Result[] = findings.map((f) => {
    const artifacts = f.evidence.filter((e) => e.type === 'artifact' && e.uri !== undefined);
    const result: Result = {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId)!,
      level: LEVEL[f.severity],
      message: { text: f.summary.length > 0 ? f.summary : f.title },
      partialFingerprints: { vigilFindingId: f.id },
      locations:
        artifacts.length > 0
          ? artifacts.map((e) => {
              const region = {
                ...(e.line !== undefined ? { startLine: e.line } : {}),
                ...(e.offset !== undefined ? { byteOffset: e.offset } : {}),
              };
              return {
                physicalLocation: {
                  artifactLocation: { uri: e.uri! },
                  ...(Object.keys(region).length > 0 ? { region } : {}),
                },
                // Inside a JSON document the place is a JSON pointer (RFC 6901), which SARIF carries as a logical location.
                ...(e.jsonPointer !== undefined
                  ? { logicalLocations: [{ fullyQualifiedName: e.jsonPointer, kind: 'value' }] }
                  : {}),
                ...(e.path ? { message: { text: e.path } } : {}),
                ...(e.jsonPointer !== undefined || e.entry !== undefined
                  ? {
                      properties: {
                        ...(e.jsonPointer !== undefined ? { jsonPointer: e.jsonPointer } : {}),
                        ...(e.entry !== undefined ? { entry: e.entry } : {}),
                      },
                    }
                  : {}),
              };
            })
          : [
              {
                logicalLocations: [
                  {
                    name: f.workload.name ?? f.workload.id,
                    fullyQualifiedName: f.workload.id,
                    kind: 'module',
                  },
                ],
              },
            ],
      properties: {
        severity: f.severity,
        category: f.category,
        workload: f.workload.id,
        riskScore: f.risk.score,
        riskReasons: f.risk.reasons,
        tags: tagsOf(f),
        compliance: f.compliance.map((c) => `${c.framework}:${c.control}`),
        evidence: f.evidence.map((e) => e.description),
        ...(f.count !== undefined ? { occurrences: f.count } : {}),
        firstSeen: new Date(f.ts / 1e6).toISOString(),
      },
    };
    return result;
  });
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'Vigil',
            version: options.toolVersion ?? '0.1.0',
            semanticVersion: options.toolVersion ?? '0.1.0',
            rules,
          },
        },
        results,
        ...(options.integrity ? { invocations: [invocationOf(options.integrity)] } : {}),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
