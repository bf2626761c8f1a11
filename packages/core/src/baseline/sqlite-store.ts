import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Decoder, Encoder } from '@msgpack/msgpack';
import type BetterSqlite3 from 'better-sqlite3';
import { systemReason } from '../errors/system-reason.js';
import { VigilError } from '../errors/vigil-error.js';
import { Baseline } from './baseline.js';
import { BaselineSet } from './set.js';
import type { BaselineStore, MergeAllOptions, StoredBaselineInfo } from './store.js';
import { infoOf } from './store.js';

/** The better-sqlite3 versions the store is tested with (core's peer dependency range). */
const BETTER_SQLITE3_RANGE = '^12.6.2';

/** Version of the SQLite store's table layout. */
export const SQLITE_STORE_VERSION = 1;

/** Options for {@link SqliteBaselineStore.open}. */
export interface SqliteBaselineStoreOptions {
  /** Open without writing (no schema creation). Default false. */
  readonly readonly?: boolean;
  /** Milliseconds to wait for a lock held by another process. Default 5000. */
  readonly busyTimeoutMs?: number;
}

type Db = BetterSqlite3.Database;

interface Row {
  subject: string;
  version_key: string;
  version: string;
  status: 'learning' | 'stable';
  entries: number;
  updated_at: number;
  doc: Buffer;
}

/**
 * The embedded {@link BaselineStore}: one SQLite file in WAL mode with full
 * synchronous commits. Every write is one transaction; a process killed in
 * the middle of one (even with SIGKILL) loses only that uncommitted
 * transaction. Baselines are stored as msgpack documents, validated on read.
 * better-sqlite3 is an optional peer dependency, loaded on first open: importing
 * core needs no native code, and a program that never opens a store need not
 * install it.
 *
 * @example
 * ```ts
 * import { SqliteBaselineStore } from '@vigil/core';
 *
 * const store = await SqliteBaselineStore.open('/var/lib/vigil/baselines.db');
 * await store.merge(baseline);
 * console.log(await store.list());
 * await store.close();
 * ```
 */
export class SqliteBaselineStore implements BaselineStore {
  readonly path: string;
  #db: Db | undefined;
  readonly #encoder = new Encoder({ ignoreUndefined: true });
  readonly #decoder = new Decoder();

  private constructor(path: string, db: Db) {
    this.path = path;
    this.#db = db;
  }

  /** Opens (creating when needed) a store at `path`. */
  static async open(path: string, options: SqliteBaselineStoreOptions = {}): Promise<SqliteBaselineStore> {
    let Database: typeof BetterSqlite3;
    try {
      Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    } catch (cause) {
      const missing = (cause as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
      throw new VigilError(
        'NATIVE_ADDON_MISSING',
        missing
          ? `the SQLite baseline store needs better-sqlite3, an optional dependency of @vigil/core that is not installed: run 'npm install better-sqlite3@${BETTER_SQLITE3_RANGE}' (or keep baselines in JSON files)`
          : `better-sqlite3 is installed but could not be loaded (run 'npm rebuild better-sqlite3'): ${(cause as Error).message}`,
        { cause },
      );
    }
    await checkStoreFile(path, options.readonly ?? false);
    let db: Db | undefined;
    try {
      db = new Database(path, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      quickCheck(db, path);
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        // A new store gets its tables; an existing SQLite file must already be a store.
        if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table'`).get() === undefined)
          db.exec(`
          BEGIN IMMEDIATE;
          CREATE TABLE IF NOT EXISTS vigil_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS baselines (
            subject TEXT NOT NULL,
            version_key TEXT NOT NULL,
            version TEXT NOT NULL,
            status TEXT NOT NULL,
            entries INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            doc BLOB NOT NULL,
            PRIMARY KEY (subject, version_key)
          );
          INSERT OR IGNORE INTO vigil_meta (key, value) VALUES ('store_version', '${SQLITE_STORE_VERSION}');
          COMMIT;
        `);
      }
      checkVersion(db, path);
    } catch (cause) {
      if (db?.open) db.close();
      if (cause instanceof VigilError) throw cause;
      throw new VigilError('STORE', `cannot open baseline store: ${systemReason(cause)} ${EXPECTED}`, {
        cause,
        location: { file: path },
      });
    }
    return new SqliteBaselineStore(path, db);
  }

  #open(): Db {
    if (this.#db === undefined)
      throw new VigilError('STORE', 'baseline store is closed', { location: { file: this.path } });
    return this.#db;
  }

  #decode(row: Row): Baseline {
    let value: unknown;
    try {
      value = this.#decoder.decode(row.doc);
    } catch (cause) {
      throw new VigilError(
        'STORE',
        `stored baseline ${row.subject} @ ${row.version_key} is undecodable: ${(cause as Error).message}`,
        {
          cause,
          location: { file: this.path },
        },
      );
    }
    return Baseline.fromDocument(value, { file: this.path, path: [row.subject, row.version_key] });
  }

  #write(db: Db, b: Baseline): void {
    const info = infoOf(b, Date.now());
    db.prepare(
      `INSERT INTO baselines (subject, version_key, version, status, entries, updated_at, doc)
       VALUES (@subject, @versionKey, @version, @status, @entries, @updatedAt, @doc)
       ON CONFLICT (subject, version_key) DO UPDATE SET
         version = excluded.version, status = excluded.status, entries = excluded.entries,
         updated_at = excluded.updated_at, doc = excluded.doc`,
    ).run({ ...info, doc: Buffer.from(this.#encoder.encode(b.toDocument())) });
  }

  #getSync(db: Db, subject: string, versionKey: string): Baseline | undefined {
    const row = db
      .prepare(`SELECT * FROM baselines WHERE subject = ? AND version_key = ?`)
      .get(subject, versionKey) as Row | undefined;
    return row ? this.#decode(row) : undefined;
  }

  async get(subject: string, versionKey: string): Promise<Baseline | undefined> {
    const db = this.#open();
    return this.#guard(() => this.#getSync(db, subject, versionKey), 'read');
  }

  async put(baseline: Baseline): Promise<void> {
    const db = this.#open();
    this.#guard(() => db.transaction(() => this.#write(db, baseline)).immediate());
  }

  async putAll(baselines: Iterable<Baseline>): Promise<void> {
    const db = this.#open();
    const list = [...baselines];
    this.#guard(() =>
      db
        .transaction(() => {
          for (const b of list) this.#write(db, b);
        })
        .immediate(),
    );
  }

  async merge(baseline: Baseline): Promise<Baseline> {
    const db = this.#open();
    return this.#guard(() =>
      db
        .transaction(() => {
          const cur = this.#getSync(db, baseline.subject, baseline.versionKey);
          const merged = cur ? Baseline.merge(cur, baseline) : Baseline.fromDocument(baseline.toDocument());
          this.#write(db, merged);
          return merged;
        })
        .immediate(),
    );
  }

  async mergeAll(baselines: Iterable<Baseline>, options: MergeAllOptions = {}): Promise<Baseline[]> {
    const db = this.#open();
    const list = [...baselines];
    // One transaction across the caller's beforeCommit: better-sqlite3's transaction
    // helper cannot await, so BEGIN/COMMIT are explicit.
    this.#guard(() => db.exec('BEGIN IMMEDIATE'));
    try {
      const merged = this.#guard(() =>
        list.map((b) => {
          const cur = this.#getSync(db, b.subject, b.versionKey);
          const m = cur ? Baseline.merge(cur, b) : Baseline.fromDocument(b.toDocument());
          this.#write(db, m);
          return m;
        }),
      );
      await options.beforeCommit?.();
      this.#guard(() => db.exec('COMMIT'));
      return merged;
    } catch (err) {
      if (db.open && db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  async delete(subject: string, versionKey: string): Promise<boolean> {
    const db = this.#open();
    return this.#guard(
      () =>
        db.prepare(`DELETE FROM baselines WHERE subject = ? AND version_key = ?`).run(subject, versionKey)
          .changes > 0,
    );
  }

  async list(): Promise<StoredBaselineInfo[]> {
    const db = this.#open();
    const rows = this.#guard(
      () =>
        db
          .prepare(
            `SELECT subject, version_key, version, status, entries, updated_at FROM baselines ORDER BY subject, version_key`,
          )
          .all() as Omit<Row, 'doc'>[],
      'read',
    );
    return rows.map((r) => ({
      subject: r.subject,
      versionKey: r.version_key,
      version: r.version,
      status: r.status,
      entries: r.entries,
      updatedAt: r.updated_at,
    }));
  }

  async loadSet(): Promise<BaselineSet> {
    const db = this.#open();
    return this.#guard(() => {
      const rows = db.prepare(`SELECT * FROM baselines ORDER BY subject, version_key`).all() as Row[];
      return new BaselineSet(rows.map((r) => this.#decode(r)));
    }, 'read');
  }

  #guard<T>(fn: () => T, what: 'read' | 'write' = 'write'): T {
    try {
      return fn();
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
      throw new VigilError('STORE', `baseline store ${what} failed: ${(cause as Error).message}`, {
        cause,
        location: { file: this.path },
      });
    }
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    db?.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');
const EXPECTED = '(expected a SQLite baseline store, as `vigil learn --store` makes)';

function storeError(path: string, message: string, cause?: unknown): VigilError {
  return new VigilError('STORE', `${message} ${EXPECTED}`, {
    location: { file: path },
    ...(cause !== undefined ? { cause } : {}),
  });
}

function describeKind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Refuses, before SQLite touches it, what cannot be a store: a folder, a FIFO
 * (SQLite would block reading it), a device (SQLite would put its journal
 * beside it, in /dev), a file that is not an SQLite database (a JSON
 * baseline given by mistake), or a new store in a folder that does not exist.
 */
async function checkStoreFile(path: string, mustExist: boolean): Promise<void> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      throw storeError(path, `cannot open baseline store: ${systemReason(cause)}`, cause);
    if (mustExist) throw storeError(path, 'no baseline store here: the file does not exist');
    const folder = dirname(path);
    const parent = await stat(folder).catch(() => undefined);
    if (parent === undefined || !parent.isDirectory())
      throw storeError(path, `cannot create a baseline store: the folder ${folder} does not exist`);
    return;
  }
  if (!st.isFile()) throw storeError(path, `the baseline store is ${describeKind(st)}, not a file`);
  if (st.size === 0) {
    if (mustExist) throw storeError(path, 'the baseline store is an empty file');
    return;
  }
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  let got = 0;
  try {
    const fh = await open(path, 'r');
    try {
      got = (await fh.read(head, 0, head.length, 0)).bytesRead;
    } finally {
      await fh.close();
    }
  } catch (cause) {
    throw storeError(path, `cannot read the baseline store: ${systemReason(cause)}`, cause);
  }
  if (got < head.length || !head.equals(SQLITE_MAGIC)) {
    const text = head.subarray(0, got).toString('latin1');
    const looksJson = /^\s*[[{]/.test(text);
    const looksMsgpack = text.startsWith('VBSL');
    throw storeError(
      path,
      `not an SQLite database${looksJson ? ' (it looks like JSON: a baseline file?)' : looksMsgpack ? ' (it is a msgpack baseline file)' : ''}`,
    );
  }
}

/** Refuses a store that fails SQLite's quick integrity check, naming the first problems. */
function quickCheck(db: Db, path: string): void {
  const problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check);
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new VigilError(
      'STORE',
      `baseline store failed its integrity check: ${problems.join('; ')} (restore it from a copy or learn it again)`,
      { location: { file: path } },
    );
  }
}

/** Refuses a file that is not a Vigil store of a version this build reads. */
function checkVersion(db: Db, path: string): void {
  const hasMeta =
    db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vigil_meta'`).get() !==
    undefined;
  const row = hasMeta
    ? (db.prepare(`SELECT value FROM vigil_meta WHERE key = 'store_version'`).get() as
        | { value: string }
        | undefined)
    : undefined;
  if (row === undefined) {
    throw new VigilError(
      'STORE',
      'not a Vigil baseline store (an SQLite file without the vigil_meta table and its store_version)',
      { location: { file: path } },
    );
  }
  if (Number(row.value) !== SQLITE_STORE_VERSION) {
    throw new VigilError(
      'STORE',
      `baseline store version ${row.value} is not supported (this build reads ${SQLITE_STORE_VERSION})`,
      { location: { file: path } },
    );
  }
}
