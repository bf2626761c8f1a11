import { admitReviewed, readBaselineFile, reviewQueue, VigilError, writeBaselineFile } from '@vigil/core';
import { renderReport, reportFormats } from '@vigil/reporters';
import type { Command } from '../command.js';

export const baselineCommand: Command = {
  name: 'baseline',
  summary: 'Review quarantined baseline behaviour and admit it, recording who and why',
  usage: 'review BASELINE | admit BASELINE ID… --by WHO --reason WHY',
  description: [
    'Behaviour a critical check flagged while learning (a shell started by the agent, a credential read, …) is',
    'quarantined: held out of the baseline, so it stays drift. `review` lists every quarantined item with a',
    'stable id (`q-` and 16 hex digits, the same in every copy and merge of the baseline). `admit` moves the',
    'items named by id into the baseline and records who admitted them, why and when in the baseline',
    'document (`reviews`); BASELINE is rewritten in place.',
  ].join('\n'),
  options: {
    by: { type: 'string' },
    reason: { type: 'string' },
  },
  optionHelp: {
    by: 'who reviewed and admits the items (recorded in the baseline)',
    reason: 'why they are admitted (recorded in the baseline)',
  },
  // review and admit report in the same formats.
  formats: reportFormats('review'),
  async run(ctx) {
    const [action, path, ...ids] = ctx.args.positionals;
    if ((action !== 'review' && action !== 'admit') || path === undefined)
      throw new VigilError(
        'USAGE',
        'usage: vigil baseline review BASELINE | admit BASELINE ID… --by WHO --reason WHY',
      );
    const set = await readBaselineFile(path);
    if (action === 'review') {
      await ctx.emit(renderReport('review', ctx.format, { baseline: path, quarantined: reviewQueue(set) }));
      return 0;
    }
    if (ids.length === 0) throw new VigilError('USAGE', 'baseline admit needs at least one quarantine id');
    const by = ctx.args.values['by'];
    const reason = ctx.args.values['reason'];
    const records = admitReviewed(set, ids, {
      by: typeof by === 'string' ? by : '',
      reason: typeof reason === 'string' ? reason : '',
    });
    await writeBaselineFile(path, set);
    await ctx.emit(renderReport('admission', ctx.format, { baseline: path, admitted: records }));
    return 0;
  },
};
