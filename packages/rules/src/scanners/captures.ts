import {
  type Consumer,
  ObservedUseAccumulator,
  type ObservedUseDocument,
  ReplaySource,
  Vigil,
  VigilError,
} from '@vigil/core';
import type { CapturedToolList } from './mcp/scanner.js';

/** What a scan takes from captures. */
export interface ScanCaptureData {
  /** Observed use: tools called, files opened, per workload. */
  readonly observed: ObservedUseDocument;
  /** Every `tool.list` event, in order, with its capture. */
  readonly toolLists: readonly CapturedToolList[];
}

/**
 * Replays captures once for a scan: the observed use that weighs findings,
 * and the `tool.list` events the MCP scanner reads definitions and live rug
 * pulls from. A capture that cannot be read is a `VigilError`.
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
  for (const uri of paths) {
    const collect: Consumer = {
      name: 'scan-tool-lists',
      onBatch(batch) {
        for (const ev of batch)
          if (ev.kind === 'tool.list')
            toolLists.push({ server: ev.server, tools: ev.tools, ts: ev.ts, workload: ev.workload.id, uri });
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
  return { observed: acc.result(), toolLists };
}
