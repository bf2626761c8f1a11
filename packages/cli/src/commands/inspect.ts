import { describeCaptureIntegrity, inspectCaptures, VigilError } from '@vigil/core';
import { renderReport, reportFormats } from '@vigil/reporters';
import { STRICT_HELP, STRICT_OPTION } from '../captures.js';
import type { Command } from '../command.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Summarise captures per workload: events by kind, processes, peers, files, DNS',
  usage: `CAPTURE… [--timeline] [--format ${reportFormats('inspect').join('|')}]`,
  description:
    '--timeline adds the agent timeline: each model call, the tool calls its response asked for, and the processes, files and peers each caused (attributed from the capture; json: `timeline`).',
  options: { ...STRICT_OPTION, timeline: { type: 'boolean' } },
  optionHelp: {
    strict: STRICT_HELP,
    timeline: 'add the agent timeline: model call → tool call → the processes, files and peers it caused',
  },
  formats: reportFormats('inspect'),
  async run(ctx) {
    const paths = ctx.args.positionals;
    if (paths.length === 0) throw new VigilError('USAGE', 'inspect needs at least one capture file');
    const inspection = await inspectCaptures({
      captures: paths,
      strict: ctx.args.values['strict'] === true,
      timeline: ctx.args.values['timeline'] === true,
      signal: ctx.signal,
    });
    for (const line of describeCaptureIntegrity(inspection.integrity)) ctx.log(`warning: ${line}`);
    await ctx.emit(renderReport('inspect', ctx.format, inspection));
    return 0;
  },
};
