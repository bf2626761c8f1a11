import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The lab's PostgreSQL: Debian's server in a temporary data folder, on 127.0.0.1. */
export interface LabPostgres {
  /** `postgres://lab@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  /** Runs SQL with psql and returns its output. */
  sql(statement: string): string;
  stop(): void;
}

/** Why PostgreSQL cannot start here, or undefined when it can. */
export function postgresUnavailable(): string | undefined {
  if (binDir() === undefined)
    return 'no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0)
    return 'running as root and there is no postgres user to run the server as';
  return undefined;
}

function binDir(): string | undefined {
  if (!existsSync('/usr/lib/postgresql')) return undefined;
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join('/usr/lib/postgresql', versions[0], 'bin') : undefined;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Starts a throw-away PostgreSQL cluster (trust authentication on 127.0.0.1
 * only, no fsync). As root the server runs as the `postgres` user, as
 * PostgreSQL requires. Throws with the server's log when it does not start.
 */
export async function startPostgres(): Promise<LabPostgres> {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  const bin = binDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lab-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    execFileSync('chown', ['postgres:postgres', dir]);
    chmodSync(dir, 0o700);
  }
  const as = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' })
      : execFileSync(cmd, args, { encoding: 'utf8' });
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    as(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'lab', '--no-sync', '-E', 'UTF8']);
    as(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  } catch (err) {
    const log = existsSync(join(dir, 'log'))
      ? execFileSync('tail', ['-n', '5', join(dir, 'log')], { encoding: 'utf8' })
      : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(err as Error).message.split('\n')[0]} ${log}`);
  }
  const url = `postgres://lab@127.0.0.1:${port}/postgres`;
  return {
    url,
    sql: (statement) =>
      execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', statement], {
        encoding: 'utf8',
      }),
    stop: () => {
      try {
        as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
