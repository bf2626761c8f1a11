import { admitReviewed, readBaselineFile, reviewQueue, VigilError, writeBaselineFile } from '@vigil/core';
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
  formats: ['text', 'json'],
  async run(ctx) {
    const [action, path, ...ids] = ctx.args.positionals;
    if ((action !== 'review' && action !== 'admit') || path === undefined)
      throw new VigilError(
        'USAGE',
        'usage: vigil baseline review BASELINE | admit BASELINE ID… --by WHO --reason WHY',
      );
    const set = await readBaselineFile(path);
    if (action === 'review') {
      const queue = reviewQueue(set);
      if (ctx.format === 'json') {
        await ctx.emit(`${JSON.stringify({ baseline: path, quarantined: queue }, null, 2)}\n`);
        return 0;
      }
      const lines = [`${path}: ${queue.length} quarantined item(s)`];
      for (const q of queue) {
        lines.push(
          '',
          `${q.id}  [${q.severity}] ${q.title}  (${q.subject} @ ${q.versionKey}, seen ${q.count}×)`,
        );
        lines.push(`  ${q.reason}`);
        for (const b of q.behaviour) lines.push(`  holds ${b}`);
      }
      if (queue.length > 0)
        lines.push('', `admit with: vigil baseline admit ${path} ID… --by WHO --reason WHY`);
      await ctx.emit(`${lines.join('\n')}\n`);
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
    if (ctx.format === 'json')
      await ctx.emit(`${JSON.stringify({ baseline: path, admitted: records }, null, 2)}\n`);
    else
      await ctx.emit(
        `${records.map((r) => `admitted ${r.item} (${r.behaviour}) by ${r.by}: ${r.reason}`).join('\n')}\n`,
      );
    return 0;
  },
};
