// Strict TypeScript consumer (no skipLibCheck): the published declarations must type-check.
import { type Finding, isVigilError, readCapture, VigilError, type VigilEvent } from '@vigil/core';
import { type ProbeReport, probe, type Sensor } from '@vigil/ebpf-native';
import { toSarif } from '@vigil/reporters';
import { builtinPacks, type RulePack } from '@vigil/rules';

export async function summarise(file: string): Promise<number> {
  const { events }: { events: VigilEvent[] } = await readCapture(file);
  return events.filter((e) => e.kind === 'process.exec').length;
}
export const packs: RulePack[] = builtinPacks();
export const sarifVersion: string = toSarif([] as Finding[]).version;
export async function ready(): Promise<boolean> {
  const r: ProbeReport = await probe();
  return r.captureReady;
}
export function code(err: unknown): string | undefined {
  return isVigilError(err) ? err.code : err instanceof VigilError ? 'never' : undefined;
}
export type Open = typeof Sensor.open;
