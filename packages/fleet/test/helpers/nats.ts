import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** Why NATS tests cannot run here, or undefined when they can. */
export function natsUnavailable(): string | undefined {
  try {
    execFileSync('nats-server', ['--version'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return 'nats-server is not installed (apt-get install nats-server)';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** One nats-server process on loopback with JetStream on and its own store folder. */
export class NatsNode {
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number | undefined;
  readonly storeDir: string;
  readonly url: string;
  #routes: string[];
  #proc: ChildProcess | undefined;
  log = '';

  constructor(
    name: string,
    port: number,
    clusterPort: number | undefined,
    routes: string[],
    storeDir: string,
  ) {
    this.name = name;
    this.port = port;
    this.clusterPort = clusterPort;
    this.#routes = routes;
    this.storeDir = storeDir;
    this.url = `nats://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir, '-n', this.name];
    if (this.clusterPort !== undefined) {
      args.push('--cluster_name', 'vigil-test', '--cluster', `nats://127.0.0.1:${this.clusterPort}`);
      if (this.#routes.length > 0) args.push('--routes', this.#routes.join(','));
    }
    const p = spawn('nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#proc = p;
    const onData = (d: Buffer) => {
      this.log += d.toString();
      if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
    };
    p.stdout?.on('data', onData);
    p.stderr?.on('data', onData);
    const deadline = Date.now() + 30_000;
    while (!this.log.includes('Server is ready')) {
      if (p.exitCode !== null) throw new Error(`nats-server ${this.name} exited: ${this.log.slice(-2000)}`);
      if (Date.now() > deadline)
        throw new Error(`nats-server ${this.name} did not start: ${this.log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills the process (SIGKILL: no clean shutdown). */
  async kill(): Promise<void> {
    const p = this.#proc;
    if (!p || p.exitCode !== null) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await done;
  }

  async stop(): Promise<void> {
    const p = this.#proc;
    if (!p || p.exitCode !== null) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  }
}

/** A set of nats-server processes: one alone, or a JetStream cluster. */
export class NatsCluster {
  readonly nodes: NatsNode[];
  readonly #dir: string;

  private constructor(nodes: NatsNode[], dir: string) {
    this.nodes = nodes;
    this.#dir = dir;
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  static async start(size: number): Promise<NatsCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-fleet-nats-'));
    const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
    const cports = size > 1 ? await Promise.all(Array.from({ length: size }, () => freePort())) : [];
    const nodes = ports.map(
      (port, i) =>
        new NatsNode(
          `n${i + 1}`,
          port,
          cports[i],
          cports.filter((_, j) => j !== i).map((c) => `nats://127.0.0.1:${c}`),
          join(dir, `n${i + 1}`),
        ),
    );
    const c = new NatsCluster(nodes, dir);
    await Promise.all(nodes.map((n) => n.start()));
    await c.waitForJetStream();
    return c;
  }

  /** Waits until JetStream answers (in a cluster: a meta leader is elected). */
  async waitForJetStream(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const nc = await connect({ servers: this.urls, timeout: 2000 });
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2000 });
          await jsm.getAccountInfo();
          if (this.nodes.length > 1) {
            // Every peer has joined when a stream with a replica on each can be placed.
            await jsm.streams.add({
              name: 'VIGIL_TEST_READY',
              subjects: ['vigil-test-ready'],
              num_replicas: this.nodes.length,
            });
            await jsm.streams.delete('VIGIL_TEST_READY');
          }
          return;
        } finally {
          await nc.close();
        }
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`JetStream did not become ready: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** A client connection to these servers (for code outside the fleet package, such as the benchmarks). */
export function connectNats(servers: readonly string[], name: string): Promise<NatsConnection> {
  return connect({ servers: [...servers], name, maxReconnectAttempts: -1 });
}
