import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cgroupV2Mount } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';

/** Why live tests cannot run here, or undefined when they can. */
export function liveSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'needs a kernel with BTF';
  if (!capturePrivileges().sufficient) return 'needs root (or CAP_BPF + CAP_PERFMON)';
  try {
    const probe = join(cgroupV2Mount(), `vigil-fleet-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (e) {
    return `cannot create cgroups: ${(e as Error).message}`;
  }
  return undefined;
}

/** One replica of a Deployment: a pod with one container, as the kubelet and the cgroup tree show it. */
export interface Replica {
  readonly pod: string;
  readonly podUid: string;
  readonly containerId: string;
  /** The container's cgroup directory (systemd driver, besteffort). */
  readonly dir: string;
}

/**
 * A stand-in for one node: a cgroup subtree shaped like a kubelet's (systemd
 * driver) with the given replicas of `ai/agent`, and the PodList the kubelet
 * would serve for it.
 */
export class FakeNode {
  readonly root: string;
  readonly replicas: Replica[] = [];
  readonly #procs: ChildProcess[] = [];

  constructor(name: string, replicas: number) {
    this.root = join(cgroupV2Mount(), `vigil-${name}-${process.pid}-${randomBytes(3).toString('hex')}`);
    const qos = join(this.root, 'kubepods.slice', 'kubepods-besteffort.slice');
    mkdirSync(qos, { recursive: true });
    for (let i = 0; i < replicas; i++) {
      const podUid = randomUUID();
      const containerId = randomBytes(32).toString('hex');
      const podDir = join(qos, `kubepods-besteffort-pod${podUid.replace(/-/g, '_')}.slice`);
      const dir = join(podDir, `cri-containerd-${containerId}.scope`);
      mkdirSync(dir, { recursive: true });
      this.replicas.push({
        pod: `agent-5f7d8c9b6-${randomBytes(3).toString('hex').slice(0, 5)}`,
        podUid,
        containerId,
        dir,
      });
    }
  }

  /** The PodList the kubelet serves for this node. */
  podList(nodeName: string): unknown {
    return {
      kind: 'PodList',
      apiVersion: 'v1',
      items: this.replicas.map((r) => ({
        metadata: {
          name: r.pod,
          namespace: 'ai',
          uid: r.podUid,
          labels: { app: 'agent', 'pod-template-hash': '5f7d8c9b6' },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: 'agent-5f7d8c9b6',
              uid: randomUUID(),
              controller: true,
            },
          ],
        },
        spec: {
          nodeName,
          serviceAccountName: 'agent',
          containers: [{ name: 'agent', image: 'ghcr.io/acme/agent:1.4' }],
        },
        status: {
          phase: 'Running',
          qosClass: 'BestEffort',
          containerStatuses: [
            {
              name: 'agent',
              image: 'ghcr.io/acme/agent:1.4',
              imageID: `ghcr.io/acme/agent@sha256:${'4f'.repeat(32)}`,
              containerID: `containerd://${r.containerId}`,
              ready: true,
            },
          ],
        },
      })),
    };
  }

  /** Starts `command` inside a replica's cgroup (the shell moves itself in, then execs). */
  run(replica: Replica, command: string): ChildProcess {
    const p = spawn(
      '/bin/sh',
      [
        '-c',
        'echo $$ > "$1" && shift && exec /bin/sh -c "$1"',
        'vigil',
        join(replica.dir, 'cgroup.procs'),
        command,
      ],
      {
        stdio: 'ignore',
      },
    );
    this.#procs.push(p);
    return p;
  }

  /** Kills everything in the tree and removes it. */
  async remove(): Promise<void> {
    for (const p of this.#procs) p.kill('SIGKILL');
    for (const r of this.replicas) {
      try {
        writeFileSync(join(r.dir, 'cgroup.kill'), '1');
      } catch {
        // gone
      }
    }
    const dirs: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
      dirs.push(d);
    };
    if (existsSync(this.root)) walk(this.root);
    for (const d of dirs) {
      for (let i = 0; i < 200; i++) {
        try {
          rmdirSync(d);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') break;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
}

/** A kubelet stand-in on loopback serving `/pods` to requests with the right bearer token. */
export async function kubeletServer(
  podList: () => unknown,
  token: string,
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    n++;
    if (req.url !== '/pods') return void res.writeHead(404).end();
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end('Unauthorized');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(podList()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pods`,
    requests: () => n,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The BPF programs, links and maps this process holds (its file descriptors): what a daemon
 * running in it left attached. Other processes on the machine are not counted.
 */
export function heldBpfObjects(): string[] {
  const held: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (/^anon_inode:bpf-(prog|link|map)$/.test(target)) held.push(`${target} (fd ${fd})`);
    } catch {
      // closed meanwhile
    }
  }
  return held;
}

/** Reads a JSON-lines file. */
export function readJsonLines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Polls until `cond` holds. */
export async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
