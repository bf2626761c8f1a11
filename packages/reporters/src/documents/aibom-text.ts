import { type AiBom, countOf, describeCaptureDrops, describeCaptureIntegrity } from '@vigil/core';

function fmtTs(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString().replace('.000Z', 'Z');
}

/**
 * Renders an AI-BOM as text for a terminal: components by status, then the flow edges.
 *
 * @example
 * ```ts
 * import { buildAiBom } from '@vigil/core';
 * import { renderAiBomText } from '@vigil/reporters';
 *
 * process.stdout.write(renderAiBomText(await buildAiBom({ captures: ['run.vcap'] })));
 * ```
 */
export function renderAiBomText(bom: AiBom): string {
  const out: string[] = [];
  const s = bom.summary;
  out.push(
    `AI-BOM: ${countOf(s.components, 'component')} (${Object.entries(s.byStatus)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}) from ${countOf(bom.inputs.events, 'event')}`,
  );
  if (bom.inputs.integrity && !bom.inputs.integrity.complete)
    for (const line of describeCaptureIntegrity(bom.inputs.integrity)) out.push(`  INCOMPLETE: ${line}`);
  for (const line of describeCaptureDrops(bom.inputs.drops)) out.push(`  capture: ${line}`);
  const order = ['undeclared-used', 'declared-used', 'observed', 'declared-unused'];
  const label: Record<string, string> = {
    'undeclared-used': 'Used, never declared (shadow AI)',
    'declared-used': 'Declared and used',
    observed: 'Observed',
    'declared-unused': 'Declared, never used',
  };
  for (const status of order) {
    const list = bom.components.filter((c) => c.status === status);
    if (list.length === 0) continue;
    out.push('', `${label[status]}:`);
    for (const c of list) {
      const v = c.version ? `@${c.version}` : '';
      const seen = c.observed
        ? `  seen ${c.observed.count}x ${fmtTs(c.observed.firstSeen)}..${fmtTs(c.observed.lastSeen)} via ${c.observed.methods.join(',')}`
        : '';
      const decl = c.declared?.[0]
        ? `  declared in ${c.declared[0].file}${c.declared[0].line ? `:${c.declared[0].line}` : ''}`
        : '';
      out.push(`  ${c.type.padEnd(16)} ${c.name}${v}  (confidence ${c.confidence.toFixed(2)})${seen}${decl}`);
    }
  }
  if (bom.flow.edges.length > 0) {
    // A peer classified as a database, vector store or message bus shows that kind and the evidence for it.
    const peer = (n: AiBom['flow']['nodes'][number]) =>
      n.type === 'data' && n.properties['service'] !== undefined ? n.properties['kind'] : undefined;
    const label = new Map(bom.flow.nodes.map((n) => [n.id, `${peer(n) ?? n.type} ${n.label}`]));
    const why = new Map(bom.flow.nodes.map((n) => [n.id, peer(n) && n.properties['evidence']]));
    out.push('', 'Execution flow:');
    for (const e of bom.flow.edges.slice(0, 200)) {
      const evidence = why.get(e.to);
      out.push(
        `  ${label.get(e.from) ?? e.from} -${e.relation}-> ${label.get(e.to) ?? e.to}  (${e.count}x${evidence ? `; ${evidence}` : ''})`,
      );
    }
    if (bom.flow.edges.length > 200) out.push(`  … and ${bom.flow.edges.length - 200} more edges`);
  }
  out.push('');
  return out.join('\n');
}
