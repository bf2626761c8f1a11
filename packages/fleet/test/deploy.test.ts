import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const BASE = join(REPO, 'deploy', 'kustomize', 'base');
const require = createRequire(import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML, read field by field
type Obj = Record<string, any>;

const files = readdirSync(BASE).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const objects: { file: string; obj: Obj }[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(BASE, file), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return { file, obj: d.toJSON() as Obj };
  }),
);
const find = (kind: string, name: string) =>
  objects.find((o) => o.obj.kind === kind && o.obj.metadata?.name === name)?.obj;

/** The `kubernetes-models` class of an object: the OpenAPI schema the API server publishes for it. */
function model(apiVersion: string, kind: string): new (o: Obj) => { validate(): void } {
  const mod = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, unknown>;
  const ctor = mod[kind];
  if (typeof ctor !== 'function') throw new Error(`no schema for ${apiVersion} ${kind}`);
  return ctor as new (
    o: Obj,
  ) => { validate(): void };
}

describe('deploy/kustomize/base', () => {
  it.each(objects.map((o) => [`${o.file}: ${o.obj.kind} ${o.obj.metadata?.name}`, o.obj] as const))(
    '%s validates against the Kubernetes schema',
    (_name, obj) => {
      const Model = model(obj.apiVersion, obj.kind);
      expect(() => new Model(obj).validate()).not.toThrow();
    },
  );

  it('the validator refuses what the API server would (so the check can fail)', () => {
    const ds = structuredClone(find('DaemonSet', 'vigil-daemon')!);
    ds.spec.template.spec.containers[0].securityContext.capabilities.add = 'BPF';
    const Model = model('apps/v1', 'DaemonSet');
    expect(() => new Model(ds).validate()).toThrow();
  });

  it('the kustomization lists every manifest, and nothing else', () => {
    const k = parseAllDocuments(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8'))[0]!.toJSON() as Obj;
    expect(k.kind).toBe('Kustomization');
    expect([...k.resources].sort()).toEqual([...files].sort());
  });

  it('gives the daemon exactly the privileges it needs', () => {
    const ds = find('DaemonSet', 'vigil-daemon')!;
    const pod = ds.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.hostPID).toBe(true);
    expect(pod.hostNetwork).toBe(false);
    expect(pod.serviceAccountName).toBe('vigil-daemon');
    expect(c.securityContext.privileged).toBe(false);
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
    expect([...c.securityContext.capabilities.add].sort()).toEqual(
      ['BPF', 'NET_ADMIN', 'PERFMON', 'SYS_PTRACE', 'SYS_RESOURCE'].sort(),
    );
    // Host paths: the cgroup tree and BTF read-only, the state folder for the store and captures.
    const mounts = Object.fromEntries(c.volumeMounts.map((m: Obj) => [m.mountPath, m.readOnly === true]));
    expect(mounts).toEqual({
      '/sys/fs/cgroup': true,
      '/sys/kernel/btf': true,
      '/var/lib/vigil': false,
      '/tmp': false,
    });
    const hostPaths = pod.volumes.filter((v: Obj) => v.hostPath).map((v: Obj) => v.hostPath.path);
    expect(hostPaths.sort()).toEqual(['/sys/fs/cgroup', '/sys/kernel/btf', '/var/lib/vigil']);
  });

  it('lets the daemon read only nodes/proxy (the kubelet /pods), and the hub nothing', () => {
    const role = find('ClusterRole', 'vigil-daemon')!;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }]);
    const binding = find('ClusterRoleBinding', 'vigil-daemon')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'vigil-daemon', namespace: 'vigil' }]);
    expect(objects.filter((o) => /Role/.test(o.obj.kind)).map((o) => o.obj.metadata.name)).toEqual([
      'vigil-daemon',
      'vigil-daemon',
    ]);
    const hub = find('Deployment', 'vigil-hub')!.spec.template.spec;
    expect(hub.automountServiceAccountToken).toBe(false);
    expect(hub.securityContext.runAsNonRoot).toBe(true);
    expect(hub.containers[0].securityContext.capabilities.drop).toEqual(['ALL']);
  });

  it('runs NATS as a 3-node JetStream cluster whose routes name every replica', () => {
    const sts = find('StatefulSet', 'nats')!;
    expect(sts.spec.replicas).toBe(3);
    const conf = find('ConfigMap', 'nats')!.data['nats.conf'] as string;
    expect(conf).toMatch(/jetstream \{/);
    for (let i = 0; i < 3; i++) expect(conf).toContain(`nats://nats-${i}.nats-headless.vigil.svc:6222`);
    expect(sts.spec.serviceName).toBe('nats-headless');
    expect(find('Service', 'nats-headless')!.spec.clusterIP).toBe('None');
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  // Instructions with their continuation lines joined.
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => {
      const m = /^([A-Z]+)\s+(.*)$/.exec(l);
      if (!m) throw new Error(`not an instruction: ${l}`);
      return { op: m[1]!, args: m[2]! };
    });
  const KNOWN = new Set([
    'FROM',
    'RUN',
    'COPY',
    'ADD',
    'ENV',
    'ARG',
    'WORKDIR',
    'USER',
    'ENTRYPOINT',
    'CMD',
    'LABEL',
    'EXPOSE',
  ]);

  it('is made of known instructions', () => {
    for (const i of instructions) expect(KNOWN.has(i.op), i.op).toBe(true);
  });

  it('builds in one Debian bookworm Node.js 20 stage and runs from a slim one', () => {
    const froms = instructions.filter((i) => i.op === 'FROM').map((i) => i.args);
    expect(froms).toEqual(['node:20-bookworm AS build', 'node:20-bookworm-slim AS runtime']);
    const stages = new Set(froms.map((f) => f.split(/\s+AS\s+/)[1]));
    for (const c of instructions.filter((i) => i.op === 'COPY' && i.args.startsWith('--from=')))
      expect(stages.has(/--from=(\S+)/.exec(c.args)![1]), c.args).toBe(true);
  });

  it('installs the packed packages and the SQLite driver, and runs as a non-root user by default', () => {
    const run = instructions
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join('\n');
    for (const p of ['core', 'ebpf-native', 'rules', 'reporters', 'fleet', 'cli']) expect(run).toContain(p);
    expect(run).toMatch(/pnpm pack/);
    expect(run).toMatch(/better-sqlite3@12\.6\.2/);
    expect(run).toMatch(/--frozen-lockfile/);
    const user = instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBe('1000:1000');
    expect(instructions.at(-2)).toEqual({ op: 'ENTRYPOINT', args: '["vigil"]' });
    // The pnpm version is the one setup pins.
    const pinned = /PNPM_VERSION=(\S+)/.exec(readFileSync(join(REPO, 'scripts', 'setup.sh'), 'utf8'))?.[1];
    expect(text).toContain(`PNPM_VERSION=${pinned}`);
  });

  it('is the image the manifests run', () => {
    const images = objects
      .flatMap((o) => o.obj.spec?.template?.spec?.containers ?? [])
      .map((c: Obj) => c.image as string)
      .filter((i) => i.startsWith('ghcr.io/vigil-dev/'));
    expect(new Set(images)).toEqual(new Set(['ghcr.io/vigil-dev/vigil:0.1.0']));
    expect(text).toContain('docker build -t ghcr.io/vigil-dev/vigil:0.1.0 .');
  });
});
