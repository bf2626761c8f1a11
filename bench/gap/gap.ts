/**
 * Declared-vs-observed benchmarks:
 * - CloudTrail and Kubernetes audit ingestion: records/s and peak RSS for growing files, against
 *   reading the whole file with JSON.parse (the memory the streaming reader avoids);
 * - gap analysis and least-privilege generation for growing numbers of grants and uses.
 *
 * Run: npx tsx bench/gap/gap.ts [--quick]
 * Each ingestion case runs in its own process so peak RSS belongs to it alone. Medians of 5 runs.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as core from '../../packages/core/src/index.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function record(i: number) {
  return {
    eventVersion: '1.09',
    eventTime: new Date(1_764_000_000_000 + i * 1000).toISOString(),
    eventSource: i % 3 === 0 ? 's3.amazonaws.com' : 'dynamodb.amazonaws.com',
    eventName: i % 3 === 0 ? 'GetObject' : 'GetItem',
    awsRegion: 'eu-west-1',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::123456789012:assumed-role/agent-${i % 7}/session`,
      accountId: '123456789012',
      sessionContext: { sessionIssuer: { arn: `arn:aws:iam::123456789012:role/agent-${i % 7}` } },
    },
    resources: [{ ARN: `arn:aws:s3:::bucket-${i % 11}/docs/${i % 50}.pdf`, type: 'AWS::S3::Object' }],
    requestParameters: {
      bucketName: `bucket-${i % 11}`,
      key: `docs/${i % 50}.pdf`,
      padding: 'x'.repeat(200),
    },
    responseElements: null,
    requestID: `req-${i}`,
    eventID: `ev-${i}`,
  };
}

function auditLine(i: number) {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${i}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/ns-${i % 13}/configmaps/cm-${i % 40}`,
    verb: ['get', 'list', 'watch', 'update'][i % 4],
    user: { username: `system:serviceaccount:ns-${i % 13}:sa-${i % 5}`, groups: ['system:serviceaccounts'] },
    sourceIPs: ['10.0.0.1'],
    userAgent: 'agent/1.0',
    objectRef: { resource: 'configmaps', namespace: `ns-${i % 13}`, name: `cm-${i % 40}`, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2025-11-24T16:00:00.000000Z',
    stageTimestamp: '2025-11-24T16:00:00.001000Z',
  });
}

async function writeFile(path: string, count: number, kind: 'trail' | 'audit'): Promise<void> {
  const out = createWriteStream(path);
  if (kind === 'trail') out.write('{"Records":[');
  for (let i = 0; i < count; i++) {
    const line = kind === 'trail' ? `${i > 0 ? ',' : ''}${JSON.stringify(record(i))}` : `${auditLine(i)}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  if (kind === 'trail') out.write(']}');
  out.end();
  await once(out, 'finish');
}

// Child mode: one ingestion, report time and peak RSS.
const caseArg = process.argv.indexOf('--case');
if (caseArg >= 0) {
  const mode = process.argv[caseArg + 1]!;
  const file = process.argv[caseArg + 2]!;
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const t0 = performance.now();
  let events = 0;
  let uses = 0;
  if (mode === 'stream-trail' || mode === 'stream-audit') {
    const source =
      mode === 'stream-trail' ? new core.CloudTrailSource(file) : new core.KubernetesAuditSource(file);
    const acc = new core.ObservedUseAccumulator();
    for await (const batch of source) {
      events += batch.length;
      acc.onBatch(batch);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    uses = acc.result().uses.length;
  } else {
    // Baseline: read and parse the whole file at once.
    const text = readFileSync(file, 'utf8');
    const parsed =
      mode === 'parse-trail'
        ? (JSON.parse(text) as { Records: unknown[] }).Records
        : text
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l));
    events = parsed.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const ms = performance.now() - t0;
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ ms, events, uses, peakMb: peak / 1048576 }));
  process.exit(0);
}

function runCase(mode: string, file: string): { ms: number; events: number; uses: number; peakMb: number } {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--case', mode, file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`case ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Whether a case completes with the V8 heap capped (constant memory shows as "ok" at every size). */
function fitsHeap(mode: string, file: string, heapMb: number): string {
  const r = spawnSync(
    process.execPath,
    [`--max-old-space-size=${heapMb}`, ...process.execArgv, process.argv[1]!, '--case', mode, file],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return r.status === 0 ? 'ok' : 'out of memory';
}
const HEAP_CAP = 48;

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-gap-'));
try {
  console.log('Ingestion (median of %d runs; each run in its own process)\n', RUNS);
  console.log(
    `| input | records | MB | reader | distinct uses | records/s | MB/s | peak RSS MB | heap capped at ${HEAP_CAP} MB |`,
  );
  console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |');
  const sizes = quick ? [20_000, 80_000] : [25_000, 100_000, 400_000];
  for (const kind of ['trail', 'audit'] as const) {
    for (const n of sizes) {
      const file = join(dir, `${kind}-${n}.json`);
      await writeFile(file, n, kind);
      const mb = statSync(file).size / 1048576;
      for (const mode of [`stream-${kind}`, `parse-${kind}`]) {
        const runs = Array.from({ length: RUNS }, () => runCase(mode, file));
        const ms = median(runs.map((r) => r.ms));
        const peak = median(runs.map((r) => r.peakMb));
        console.log(
          `| ${kind === 'trail' ? 'CloudTrail {"Records"}' : 'k8s audit JSON lines'} | ${n} | ${mb.toFixed(1)} | ${mode.startsWith('stream') ? 'Vigil streaming → observed use' : 'JSON.parse whole file (no model)'} | ${mode.startsWith('stream') ? runs[0]!.uses : '–'} | ${Math.round((runs[0]!.events / ms) * 1000)} | ${((mb / ms) * 1000).toFixed(1)} | ${peak.toFixed(0)} | ${fitsHeap(mode, file, HEAP_CAP)} |`,
        );
      }
      rmSync(file);
    }
  }

  console.log(
    '\nReading declared manifests: Role + RoleBinding + Deployment per service account (median of %d runs)\n',
    RUNS,
  );
  console.log('| service accounts | objects | MB | grants | ms | objects/s |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const sas of quick ? [100, 300] : [100, 1000]) {
    const parts: string[] = [];
    for (let s = 0; s < sas; s++)
      parts.push(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: r${s}, namespace: ns${s % 13} }
rules:
  - apiGroups: ["", apps, batch]
    resources: [pods, configmaps, secrets, services, deployments, jobs]
    verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: r${s}, namespace: ns${s % 13} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: r${s} }
subjects: [{ kind: ServiceAccount, name: sa${s} }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: d${s}, namespace: ns${s % 13} }
spec:
  selector: { matchLabels: { app: d${s} } }
  template:
    metadata: { labels: { app: d${s} } }
    spec:
      serviceAccountName: sa${s}
      containers: [{ name: c, image: x, volumeMounts: [{ name: v, mountPath: /data }] }]
      volumes: [{ name: v, emptyDir: {} }]`);
    const text = parts.join('\n---\n');
    let grants = 0;
    const times = Array.from({ length: RUNS }, () => {
      const t = performance.now();
      grants = new core.DeclaredPermissionsBuilder().add(text, 'cluster.yaml').build().grants.length;
      return performance.now() - t;
    });
    const ms = median(times);
    console.log(
      `| ${sas} | ${sas * 3} | ${(text.length / 1048576).toFixed(2)} | ${grants} | ${ms.toFixed(0)} | ${Math.round((sas * 3 * 1000) / ms)} |`,
    );
  }

  console.log('\nGap analysis and least-privilege generation (median of %d runs)\n', RUNS);
  console.log('| service accounts | RBAC grants | distinct uses | analyse ms | generate ms | uses/s |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const sas of quick ? [10, 100] : [10, 100, 400]) {
    const docs: string[] = [];
    for (let s = 0; s < sas; s++) {
      docs.push(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: r${s}, namespace: ns${s % 13} }
rules:
  - apiGroups: ["", apps, batch]
    resources: [pods, configmaps, secrets, services, deployments, jobs]
    verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: r${s}, namespace: ns${s % 13} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: r${s} }
subjects: [{ kind: ServiceAccount, name: sa${s} }]`);
    }
    const declared = new core.DeclaredPermissionsBuilder({ maxDocuments: 100_000 })
      .add(docs.join('\n---\n'), 'rbac.yaml')
      .build();
    const acc = new core.ObservedUseAccumulator();
    let i = 0;
    for (let s = 0; s < sas; s++)
      for (let k = 0; k < 50; k++)
        acc.add({
          kind: 'k8s.api',
          ts: 1.764e18 + i++ * 1e9,
          workload: { id: `sa${s}`, kind: 'external', labels: {} },
          pid: 0,
          ppid: 0,
          comm: 'kube-apiserver',
          exe: '',
          source: 'k8s-audit',
          verb: ['get', 'list', 'watch'][k % 3]!,
          resource: ['pods', 'configmaps'][k % 2]!,
          apiGroup: '',
          namespace: `ns${s % 13}`,
          name: `obj-${k % 10}`,
          user: `system:serviceaccount:ns${s % 13}:sa${s}`,
          responseCode: 200,
        });
    const observed = acc.result();
    const a: number[] = [];
    const g: number[] = [];
    let report = core.analyzeGaps(declared, observed);
    for (let r = 0; r < RUNS; r++) {
      let t = performance.now();
      report = core.analyzeGaps(declared, observed);
      a.push(performance.now() - t);
      t = performance.now();
      core.generateLeastPrivilege(declared, report, observed);
      g.push(performance.now() - t);
    }
    console.log(
      `| ${sas} | ${declared.grants.length} | ${observed.uses.length} | ${median(a).toFixed(1)} | ${median(g).toFixed(1)} | ${Math.round((observed.uses.length / median(a)) * 1000)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
