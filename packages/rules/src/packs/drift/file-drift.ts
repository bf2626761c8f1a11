import { describePattern, isCredentialPath, type UncoveredObservation, type VigilEvent } from '@vigil/core';
import { defineDriftRule } from '../../api/drift-rule.js';
import { DRIFT_NOTES } from './notes.js';

const VERSION = '1.0.0';
const SYSTEM_WRITE = /^\/(etc|usr|bin|sbin|lib|lib64|boot)\//;

function accessOf(u: UncoveredObservation): string {
  const segs = u.observation.segments;
  return (segs[segs.length - 1] ?? '@read').slice(1);
}

function pathOf(u: UncoveredObservation, ev: VigilEvent): string {
  return ev.kind === 'file.open' ? ev.path : describePattern('files', u.observation.segments);
}

/** Every folder of the path is known; only the file name is new. */
function dirsKnown(u: UncoveredObservation): boolean {
  return (u.coverage.depth ?? 0) >= u.observation.segments.length - 2;
}

/** A credential the workload never read. */
export const credentialRead = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.file.credential-read',
    title: 'New credential read',
    description:
      'The workload read a credential (service-account token, cloud or SSH keys, shadow, kubeconfig, … from the shared vocabulary) it never read while learning. No wildcard of the baseline covers a credential: only an entry naming it does.',
    severity: 'critical',
    version: VERSION,
    areas: ['behaviour-drift', 'credential-access'],
    tags: { attack: ['T1528', 'T1552.001'], owaspAgentic: ['ASI03'] },
  },
  domain: 'files',
  kinds: ['file.open'],
  assess(u, ev) {
    if (!isCredentialPath(ev.path) || accessOf(u) === 'exec') return undefined;
    return { what: `read the credential ${ev.path}, which it never read while learning` };
  },
});

/** A file mapped for execution that never was. */
export const newExec = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.file.new-exec',
    title: 'New file mapped for execution',
    description:
      'The workload opened a file for execution (a program or library) it never opened so while learning.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift'],
    tags: { attack: ['T1129'] },
  },
  domain: 'files',
  kinds: ['file.open'],
  assess(u, ev) {
    if (accessOf(u) !== 'exec') return undefined;
    return { what: `opened ${pathOf(u, ev)} for execution, which it never did while learning` };
  },
});

/** A write under a system folder the workload never wrote. */
export const systemWrite = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.file.system-write',
    title: 'Write to a system location',
    description:
      'The workload wrote under /etc, /usr, /bin, /sbin, /lib or /boot, in a folder it never wrote while learning.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift'],
    tags: { attack: ['T1222'] },
  },
  domain: 'files',
  kinds: ['file.open'],
  assess(u, ev) {
    const path = pathOf(u, ev);
    if (accessOf(u) !== 'write' || dirsKnown(u) || !SYSTEM_WRITE.test(path)) return undefined;
    return { what: `wrote ${path}, a system location it never wrote while learning` };
  },
});

/** A file read that was never read: low in a known folder, medium in an unknown tree. */
export const newRead = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.file.new-read',
    title: 'New file read',
    description:
      'The workload read a file it never read while learning: low when the folder is known, medium when nothing of the path is known.',
    severity: 'low',
    version: VERSION,
    areas: ['behaviour-drift'],
  },
  domain: 'files',
  kinds: ['file.open'],
  assess(u, ev) {
    if (accessOf(u) !== 'read') return undefined;
    const path = pathOf(u, ev);
    const near = u.coverage.nearest?.display;
    if (dirsKnown(u))
      return {
        severity: 'low',
        title: 'New file read in a known folder',
        what: `read ${path}, new but in a folder it already used${near ? ` (e.g. ${near})` : ''}`,
      };
    return {
      severity: (u.coverage.depth ?? 0) === 0 ? 'medium' : 'low',
      title: 'New file location read',
      what: `read ${path}, outside every folder it used while learning`,
    };
  },
});

/** A file written that was never written: low in a known folder, medium elsewhere. */
export const newWrite = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.file.new-write',
    title: 'New file written',
    description:
      'The workload wrote a file it never wrote while learning: low when the folder is known, medium otherwise.',
    severity: 'medium',
    version: VERSION,
    areas: ['behaviour-drift'],
  },
  domain: 'files',
  kinds: ['file.open'],
  assess(u, ev) {
    if (accessOf(u) !== 'write') return undefined;
    const path = pathOf(u, ev);
    const near = u.coverage.nearest?.display;
    if (dirsKnown(u))
      return {
        severity: 'low',
        title: 'New file written in a known folder',
        what: `wrote ${path}, new but in a folder it already used${near ? ` (e.g. ${near})` : ''}`,
      };
    return {
      severity: 'medium',
      title: 'New file location written',
      what: `wrote ${path}, outside every folder it used while learning`,
    };
  },
});
