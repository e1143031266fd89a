// The Store on SQLite (better-sqlite3), laid out like k3s' kine: an append-only `log` table whose
// integer primary key is the revision, and a small `current` table (key → revision of its live log
// row) for fast reads. Every write is one transaction over both tables.
//
// Durability: WAL with synchronous=NORMAL. A committed transaction is in the WAL file (the OS page
// cache) before the write resolves, so it survives kill -9 of the process; a power loss or kernel
// crash may lose the last transactions (they are not fsynced one by one).
//
// Compaction keeps the log from growing without bound. Rows at or below the compacted revision are
// deleted unless still needed: a key's live row (current points at it) and, for a key written again
// after the compacted revision, its last row before that (the `prev` of the next event, and its value
// when listing at an older revision).
import Database from 'better-sqlite3';
import { compactedError, HistoryWindow, type StoreOptions } from './history-window.js';
import { compareKeys, keyRange, type KeyRange } from './key-order.js';
import { StoreError, type KeyValue, type ListOptions, type ListResult, type Store, type StoreEvent, type Watcher } from './store.js';
import { WatchFanout } from './watch-fanout.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE log (
    rev INTEGER PRIMARY KEY,      -- the revision
    key TEXT NOT NULL,
    deleted INTEGER NOT NULL,     -- 0: put, 1: delete
    value TEXT,                   -- NULL for a delete: the deleted value is the row at prev_rev
    create_rev INTEGER NOT NULL,  -- the key's createRevision
    prev_rev INTEGER NOT NULL,    -- the revision of the key's previous value, 0 if it did not exist
    written_at INTEGER NOT NULL   -- milliseconds, for the time side of the history window
  );
  CREATE TABLE current (key TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** A key's value as a row: from current joined with log, or a log row read directly. */
interface ValueRow {
  key: string;
  value: string;
  create_rev: number;
  mod_rev: number;
}

interface HistoryRow {
  rev: number;
  key: string;
  deleted: 0 | 1;
  value: string | null;
  create_rev: number;
  prev_rev: number;
  prev_value: string | null;
  prev_create_rev: number | null;
}

type Statement = Database.Statement;

export class SqliteStore implements Store {
  /** Opens (creating if needed) the store in one SQLite file; the revision continues where it was. */
  static open(path: string, opts: StoreOptions = {}): SqliteStore {
    const db = new Database(path);
    try {
      prepareFile(db, path);
      return new SqliteStore(db, opts);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private head: number;
  private compacted: number;
  private closed = false;
  private readonly history: HistoryWindow;
  private readonly fanout = new WatchFanout();
  private readonly compactTimer: NodeJS.Timeout;
  /** Range queries vary in shape (bounds present or not), so they are prepared on first use. */
  private readonly rangeStatements = new Map<string, Statement>();

  private readonly getStmt: Statement;
  private readonly logValueStmt: Statement;
  private readonly insertLogStmt: Statement;
  private readonly insertCurrentStmt: Statement;
  private readonly updateCurrentStmt: Statement;
  private readonly deleteCurrentStmt: Statement;
  private readonly newestWrittenBeforeStmt: Statement;
  private readonly deleteSupersededStmt: Statement;
  private readonly deleteTombstonesStmt: Statement;
  private readonly setMetaStmt: Statement;

  private readonly createTx: (key: string, value: string, rev: number, at: number) => KeyValue;
  private readonly updateTx: (key: string, value: string, expected: number | undefined, rev: number, at: number) => [KeyValue, KeyValue];
  private readonly deleteTx: (key: string, expected: number | undefined, rev: number, at: number) => [KeyValue, KeyValue];
  private readonly compactTx: (after: number, upTo: number) => void;

  private constructor(private readonly db: Database.Database, opts: StoreOptions) {
    this.history = new HistoryWindow(opts);
    this.getStmt = db.prepare('SELECT c.key, l.value, l.create_rev, c.rev AS mod_rev FROM current c JOIN log l ON l.rev = c.rev WHERE c.key = ?');
    this.logValueStmt = db.prepare('SELECT key, value, create_rev, rev AS mod_rev FROM log WHERE rev = ? AND deleted = 0');
    this.insertLogStmt = db.prepare('INSERT INTO log (rev, key, deleted, value, create_rev, prev_rev, written_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertCurrentStmt = db.prepare('INSERT INTO current (key, rev) VALUES (?, ?)');
    this.updateCurrentStmt = db.prepare('UPDATE current SET rev = ? WHERE key = ?');
    this.deleteCurrentStmt = db.prepare('DELETE FROM current WHERE key = ?');
    this.newestWrittenBeforeStmt = db.prepare('SELECT MAX(rev) AS rev FROM log WHERE rev > ? AND rev <= ? AND written_at < ?');
    // A row is superseded once a later row of its key is itself at or below the compacted revision.
    this.deleteSupersededStmt = db.prepare('DELETE FROM log WHERE rev IN (SELECT prev_rev FROM log WHERE rev > ? AND rev <= ? AND prev_rev > 0)');
    this.deleteTombstonesStmt = db.prepare('DELETE FROM log WHERE rev > ? AND rev <= ? AND deleted = 1');
    this.setMetaStmt = db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');

    const newest = db.prepare('SELECT rev, written_at FROM log ORDER BY rev DESC LIMIT 1').get() as { rev: number; written_at: number } | undefined;
    const compacted = db.prepare("SELECT value FROM meta WHERE name = 'compacted'").get() as { value: number } | undefined;
    this.compacted = compacted?.value ?? 0;
    // Compaction stays more than historyRevisions behind, so the newest row is never deleted.
    this.head = newest?.rev ?? 0;
    if (newest) this.history.resumeStampsFrom(newest.written_at);

    this.createTx = db.transaction((key: string, value: string, rev: number, at: number) => {
      const existing = this.getStmt.get(key) as ValueRow | undefined;
      if (existing) throw new StoreError('exists', `key ${key} already exists`, toKeyValue(existing));
      this.insertLogStmt.run(rev, key, 0, value, rev, 0, at);
      this.insertCurrentStmt.run(key, rev);
      return { key, value, createRevision: rev, modRevision: rev };
    });
    this.updateTx = db.transaction((key: string, value: string, expected: number | undefined, rev: number, at: number): [KeyValue, KeyValue] => {
      const prev = this.expect(key, expected);
      this.insertLogStmt.run(rev, key, 0, value, prev.createRevision, prev.modRevision, at);
      this.updateCurrentStmt.run(rev, key);
      return [{ key, value, createRevision: prev.createRevision, modRevision: rev }, prev];
    });
    this.deleteTx = db.transaction((key: string, expected: number | undefined, rev: number, at: number): [KeyValue, KeyValue] => {
      const prev = this.expect(key, expected);
      this.insertLogStmt.run(rev, key, 1, null, prev.createRevision, prev.modRevision, at);
      this.deleteCurrentStmt.run(key);
      return [{ ...prev, modRevision: rev }, prev];
    });
    this.compactTx = db.transaction((after: number, upTo: number) => {
      this.deleteSupersededStmt.run(after, upTo);
      this.deleteTombstonesStmt.run(after, upTo);
      this.setMetaStmt.run('compacted', upTo);
    });

    this.compactTimer = setInterval(() => this.compactInBackground(), this.history.compactIntervalMillis);
    this.compactTimer.unref();
  }

  revision(): number {
    return this.head;
  }

  oldestWatchableRevision(): number {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    const row = this.getStmt.get(key) as ValueRow | undefined;
    return row && toKeyValue(row);
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    return this.countCurrent(keyRange(prefix), undefined);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const at = opts.revision ?? 0;
    if (at > 0 && at < this.head) {
      if (at < this.compacted) throw compactedError(at, this.compacted);
      return this.listAt(prefix, at, opts.startAfter, limit);
    }
    const items = this.listCurrent(keyRange(prefix, opts.startAfter), undefined, limit);
    const remaining = limit > 0 && items.length === limit ? this.countCurrent(keyRange(prefix, items[items.length - 1].key), undefined) : 0;
    return { items, revision: this.head, remaining };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen();
    const kv = this.createTx(key, value, this.head + 1, this.history.stampWrite());
    this.committed({ type: 'put', kv, created: true });
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.checkOpen();
    const [kv, prev] = this.updateTx(key, value, expectedModRevision, this.head + 1, this.history.stampWrite());
    this.committed({ type: 'put', kv, prev, created: false });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    const [kv, prev] = this.deleteTx(key, expectedModRevision, this.head + 1, this.history.stampWrite());
    this.committed({ type: 'delete', kv, prev, created: false });
    return kv;
  }

  watch(prefix: string, fromRevision: number, onEvent: (ev: StoreEvent) => void): Watcher {
    this.checkOpen();
    if (fromRevision < this.compacted) throw compactedError(fromRevision, this.compacted);
    return this.fanout.subscribe(prefix, fromRevision, () => this.head, (p, after, upTo) => this.readHistory(p, after, upTo), onEvent);
  }

  /** Drops the history outside the window now (the background timer calls this); returns the compacted revision. */
  compact(): number {
    if (this.closed) return this.compacted;
    const byRevision = this.history.newestDroppableByRevision(this.head);
    if (byRevision <= this.compacted) return this.compacted;
    const target = (this.newestWrittenBeforeStmt.get(this.compacted, byRevision, this.history.droppableBefore()) as { rev: number | null }).rev;
    if (target === null) return this.compacted;
    this.compactTx(this.compacted, target);
    this.compacted = target;
    this.reclaimSpace();
    return target;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.compactTimer);
    this.fanout.clear();
    this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError('closed', 'store is closed');
  }

  private committed(event: StoreEvent): void {
    this.head = event.kv.modRevision;
    this.fanout.publish(event);
  }

  /** The current value, if its modRevision is the expected one (when given). */
  private expect(key: string, expectedModRevision: number | undefined): KeyValue {
    const row = this.getStmt.get(key) as ValueRow | undefined;
    if (!row) throw new StoreError('not-found', `key ${key} not found`);
    const existing = toKeyValue(row);
    if (expectedModRevision !== undefined && existing.modRevision !== expectedModRevision) {
      throw new StoreError('conflict', `key ${key} has modRevision ${existing.modRevision}, not ${expectedModRevision}`, existing);
    }
    return existing;
  }

  private rangeStatement(sql: string, rawRows = false): Statement {
    const cacheKey = rawRows ? `raw:${sql}` : sql;
    let stmt = this.rangeStatements.get(cacheKey);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (rawRows) stmt.raw(true);
      this.rangeStatements.set(cacheKey, stmt);
    }
    return stmt;
  }

  /** Live keys in range, in key order; with unchangedSince, only those not written after it. */
  private listCurrent(range: KeyRange, unchangedSince: number | undefined, limit: number): KeyValue[] {
    const sql =
      'SELECT c.key, l.value, l.create_rev, c.rev AS mod_rev FROM current c JOIN log l ON l.rev = c.rev ' +
      `WHERE ${rangeCondition('c.key', range)}${unchangedSince === undefined ? '' : ' AND c.rev <= @at'} ORDER BY c.key LIMIT @limit`;
    const params = { ...rangeParams(range), ...(unchangedSince === undefined ? {} : { at: unchangedSince }), limit: limit > 0 ? limit : -1 };
    // Rows as arrays: a large list spends most of its time building row objects.
    const rows = this.rangeStatement(sql, true).all(params) as [string, string, number, number][];
    return rows.map(([key, value, createRevision, modRevision]) => ({ key, value, createRevision, modRevision }));
  }

  private countCurrent(range: KeyRange, unchangedSince: number | undefined): number {
    const sql = `SELECT COUNT(*) AS n FROM current WHERE ${rangeCondition('key', range)}${unchangedSince === undefined ? '' : ' AND rev <= @at'}`;
    const params = { ...rangeParams(range), ...(unchangedSince === undefined ? {} : { at: unchangedSince }) };
    return (this.rangeStatement(sql).get(params) as { n: number }).n;
  }

  /**
   * The keys as they were at an older revision: live keys not written since, merged with, for each
   * key written since, the value before its first later write.
   */
  private listAt(prefix: string, at: number, startAfter: string | undefined, limit: number): ListResult {
    const range = keyRange(prefix, startAfter);
    const sql = `SELECT key, prev_rev FROM log WHERE rev > @after AND ${rangeCondition('key', range)} ORDER BY rev`;
    const firstPrevByKey = new Map<string, number>();
    for (const row of this.rangeStatement(sql).all({ ...rangeParams(range), after: at }) as { key: string; prev_rev: number }[]) {
      if (!firstPrevByKey.has(row.key)) firstPrevByKey.set(row.key, row.prev_rev);
    }
    const rewound: KeyValue[] = [];
    for (const prevRev of firstPrevByKey.values()) if (prevRev > 0) rewound.push(this.logValue(prevRev));
    rewound.sort((a, b) => compareKeys(a.key, b.key));
    const unchanged = this.listCurrent(range, at, limit);

    const items: KeyValue[] = [];
    let u = 0;
    let r = 0;
    while ((limit === 0 || items.length < limit) && (u < unchanged.length || r < rewound.length)) {
      const takeRewound = u === unchanged.length || (r < rewound.length && compareKeys(rewound[r].key, unchanged[u].key) < 0);
      items.push(takeRewound ? rewound[r++] : unchanged[u++]);
    }
    let remaining = 0;
    if (limit > 0 && items.length === limit) {
      const last = items[items.length - 1].key;
      remaining = this.countCurrent(keyRange(prefix, last), at) + (rewound.length - r);
    }
    return { items, revision: at, remaining };
  }

  private logValue(rev: number): KeyValue {
    const row = this.logValueStmt.get(rev) as ValueRow | undefined;
    // Compaction keeps every row a revision at or after the compacted one can need.
    if (!row) throw new Error(`storage: log row ${rev} is missing`);
    return toKeyValue(row);
  }

  private readHistory(prefix: string, after: number, upTo: number): StoreEvent[] {
    const range = keyRange(prefix);
    const sql =
      'SELECT l.rev, l.key, l.deleted, l.value, l.create_rev, l.prev_rev, p.value AS prev_value, p.create_rev AS prev_create_rev ' +
      `FROM log l LEFT JOIN log p ON p.rev = l.prev_rev WHERE l.rev > @after AND l.rev <= @upTo AND ${rangeCondition('l.key', range)} ORDER BY l.rev`;
    return (this.rangeStatement(sql).all({ ...rangeParams(range), after, upTo }) as HistoryRow[]).map(toEvent);
  }

  private compactInBackground(): void {
    try {
      this.compact();
    } catch (err) {
      // A failed pass (say, a full disk) leaves the log as it was; the next one retries.
      process.emitWarning(`storage compaction failed: ${(err as Error).message}`);
    }
  }

  /** Returns freed pages to the file system when a lot was freed, and empties the WAL file. */
  private reclaimSpace(): void {
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    if (free > pages / 4) this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

/** Sets up a new file or checks that an existing one holds this store. */
function prepareFile(db: Database.Database, path: string): void {
  // auto_vacuum takes effect only on a file without tables, so it goes first.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Each checkpoint fsyncs the database file; checkpointing every ~40 MB of WAL instead of every
  // ~4 MB lifts single-key writes by about a third. Compaction also truncates the WAL.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('cache_size = -32768');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  const tables = (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
  if (version !== 0 || tables > 0) throw new Error(`${path} is not a nanokube store of schema version ${SCHEMA_VERSION} (found version ${version})`);
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

function rangeCondition(column: string, range: KeyRange): string {
  const lower = `${column} ${range.lowerExclusive ? '>' : '>='} @lower`;
  return range.upper === undefined ? lower : `${lower} AND ${column} < @upper`;
}

function rangeParams(range: KeyRange): { lower: string; upper?: string } {
  return range.upper === undefined ? { lower: range.lower } : { lower: range.lower, upper: range.upper };
}

function toKeyValue(row: ValueRow): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_rev, modRevision: row.mod_rev };
}

function toEvent(row: HistoryRow): StoreEvent {
  const kv: KeyValue = { key: row.key, value: row.value ?? '', createRevision: row.create_rev, modRevision: row.rev };
  if (row.prev_rev === 0) return { type: 'put', kv, created: true };
  // Compaction keeps the row before every kept event.
  if (row.prev_value === null) throw new Error(`storage: log row ${row.prev_rev} (before revision ${row.rev}) is missing`);
  const prev: KeyValue = { key: row.key, value: row.prev_value, createRevision: row.prev_create_rev!, modRevision: row.prev_rev };
  if (row.deleted) return { type: 'delete', kv: { ...kv, value: prev.value }, prev, created: false };
  return { type: 'put', kv, prev, created: false };
}
