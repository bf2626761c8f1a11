import type { ObservedUseDocument } from '@vigil/core';
import { type AdvisoryScannerOptions, createAdvisoryScanner } from './advisories/scanner.js';
import { agentRulesScanner } from './agent-rules/scanner.js';
import type { ScanCaptureData } from './captures.js';
import { createInferenceServerScanner } from './inference/scanner.js';
import { createMcpScanner, type McpScanner, type McpScannerOptions } from './mcp/scanner.js';
import { modelFileScanner } from './model/model-scanner.js';
import type { ArtifactScanner } from './scanner.js';

/** Options for {@link builtinScanners}. */
export interface BuiltinScannerOptions {
  /** Options for a new MCP scanner, or the MCP scanner to use (to read its pins after the scan). */
  readonly mcp?: McpScannerOptions | McpScanner;
  /** What the captures held: inference servers seen starting, and the use that confirms or demotes advisories. */
  readonly captures?: ScanCaptureData;
  /** Advisory sets to match lockfiles against (default: the shipped set). */
  readonly advisories?: AdvisoryScannerOptions['advisories'];
}

/**
 * The built-in artifact scanners, fresh for one scan (the MCP scanner keeps
 * the definitions of a scan to correlate servers and pins).
 *
 * @example
 * ```ts
 * import { builtinScanners, scanPaths } from '@vigil/rules';
 *
 * const result = await scanPaths(['.'], { scanners: builtinScanners() });
 * // with captures: inference servers seen starting, advisories confirmed or demoted by what loaded
 * const captures = await readScanCaptures(['run.vcap']);
 * const weighed = await scanPaths(['.'], { scanners: builtinScanners({ captures }), observed: captures.observed });
 * ```
 */
export function builtinScanners(options: BuiltinScannerOptions = {}): ArtifactScanner[] {
  const mcp = options.mcp && 'scan' in options.mcp ? options.mcp : createMcpScanner(options.mcp);
  const observed: ObservedUseDocument | undefined = options.captures?.observed;
  return [
    mcp,
    agentRulesScanner,
    modelFileScanner,
    createInferenceServerScanner({
      captured: options.captures?.inferenceLaunches ?? [],
      observedEvents: observed?.events ?? 0,
    }),
    createAdvisoryScanner({
      ...(options.advisories ? { advisories: options.advisories } : {}),
      ...(observed ? { observed } : {}),
    }),
  ];
}
