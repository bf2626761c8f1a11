import { VigilError } from '@vigil/core';
import { FleetHub, type FleetHubStats } from '@vigil/fleet';
import { OtlpHttpExporter } from '@vigil/reporters';
import type { Command } from '../command.js';
import { VERSION } from '../version.js';
import { natsServers, parseCount, parsePartitionList } from './fleet.js';

function statsLine(s: FleetHubStats): string {
  const kinds = Object.entries(s.byKind)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `hub: ${s.messages} messages (${kinds || 'none'}), ${s.events} events, ${s.redelivered} redelivered, ${s.rejected} rejected, ${s.stablePublished} stable baselines published`;
}

export const hubCommand: Command = {
  name: 'hub',
  summary: 'Run a fleet hub: merge every node’s findings and baselines from NATS JetStream until stopped',
  usage: '--nats URL… [--partitions N] [--own P,…] [--replicas N] [--name PREFIX] [--otlp URL]',
  description: [
    'Consumes what `vigil daemon` (or any FleetPublisher) publishes to NATS JetStream, through one durable consumer',
    'per partition: merges the baselines of every replica of a workload and version into one (kept in the',
    'vigil-fleet-baselines key-value bucket), publishes stable ones to vigil-fleet-stable-baselines for the daemons,',
    'and keeps fleet findings and incidents once with every node that saw them. Handling is idempotent by message',
    'and content, so redelivery after a crash changes nothing; the hub keeps no state of its own. Run several hubs',
    'with --own to split the partitions between them (or the same --own on two for failover). Stops on SIGINT or',
    'SIGTERM and prints what it handled. --otlp also sends each fleet finding, when the hub first has it, as an',
    'OTLP log record, and the model and tool calls in sampled events as GenAI spans, to an OTLP/HTTP collector.',
  ].join('\n'),
  options: {
    nats: { type: 'string', multiple: true },
    partitions: { type: 'string' },
    own: { type: 'string' },
    replicas: { type: 'string' },
    name: { type: 'string' },
    otlp: { type: 'string' },
  },
  optionHelp: {
    nats: 'a NATS server URL (repeat for a cluster)',
    partitions: 'how many partitions subjects are split into, as the publishers (default 16)',
    own: 'the partitions this hub consumes, e.g. 0,2,4 or 0-7 (default: all)',
    replicas: 'copies of streams and buckets made when missing (3 on a 3-node cluster; default 1)',
    name: 'prefix of the durable consumer names (default vigil-hub)',
    otlp: 'also send fleet findings and model/tool calls to this OTLP/HTTP collector (e.g. http://127.0.0.1:4318)',
    out: 'where to write the final statistics',
  },
  maxPositionals: 0,
  formats: ['text', 'json'],
  async run(ctx) {
    const v = ctx.args.values;
    if (ctx.args.positionals.length > 0)
      throw new VigilError('USAGE', `hub takes no positional arguments (got '${ctx.args.positionals[0]}')`);
    const partitions = v['partitions'] === undefined ? 16 : parseCount(v['partitions'], '--partitions', 1000);
    const own = typeof v['own'] === 'string' ? parsePartitionList(v['own'], partitions) : undefined;
    const replicas = v['replicas'] === undefined ? 1 : parseCount(v['replicas'], '--replicas', 5);
    const otlpUrl = v['otlp'];
    const hub = await FleetHub.start({
      ...(typeof otlpUrl === 'string'
        ? { otlp: new OtlpHttpExporter({ url: otlpUrl, toolVersion: VERSION }) }
        : {}),
      servers: natsServers(v['nats']),
      partitions,
      ...(own ? { owned: own } : {}),
      ...(typeof v['name'] === 'string' ? { name: v['name'] } : {}),
      streams: { replicas },
    });
    hub.on('error', (e) => ctx.log(`hub: ${e.message}`));
    ctx.log(`hub: consuming partitions ${hub.owned.join(',')} of ${partitions}`);
    const timer = setInterval(() => ctx.log(statsLine(hub.stats())), 30_000);
    try {
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      clearInterval(timer);
      await hub.close();
    }
    const s = hub.stats();
    if (ctx.format === 'json') await ctx.emit(`${JSON.stringify(s, null, 2)}\n`);
    else await ctx.emit(`${statsLine(s)}\n`);
    return 0;
  },
};
