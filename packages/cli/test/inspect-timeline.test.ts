import { AgentTimelineSchema } from '@vigil/core';
import { renderTimelineText } from '@vigil/reporters';
import { describe, expect, it } from 'vitest';

describe('inspect --timeline (text)', () => {
  it('lists the retrievals a tool call made under it, beside its processes, files and peers', () => {
    const doc = AgentTimelineSchema.parse({
      schemaVersion: 1,
      timeline: [
        {
          workload: { id: 'cgroup:/vigil-agent', kind: 'cgroup', name: 'agent' },
          modelCalls: [
            {
              id: 'model:100:1',
              ts: 1_800_000_000_000_000_000,
              pid: 100,
              provider: 'openai',
              model: 'gpt-x',
              toolCalls: [
                {
                  id: 'call_1',
                  name: 'search_docs',
                  server: 'function',
                  ts: 1_800_000_000_500_000_000,
                  processes: [],
                  files: [],
                  peers: ['127.0.0.1:5432'],
                  retrievals: ['postgresql/docs query', 'postgresql/employees query'],
                  events: 4,
                },
              ],
            },
          ],
          mcpCalls: [],
        },
      ],
    });
    const text = renderTimelineText(doc);
    const lines = text.split('\n').map((l) => l.trim());
    expect(lines).toContain('peer  127.0.0.1:5432');
    expect(lines).toContain('data  postgresql/docs query');
    expect(lines).toContain('data  postgresql/employees query');
    expect(text.indexOf('search_docs')).toBeLessThan(text.indexOf('data  postgresql/docs query'));
  });
});
