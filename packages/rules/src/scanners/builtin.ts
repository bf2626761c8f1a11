import { agentRulesScanner } from './agent-rules/scanner.js';
import { createMcpScanner, type McpScanner, type McpScannerOptions } from './mcp/scanner.js';
import { modelFileScanner } from './model/model-scanner.js';
import type { ArtifactScanner } from './scanner.js';

/** Options for {@link builtinScanners}. */
export interface BuiltinScannerOptions {
  /** Options for a new MCP scanner, or the MCP scanner to use (to read its pins after the scan). */
  readonly mcp?: McpScannerOptions | McpScanner;
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
 * ```
 */
export function builtinScanners(options: BuiltinScannerOptions = {}): ArtifactScanner[] {
  const mcp = options.mcp && 'scan' in options.mcp ? options.mcp : createMcpScanner(options.mcp);
  return [mcp, agentRulesScanner, modelFileScanner];
}
