import {
  type Consumer,
  documentRecord,
  ObservedUseAccumulator,
  type ObservedUseDocument,
  ReplaySource,
  Vigil,
  VigilError,
} from '@vigil/core';
import { inferenceServerOf, unwrapShell } from './inference/launch.js';
import type { CapturedInferenceLaunch } from './inference/scanner.js';
import type { CapturedToolList } from './mcp/scanner.js';

/** What a scan takes from captures. */
export interface ScanCaptureData {
  /** Observed use: tools called, files opened, per workload. */
  readonly observed: ObservedUseDocument;
  /** Every `tool.list` event, in order, with its capture. */
  readonly toolLists: readonly CapturedToolList[];
  /** Every `process.exec` of an inference server (vLLM, TGI, Ollama, llama.cpp, Triton, LocalAI). */
  readonly inferenceLaunches: readonly CapturedInferenceLaunch[];
}

function envRecord(entries: readonly string[] | undefined): Record<string, string> {
  const env = documentRecord<string>();
  for (const e of entries ?? []) {
    const i = e.indexOf('=');
    if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
  }
  return env;
}

/**
 * Replays captures once for a scan: the observed use that weighs findings,
 * the `tool.list` events the MCP scanner reads definitions and live rug
 * pulls from, and the inference servers started (their `process.exec`
 * argv and environment). A capture that cannot be read is a `VigilError`.
 *
 * @example
 * ```ts
 * import { builtinScanners, readScanCaptures, scanPaths } from '@vigil/rules';
 *
 * const { observed, toolLists } = await readScanCaptures(['run.vcap']);
 * const result = await scanPaths(['.'], { scanners: builtinScanners({ mcp: { captureToolLists: toolLists } }), observed });
 * ```
 */
export async function readScanCaptures(
  paths: readonly string[],
  options: { readonly signal?: AbortSignal } = {},
): Promise<ScanCaptureData> {
  const acc = new ObservedUseAccumulator();
  const toolLists: CapturedToolList[] = [];
  const inferenceLaunches: CapturedInferenceLaunch[] = [];
  for (const uri of paths) {
    const collect: Consumer = {
      name: 'scan-tool-lists',
      onBatch(batch) {
        for (const ev of batch) {
          if (ev.kind === 'tool.list')
            toolLists.push({ server: ev.server, tools: ev.tools, ts: ev.ts, workload: ev.workload.id, uri });
          else if (ev.kind === 'process.exec' && (ev.result === undefined || ev.result >= 0)) {
            // A shell wrapping the server is followed by the server's own exec: count that one.
            const server = unwrapShell(ev.argv) === ev.argv ? inferenceServerOf(ev.argv) : undefined;
            if (server)
              inferenceLaunches.push({
                launch: { server, argv: ev.argv, env: envRecord(ev.env) },
                uri,
                workload: ev.workload.id,
                pid: ev.pid,
                ts: ev.ts,
              });
          }
        }
      },
    };
    const source = new ReplaySource([uri], options.signal ? { signal: options.signal } : {});
    const vigil = new Vigil({ source, consumers: [acc, collect] });
    const errors: VigilError[] = [];
    vigil.on('error', (e) => errors.push(e));
    await vigil.run(options.signal ? { signal: options.signal } : {});
    if (errors.length > 0) throw errors[0]!;
  }
  if (options.signal?.aborted) throw new VigilError('ABORTED', 'reading captures aborted');
  return { observed: acc.result(), toolLists, inferenceLaunches };
}
