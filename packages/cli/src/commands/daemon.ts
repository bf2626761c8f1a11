import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  countOf,
  DEFAULT_DISCOVERED_KINDS,
  DEFAULT_DISCOVERY_INTERVAL_MS,
  KUBELET_PODS_URL,
  type PodListFetchOptions,
  VigilError,
  type WorkloadKind,
  WorkloadKindSchema,
} from '@vigil/core';
import { assertCapturePrerequisites } from '@vigil/ebpf-native';
import {
  type DaemonSink,
  FleetBaselineWatcher,
  FleetPublisher,
  JsonLinesSink,
  NodeDaemon,
} from '@vigil/fleet';
import { OtlpHttpExporter } from '@vigil/reporters';
import { builtinPacks, loadExceptions, loadRulePacks } from '@vigil/rules';
import type { Command } from '../command.js';
import { VERSION } from '../version.js';
import { parseDurationSec, STABILITY_HELP, STABILITY_OPTIONS, stabilityFromFlags } from './learn.js';

const SIZE = /^(\d+)([kmg]i?b?)?$/i;
const SIZE_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function parseSize(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const m = typeof value === 'string' ? SIZE.exec(value.trim()) : null;
  if (!m)
    throw new VigilError('USAGE', `${flag} takes a size like 67108864, 64M or 1G (got '${String(value)}')`);
  return Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').charAt(0).toLowerCase()] ?? 1);
}

function podsOption(values: Readonly<Record<string, unknown>>): PodListFetchOptions | false {
  const url = values['kubelet'];
  if (url === undefined) return false;
  const tokenFile = values['kubelet-token-file'];
  const caFile = values['kubelet-ca'];
  return {
    url: typeof url === 'string' && url !== '' ? url : KUBELET_PODS_URL,
    ...(typeof tokenFile === 'string' ? { tokenFile } : {}),
    ...(typeof caFile === 'string' ? { ca: readFileSync(caFile) } : {}),
    ...(values['kubelet-insecure'] === true ? { insecure: true } : {}),
  };
}

export const daemonCommand: Command = {
  name: 'daemon',
  summary: 'Watch every workload on this node: learn and check continuously, send findings and baselines',
  usage:
    '--store DB [--nats URL[,URL…] [--spool-dir DIR] | --out FILE] [--cgroup-root PATH] [--node NAME] [--kubelet[=URL|FILE]] [--capture-dir DIR] [--report-interval DURATION] [--rules PACK…] [--otlp URL]',
  description: [
    'Runs until SIGTERM or SIGINT, one per node. Discovers the workload cgroups under --cgroup-root (default:',
    'the whole cgroup v2 tree) as they appear and vanish: Kubernetes pods under the systemd and cgroupfs',
    'drivers and every QoS class, containerd, CRI-O, Docker and Podman containers, systemd services and plain',
    'leaf cgroups. The live sensor watches the root and everything below it, so a new container is seen from',
    'its first exec. Each event gets its workload identity: with --kubelet, the namespace, pod, container,',
    "owning workload, image, image digest and service account from the kubelet's pod list (default URL",
    `${KUBELET_PODS_URL}; a file works too), otherwise what the cgroup path says. The replicas of one`,
    'owner share one baseline (subject k8s:NAMESPACE/OWNER/CONTAINER).',
    '',
    'Baselines are learned continuously (stability flags as for `vigil learn`) and merged into the SQLite',
    'store --store every --report-interval; once a baseline is stable its workloads are checked against it',
    'with the detectors of `vigil check` (the built-in rule packs and every --rules PACK; drift as it first',
    "appears). Findings and incidents are sent as they appear; baselines that changed, and each workload's",
    'AI-BOM and observed use (gap observations), at each report. With --nats they are published to the',
    'fleet over NATS JetStream (`vigil hub` merges them), kept in a spool under --spool-dir while NATS is',
    'unreachable, and each workload is checked against the fleet’s stable baseline of it when the hub has',
    'published one (its own otherwise; the finding’s evidence says which); otherwise they go to --out (JSON lines, appended; default stdout), one object per line',
    'with a type: finding, incident, baseline, aibom, gap or events.',
    '--capture-dir keeps what was seen as capture files (readable by learn, check and inspect), a new file',
    'every --capture-max-file bytes, the oldest deleted beyond --capture-max-total.',
    '--otlp also sends findings (OTLP log records) and model and tool calls (GenAI spans) to an',
    'OpenTelemetry collector over OTLP/HTTP, batched every 5 s.',
    '',
    'SIGTERM or SIGINT stops cleanly: the sensor is detached, the last events are learned and checked, a',
    'last report is made and everything is flushed. Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE',
    'and read access to the cgroup tree); see docs/daemon.md for the DaemonSet.',
  ].join('\n'),
  options: {
    store: { type: 'string' },
    nats: { type: 'string' },
    'spool-dir': { type: 'string' },
    'cgroup-root': { type: 'string' },
    node: { type: 'string' },
    kinds: { type: 'string' },
    'discovery-interval': { type: 'string' },
    kubelet: { type: 'string' },
    'kubelet-token-file': { type: 'string' },
    'kubelet-ca': { type: 'string' },
    'kubelet-insecure': { type: 'boolean' },
    'report-interval': { type: 'string' },
    'capture-dir': { type: 'string' },
    'capture-max-file': { type: 'string' },
    'capture-max-total': { type: 'string' },
    'events-sample': { type: 'string' },
    otlp: { type: 'string' },
    rules: { type: 'string', multiple: true },
    exceptions: { type: 'string' },
    'no-builtin-rules': { type: 'boolean' },
    ...STABILITY_OPTIONS,
  },
  bareValues: { kubelet: '' },
  optionHelp: {
    out: 'the JSON-lines file findings, incidents, baselines, AI-BOM and gap observations are appended to (default stdout)',
    store: 'the SQLite baseline store learned baselines are merged into (created when missing)',
    nats: 'publish to the fleet over NATS JetStream at these server URLs (comma-separated) instead of --out',
    'spool-dir': 'where messages wait while NATS is unreachable (default /var/lib/vigil/spool)',
    'cgroup-root': 'the cgroup subtree to watch, absolute or below the cgroup v2 mount (default: all of it)',
    node: 'the node name workloads are labelled with (default $NODE_NAME or the host name)',
    kinds: `workload kinds discovery reports, comma-separated (default ${DEFAULT_DISCOVERED_KINDS.join(',')})`,
    'discovery-interval': `milliseconds between cgroup scans (default ${DEFAULT_DISCOVERY_INTERVAL_MS})`,
    kubelet: `read pod metadata from the kubelet (bare: ${KUBELET_PODS_URL}), another URL, or a PodList file`,
    'kubelet-token-file': 'a bearer token file for the kubelet (the service-account token)',
    'kubelet-ca': 'a PEM CA bundle to verify the kubelet with',
    'kubelet-insecure':
      "accept the kubelet's self-signed serving certificate (the connection is to the node itself)",
    'report-interval':
      'how often baselines are stored and sent, with the AI-BOM and gap observations (default 30s)',
    'capture-dir': 'keep rotated capture files in this folder',
    'capture-max-file': 'start a new capture file at this size (default 64M)',
    'capture-max-total': 'delete the oldest capture files beyond this total (default 1G)',
    'events-sample': 'also send raw events: the fraction of batches to send, 0 to 1 (default 0)',
    otlp: 'also send findings and model/tool calls to this OTLP/HTTP collector (e.g. http://127.0.0.1:4318)',
    rules: 'a rule pack to add: a module path or an installed package name',
    exceptions: 'a JSON exceptions document (allowlist entries per rule and workload)',
    'no-builtin-rules': 'run only the packs given with --rules',
    ...STABILITY_HELP,
  },
  formats: ['jsonl'],
  maxPositionals: 0,
  async run(ctx) {
    const v = ctx.args.values;
    const store = v['store'];
    if (typeof store !== 'string')
      throw new VigilError('USAGE', 'daemon needs --store DB for the baselines it learns');
    const kinds =
      typeof v['kinds'] === 'string'
        ? v['kinds'].split(',').map((k) => {
            const r = WorkloadKindSchema.safeParse(k.trim());
            if (!r.success)
              throw new VigilError(
                'USAGE',
                `--kinds takes workload kinds (${WorkloadKindSchema.options.join(', ')}); got '${k}'`,
              );
            return r.data as WorkloadKind;
          })
        : undefined;
    const interval = v['discovery-interval'];
    const discoveryIntervalMs = typeof interval === 'string' ? Number(interval) : undefined;
    if (
      discoveryIntervalMs !== undefined &&
      !(Number.isInteger(discoveryIntervalMs) && discoveryIntervalMs >= 10)
    )
      throw new VigilError(
        'USAGE',
        `--discovery-interval takes milliseconds, 10 or more (got '${String(interval)}')`,
      );
    const report = v['report-interval'];
    const reportIntervalMs =
      typeof report === 'string' ? parseDurationSec(report, '--report-interval') * 1000 : undefined;
    const sampleArg = v['events-sample'];
    const eventSample = typeof sampleArg === 'string' ? Number(sampleArg) : undefined;
    if (eventSample !== undefined && !(eventSample >= 0 && eventSample <= 1))
      throw new VigilError(
        'USAGE',
        `--events-sample takes a fraction from 0 to 1 (got '${String(sampleArg)}')`,
      );
    const maxFileBytes = parseSize(v['capture-max-file'], '--capture-max-file');
    const maxTotalBytes = parseSize(v['capture-max-total'], '--capture-max-total');
    const captureDir = v['capture-dir'];
    if (captureDir === undefined && (maxFileBytes !== undefined || maxTotalBytes !== undefined))
      throw new VigilError('USAGE', '--capture-max-file and --capture-max-total need --capture-dir');
    const stability = stabilityFromFlags(v);
    const packs = [
      ...(v['no-builtin-rules'] === true ? [] : builtinPacks()),
      ...(await loadRulePacks((v['rules'] as string[] | undefined) ?? [])),
    ];
    const exceptionsPath = v['exceptions'];
    const exceptions =
      typeof exceptionsPath === 'string' ? (await loadExceptions(exceptionsPath)).exceptions : [];
    assertCapturePrerequisites();

    const node = typeof v['node'] === 'string' ? v['node'] : (process.env['NODE_NAME'] ?? hostname());
    const nats = v['nats'];
    if (nats !== undefined && ctx.out !== undefined)
      throw new VigilError('USAGE', '--nats and --out are two destinations: give one');
    const spoolDir = typeof v['spool-dir'] === 'string' ? v['spool-dir'] : '/var/lib/vigil/spool';
    const otlpUrl = v['otlp'];
    const otlp =
      typeof otlpUrl === 'string' ? new OtlpHttpExporter({ url: otlpUrl, toolVersion: VERSION }) : undefined;
    const sink: DaemonSink =
      typeof nats === 'string'
        ? await FleetPublisher.open({ servers: nats.split(','), spoolDir, node })
        : new JsonLinesSink(ctx.out ?? '-', { node });
    // The fleet's stable baselines; while NATS cannot be reached the node checks against its own.
    let watcher: FleetBaselineWatcher | undefined;
    if (typeof nats === 'string')
      try {
        watcher = await FleetBaselineWatcher.start({ servers: nats.split(',') });
      } catch (e) {
        ctx.log(`vigil daemon: not checking against the fleet's baselines: ${(e as Error).message}`);
      }
    const daemon = new NodeDaemon({
      store,
      sink,
      version: VERSION,
      stability,
      packs,
      exceptions,
      pods: podsOption(v),
      node,
      ...(watcher ? { fleetBaselines: watcher } : {}),
      ...(otlp ? { otlp } : {}),
      ...(typeof v['cgroup-root'] === 'string' ? { cgroupRoot: v['cgroup-root'] } : {}),
      ...(kinds !== undefined ? { kinds } : {}),
      ...(discoveryIntervalMs !== undefined ? { discoveryIntervalMs } : {}),
      ...(reportIntervalMs !== undefined ? { reportIntervalMs } : {}),
      ...(eventSample !== undefined ? { eventSample } : {}),
      ...(typeof captureDir === 'string'
        ? {
            capture: {
              dir: captureDir,
              ...(maxFileBytes !== undefined ? { maxFileBytes } : {}),
              ...(maxTotalBytes !== undefined ? { maxTotalBytes } : {}),
            },
          }
        : {}),
    });
    let errors = 0;
    daemon.on('error', (e) => {
      if (errors++ < 20) ctx.log(`vigil daemon: ${e.message}`);
    });
    daemon.on('workload', (change, c) =>
      ctx.log(`vigil daemon: ${change === 'added' ? '+' : '-'} ${c.workload.kind} ${c.path}`),
    );
    daemon.on('baseline', (b) =>
      ctx.log(
        `vigil daemon: baseline ${b.subject} @ ${b.versionKey}: ${b.status}, ${countOf(b.size(), 'entry')}`,
      ),
    );
    await daemon.start();
    ctx.log(
      `vigil daemon: watching ${countOf(daemon.workloads().length, 'workload')} on node ${daemon.node}`,
    );
    const onSignal = () => void daemon.stop();
    ctx.signal.addEventListener('abort', onSignal, { once: true });
    if (ctx.signal.aborted) onSignal();
    try {
      await daemon.done;
    } finally {
      ctx.signal.removeEventListener('abort', onSignal);
      await watcher?.close();
    }
    const s = daemon.stats();
    const dropped = Object.values(s.drops).reduce((a, b) => a + b, 0);
    ctx.log(
      `vigil daemon: stopped; ${countOf(s.events, 'event')}, ${countOf(s.baselines, 'baseline')} (${s.stableBaselines} stable), ${countOf(s.findings, 'finding')}, ${countOf(s.incidents, 'incident')}${dropped > 0 ? `, ${dropped} events dropped: ${JSON.stringify(s.drops)}` : ''}`,
    );
    return 0;
  },
};
