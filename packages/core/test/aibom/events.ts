import type { VigilEvent, VigilEventInput, WorkloadRef } from '@vigil/core';
import { EventSchema } from '@vigil/core';

export const AGENT_WL: WorkloadRef = {
  id: 'systemd:/system.slice/agent.service',
  kind: 'systemd-service',
  name: 'agent.service',
  labels: {},
};
export const OTHER_WL: WorkloadRef = {
  id: 'container:abcdef012345',
  kind: 'container',
  name: 'docker abcdef012345',
  labels: {},
};

let clock = 1_800_000_000_000_000_000;

/** Builds a valid event with envelope defaults; ts increases by 1 ms per event. */
export function ev(partial: Record<string, unknown> & { kind: VigilEvent['kind'] }): VigilEvent {
  clock += 1_000_000;
  const input = {
    ts: clock,
    workload: AGENT_WL,
    pid: 100,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'replay',
    ...partial,
  } as VigilEventInput;
  return EventSchema.parse(input);
}
