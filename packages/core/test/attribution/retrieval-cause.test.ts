import { describe, expect, it } from 'vitest';
import {
  AgentTimelineBuilder,
  AgentTimelineSchema,
  EventSchema,
  MemorySource,
  modelCallIdOf,
  Vigil,
  type VigilEvent,
} from '../../src/index.js';
import { AGENT, arrivalOrder, at, exec, modelCall } from './helpers.js';

// The agent's own retriever tool (searchDocs) queries PostgreSQL while the tool call runs: the
// retrieval event carries the call's cause, and the timeline lists it under the call.
const retrieval = (ms: number, pid: number, table: string): VigilEvent =>
  EventSchema.parse({
    ts: at(ms),
    workload: AGENT,
    pid,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'ebpf',
    kind: 'retrieval',
    store: 'postgresql',
    dataSource: table,
    collections: [table],
    operation: 'query',
    principal: 'agent',
  });

describe('retrieval events and the tool call that caused them', () => {
  it('carry the cause of the tool call and show in the timeline', async () => {
    const m = modelCall(1000, 500, 100, [{ id: 'call_docs', name: 'search_docs' }]);
    const events = arrivalOrder([
      exec(0, 100, 1, '/usr/bin/node'),
      retrieval(500, 100, 'warmup'), // before any model response: no cause
      m,
      retrieval(1600, 100, 'docs'),
      modelCall(3000, 100, 100),
      retrieval(3200, 100, 'later'), // after the next request: the call is over
    ]);
    const seen: VigilEvent[] = [];
    const timeline = new AgentTimelineBuilder();
    const vigil = new Vigil({ source: new MemorySource(events, { batchSize: 2 }), consumers: [timeline] });
    vigil.on('event', (ev) => {
      if (ev.kind === 'retrieval') seen.push(ev);
    });
    await vigil.run();
    expect(
      seen.map((e) => [e.kind === 'retrieval' && e.dataSource, e.cause?.toolName, e.cause?.modelCallId]),
    ).toEqual([
      ['warmup', undefined, undefined],
      ['docs', 'search_docs', modelCallIdOf(m as never)],
      ['later', undefined, undefined],
    ]);
    const doc = AgentTimelineSchema.parse(timeline.result());
    const call = doc.timeline[0]!.modelCalls[0]!.toolCalls.find((t) => t.name === 'search_docs');
    expect(call!.retrievals).toEqual(['postgresql/docs query']);
  });

  it('reads timelines written before retrievals were listed', () => {
    const old = {
      schemaVersion: 1,
      timeline: [
        {
          workload: AGENT,
          modelCalls: [],
          mcpCalls: [
            { id: '1', name: 't', server: 's', ts: 1, processes: [], files: [], peers: [], events: 0 },
          ],
        },
      ],
    };
    expect(AgentTimelineSchema.parse(old).timeline[0]!.mcpCalls[0]!.retrievals).toEqual([]);
  });
});
