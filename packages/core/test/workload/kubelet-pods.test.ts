import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultBaselineKey,
  fetchPodList,
  kubernetesWorkload,
  OWNER_NAME_LABEL,
  PodIndex,
  parsePodList,
  VigilError,
  workloadFromCgroupPath,
  workloadIdentity,
} from '../../src/index.js';

const FIXTURE = new URL('./fixtures/kubelet-pods.json', import.meta.url);
const TEXT = readFileSync(FIXTURE, 'utf8');
const AGENT_CID = 'a3f1c0de'.repeat(8);
const AGENT_UID_US = '0a1b2c3d_4e5f_6789_abcd_ef0123456789';
const QDRANT_CID = 'b4'.repeat(32);

describe('parsePodList', () => {
  const pods = parsePodList(TEXT, 'kubelet-pods.json');
  const byName = new Map(pods.map((p) => [p.name, p]));

  it.each([
    ['a Deployment replica is owned by the Deployment', 'agent-7d9f8c6b5-x2kq9', 'Deployment', 'agent'],
    ['a StatefulSet pod by the StatefulSet', 'vectordb-0', 'StatefulSet', 'vectordb'],
    ['a CronJob run by the CronJob', 'report-29010240-7xk2p', 'CronJob', 'report'],
    ['a bare pod by itself', 'debug', 'Pod', 'debug'],
  ])('%s', (_what, pod, kind, name) => {
    expect(byName.get(pod)?.owner).toEqual({ kind, name });
  });

  it('reads containers with runtime ids, images and digests', () => {
    const agent = byName.get('agent-7d9f8c6b5-x2kq9')!;
    expect(agent.serviceAccount).toBe('agent');
    expect(agent.qosClass).toBe('Burstable');
    expect(agent.containers).toEqual([
      {
        name: 'agent',
        image: 'ghcr.io/acme/agent:1.4',
        imageDigest: 'sha256:4f3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e',
        containerId: AGENT_CID,
      },
      // Not started yet: no id, and an empty imageID is no digest.
      { name: 'mcp-github', image: 'ghcr.io/acme/mcp-github:0.6' },
    ]);
    expect(byName.get('vectordb-0')!.containers[0]!.containerId).toBe(QDRANT_CID);
  });

  it('names the file and the JSON path of what is missing', () => {
    const bad = JSON.stringify({ items: [{ metadata: { name: 'x', namespace: 'n' }, spec: {} }] });
    const err = (() => {
      try {
        parsePodList(bad, 'pods.json');
      } catch (e) {
        return e as VigilError;
      }
      throw new Error('did not throw');
    })();
    expect(err).toBeInstanceOf(VigilError);
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.message).toContain('pods.json');
    expect(err.issues.map((i) => i.path.join('.'))).toContain('items.0.metadata.uid');
  });

  it('says where a truncated document ends', () => {
    expect(() => parsePodList(TEXT.slice(0, 700), 'cut.json')).toThrow(/cut\.json, line \d+.*not valid JSON/);
  });

  it('accepts an empty list and a null items', () => {
    expect(parsePodList('{"kind":"PodList","items":null}', 'x')).toEqual([]);
    expect(parsePodList('{"items":[]}', 'x')).toEqual([]);
  });

  it('never throws anything but a VigilError on arbitrary or mangled input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.integer({ min: 0, max: TEXT.length }).map((n) => TEXT.slice(0, n)),
          fc
            .tuple(fc.integer({ min: 0, max: TEXT.length - 1 }), fc.string({ maxLength: 3 }))
            .map(([i, s]) => TEXT.slice(0, i) + s + TEXT.slice(i + 1)),
        ),
        (text) => {
          try {
            const pods = parsePodList(text, 'fuzz');
            for (const p of pods) expect(typeof p.uid).toBe('string');
          } catch (e) {
            expect(e).toBeInstanceOf(VigilError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a document beyond the size cap without parsing it', () => {
    const huge = `{"items":[${'{},'.repeat(23_000_000)}{}]}`;
    expect(() => parsePodList(huge, 'huge.json')).toThrow(/larger than/);
  });
});

describe('kubernetesWorkload', () => {
  const index = new PodIndex(parsePodList(TEXT, 'kubelet-pods.json'));
  const path = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${AGENT_UID_US}.slice/cri-containerd-${AGENT_CID}.scope`;

  it('adds namespace, pod, container, image, digest, service account and owner to a cgroup path', () => {
    const w = kubernetesWorkload(workloadFromCgroupPath(path, '42'), index);
    expect(w).toMatchObject({
      id: `k8s:0a1b2c3d-4e5f-6789-abcd-ef0123456789/${AGENT_CID.slice(0, 12)}`,
      kind: 'kubernetes-pod',
      namespace: 'ai',
      pod: 'agent-7d9f8c6b5-x2kq9',
      container: 'agent',
      image: 'ghcr.io/acme/agent:1.4',
      serviceAccount: 'agent',
      qosClass: 'burstable',
      cgroupId: '42',
    });
    expect(w.labels).toMatchObject({
      app: 'agent',
      'vigil.dev/owner-kind': 'Deployment',
      'vigil.dev/owner-name': 'agent',
      'vigil.dev/image-digest': 'sha256:4f3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e',
      'vigil.dev/node': 'node-a',
    });
    expect(workloadIdentity(w)).toBe('k8s:ai/agent/agent');
  });

  it('gives two replicas of one owner one identity and one baseline key, whatever their pod names', () => {
    const a = { ...kubernetesWorkload(workloadFromCgroupPath(path), index) };
    const b = { ...a, id: 'k8s:other/abc', pod: 'agent-unusual-name', podUid: 'x' };
    expect(workloadIdentity(b)).toBe(workloadIdentity(a));
    expect(defaultBaselineKey(b)).toEqual(defaultBaselineKey(a));
    // Without the owner label the pod name's replica suffix is dropped instead.
    const { [OWNER_NAME_LABEL]: _owner, ...labels } = a.labels;
    expect(workloadIdentity({ ...a, labels })).toBe('k8s:ai/agent/agent');
  });

  it('finds a CRI-O container by id under the cgroupfs driver', () => {
    const w = kubernetesWorkload(
      workloadFromCgroupPath(`/kubepods/besteffort/pod11111111-2222-3333-4444-555555555555/${QDRANT_CID}`),
      index,
    );
    expect(w).toMatchObject({
      namespace: 'ai',
      pod: 'vectordb-0',
      container: 'qdrant',
      qosClass: 'besteffort',
    });
    expect(workloadIdentity(w)).toBe('k8s:ai/vectordb/qdrant');
  });

  it('leaves what the kubelet does not list, and what is no pod, unchanged', () => {
    const unknown = workloadFromCgroupPath(
      `/kubepods.slice/kubepods-pod99999999_2222_3333_4444_555555555555.slice/cri-containerd-${'c'.repeat(64)}.scope`,
    );
    expect(kubernetesWorkload(unknown, index)).toBe(unknown);
    const svc = workloadFromCgroupPath('/system.slice/nginx.service');
    expect(kubernetesWorkload(svc, index)).toBe(svc);
  });
});

describe('fetchPodList', () => {
  let server: Server;
  let base: string;
  const seen: { auth: string | undefined; path: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ auth: req.headers.authorization, path: req.url });
      if (req.url === '/pods') {
        if (req.headers.authorization !== 'Bearer s3cret') {
          res
            .writeHead(403)
            .end('Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource=proxy)');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(TEXT);
      } else if (req.url === '/garbage') {
        res.writeHead(200).end('{"items": [');
      } else if (req.url === '/slow') {
        // never answers
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('fetches the kubelet pod list with the bearer token', async () => {
    const pods = await fetchPodList({ url: `${base}/pods`, token: 's3cret' });
    expect(pods.map((p) => p.name)).toContain('agent-7d9f8c6b5-x2kq9');
    expect(seen.at(-1)).toEqual({ auth: 'Bearer s3cret', path: '/pods' });
  });

  it('says which permission is missing when the kubelet refuses', async () => {
    await expect(fetchPodList({ url: `${base}/pods`, token: 'wrong' })).rejects.toThrow(
      /HTTP 403.*nodes\/proxy/,
    );
  });

  it('reports a cut answer as a parse error naming the URL', async () => {
    await expect(fetchPodList({ url: `${base}/garbage` })).rejects.toMatchObject({ code: 'PARSE' });
  });

  it('gives up on a server that does not answer', async () => {
    await expect(fetchPodList({ url: `${base}/slow`, timeoutMs: 200 })).rejects.toThrow(
      /no answer within 200 ms/,
    );
  });

  it('reads a file instead of a URL', async () => {
    const pods = await fetchPodList({ url: FIXTURE.pathname });
    expect(pods).toHaveLength(4);
    await expect(fetchPodList({ url: '/nonexistent/pods.json' })).rejects.toMatchObject({ code: 'IO' });
  });
});
