// The Store contract, run against both MemoryStore and SqliteStore: compare-and-swap writes, prefix
// lists with paging and history, watch replay + live without gaps, the history window and
// compaction; then what only SQLite has: log rows really deleted, reopen, and a speed measurement.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MemoryStore } from '../../src/storage/memory.js';
import { SqliteStore } from '../../src/storage/sqlite.js';
import type { StoreOptions } from '../../src/storage/history-window.js';
import { StoreError, type KeyValue, type Store, type StoreEvent } from '../../src/storage/store.js';

type CompactingStore = Store & { compact(): number };

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-storage-'));
after(() => fs.rmSync(tempDir, { recursive: true, force: true }));
let fileCounter = 0;
const newDbFile = () => path.join(tempDir, `store-${++fileCounter}.db`);

const kinds: { name: string; open(opts?: StoreOptions): CompactingStore }[] = [
  { name: 'MemoryStore', open: (opts) => new MemoryStore(opts) },
  { name: 'SqliteStore', open: (opts) => SqliteStore.open(newDbFile(), opts) },
];

function isStoreError(code: string, check: (e: StoreError) => boolean = () => true) {
  return (e: unknown) => e instanceof StoreError && e.code === code && check(e);
}

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random creates, updates and deletes over a few keys under two prefixes; returns the state after each revision. */
async function churn(s: Store, writes: number, seed: number): Promise<Map<number, KeyValue[]>> {
  const next = random(seed);
  const keys = ['/r/a/1', '/r/a/2', '/r/a/3', '/r/a/4', '/r/b/1', '/r/b/2'];
  const states = new Map<number, KeyValue[]>();
  states.set(s.revision(), (await s.list('/r/')).items);
  while (states.size <= writes) {
    const key = keys[Math.floor(next() * keys.length)];
    const existing = await s.get(key);
    if (!existing) await s.create(key, `{"n":${s.revision()}}`);
    else if (next() < 0.7) await s.update(key, `{"n":${s.revision()}}`, existing.modRevision);
    else await s.delete(key, existing.modRevision);
    states.set(s.revision(), (await s.list('/r/')).items);
  }
  return states;
}

/** Collects events until stopped. */
function collect(s: Store, prefix: string, from: number): { events: StoreEvent[]; stop(): void } {
  const events: StoreEvent[] = [];
  const w = s.watch(prefix, from, (ev) => events.push(ev));
  return { events, stop: () => w.stop() };
}

for (const kind of kinds) {
  describe(kind.name, () => {
    test('create, get, update with compare-and-swap, delete', async () => {
      const s = kind.open();
      assert.equal(s.revision(), 0);
      assert.equal(await s.get('/r/a'), undefined);
      const a = await s.create('/r/a', '{"v":1}');
      assert.deepEqual(a, { key: '/r/a', value: '{"v":1}', createRevision: 1, modRevision: 1 });
      assert.deepEqual(await s.get('/r/a'), a);
      await assert.rejects(s.create('/r/a', '{"v":9}'), isStoreError('exists', (e) => e.current?.value === '{"v":1}'));

      const b = await s.update('/r/a', '{"v":2}', 1);
      assert.deepEqual(b, { key: '/r/a', value: '{"v":2}', createRevision: 1, modRevision: 2 });
      await assert.rejects(s.update('/r/a', '{"v":3}', 1), isStoreError('conflict', (e) => e.current?.modRevision === 2 && e.current.value === '{"v":2}'));
      await assert.rejects(s.update('/r/missing', '{}', 1), isStoreError('not-found'));
      await assert.rejects(s.delete('/r/a', 1), isStoreError('conflict', (e) => e.current?.modRevision === 2));
      await assert.rejects(s.delete('/r/missing'), isStoreError('not-found'));
      assert.equal(s.revision(), 2, 'failed writes use no revision');

      const gone = await s.delete('/r/a', 2);
      assert.deepEqual(gone, { key: '/r/a', value: '{"v":2}', createRevision: 1, modRevision: 3 });
      assert.equal(await s.get('/r/a'), undefined);
      const again = await s.create('/r/a', '{"v":4}');
      assert.equal(again.createRevision, 4);
      const unguarded = await s.delete('/r/a');
      assert.equal(unguarded.modRevision, 5);
      assert.equal(s.revision(), 5);
      await s.close();
    });

    test('list by prefix in byte order, with limit, startAfter and remaining; count', async () => {
      const s = kind.open();
      // Byte order differs from JavaScript's string order for astral characters vs U+E000..U+FFFF.
      const keys = ['/r/p/a', '/r/p/b', '/r/p/B', '/r/p/a-1', '/r/p/\ufffd', '/r/p/\u{1f600}', '/r/pq/x', '/r/p', '/r/o/z'];
      for (const k of keys) await s.create(k, JSON.stringify(k));
      const all = await s.list('/r/p/');
      assert.deepEqual(all.items.map((kv) => kv.key), ['/r/p/B', '/r/p/a', '/r/p/a-1', '/r/p/b', '/r/p/\ufffd', '/r/p/\u{1f600}']);
      assert.equal(all.revision, keys.length);
      assert.equal(all.remaining, 0);
      assert.equal(all.items[0].value, '"/r/p/B"');
      assert.equal(await s.count('/r/p/'), 6);
      assert.equal(await s.count('/r/'), keys.length);
      assert.equal(await s.count('/nothing/'), 0);
      assert.equal((await s.list('')).items.length, keys.length);

      const first = await s.list('/r/p/', { limit: 2 });
      assert.deepEqual(first.items.map((kv) => kv.key), ['/r/p/B', '/r/p/a']);
      assert.equal(first.remaining, 4);
      const second = await s.list('/r/p/', { limit: 2, startAfter: '/r/p/a' });
      assert.deepEqual(second.items.map((kv) => kv.key), ['/r/p/a-1', '/r/p/b']);
      assert.equal(second.remaining, 2);
      const last = await s.list('/r/p/', { limit: 2, startAfter: '/r/p/b' });
      assert.deepEqual(last.items.map((kv) => kv.key), ['/r/p/\ufffd', '/r/p/\u{1f600}']);
      assert.equal(last.remaining, 0);
      assert.deepEqual((await s.list('/r/p/', { startAfter: '/r/p/\u{1f600}' })).items, []);
      // A startAfter before the prefix does not widen the list.
      assert.equal((await s.list('/r/p/', { startAfter: '/r/a' })).items.length, 6);
      await s.close();
    });

    test('list at an older revision returns exactly the state then, page by page', async () => {
      const s = kind.open();
      const states = await churn(s, 120, 7);
      const head = s.revision();
      for (const [rev, expected] of states) {
        if (rev === 0) continue;
        const whole = await s.list('/r/', { revision: rev });
        assert.equal(whole.revision, rev === head ? head : rev);
        assert.deepEqual(whole.items, expected, `state at revision ${rev}`);
        // Paging through the same revision with continue-style startAfter.
        const paged: KeyValue[] = [];
        let startAfter: string | undefined;
        for (;;) {
          const page = await s.list('/r/', { revision: rev, limit: 2, startAfter });
          paged.push(...page.items);
          if (page.items.length > 0) assert.equal(page.remaining, expected.length - paged.length, `remaining at revision ${rev}`);
          if (page.remaining === 0) break;
          startAfter = page.items[page.items.length - 1].key;
        }
        assert.deepEqual(paged, expected);
        const underA = await s.list('/r/a/', { revision: rev });
        assert.deepEqual(underA.items, expected.filter((kv) => kv.key.startsWith('/r/a/')));
      }
      assert.equal((await s.list('/r/', { revision: head + 5 })).revision, head, 'a future revision reads the current state');
      await s.close();
    });

    test('watch replays history, then continues live, filtered by prefix', async () => {
      const s = kind.open();
      const x = await s.create('/r/a/x', '"x1"');
      await s.create('/r/b/y', '"y1"');
      const x2 = await s.update('/r/a/x', '"x2"', x.modRevision);
      const all = collect(s, '/r/', 0);
      const fromA = collect(s, '/r/a/', 1);
      assert.deepEqual(all.events.map((e) => e.kv.modRevision), [1, 2, 3]);
      assert.deepEqual(fromA.events.map((e) => e.kv.modRevision), [3]);
      assert.deepEqual(fromA.events[0], { type: 'put', kv: x2, prev: x, created: false });
      assert.deepEqual(all.events[0], { type: 'put', kv: x, created: true });

      await s.delete('/r/a/x');
      await s.create('/r/c/z', '"z"');
      assert.deepEqual(all.events.map((e) => e.kv.modRevision), [1, 2, 3, 4, 5]);
      assert.deepEqual(fromA.events.map((e) => e.kv.modRevision), [3, 4]);
      assert.deepEqual(fromA.events[1], {
        type: 'delete',
        kv: { key: '/r/a/x', value: '"x2"', createRevision: 1, modRevision: 4 },
        prev: x2,
        created: false,
      });
      // The same delete, read back from history instead of live.
      assert.deepEqual(collect(s, '/r/a/', 3).events, [fromA.events[1]]);

      fromA.stop();
      await s.create('/r/a/w', '"w"');
      assert.equal(fromA.events.length, 2, 'a stopped watcher gets nothing');
      assert.equal(all.events.length, 6);
      all.stop();
      const future = collect(s, '/r/', s.revision() + 2);
      await s.create('/r/a/v1', '""');
      await s.create('/r/a/v2', '""');
      await s.create('/r/a/v3', '""');
      assert.deepEqual(future.events.map((e) => e.kv.modRevision), [s.revision()], 'a future revision waits for it');
      await s.close();
    });

    test('watch has no gap or duplicate when writes run during replay and delivery', async () => {
      const s = kind.open();
      for (let i = 0; i < 50; i++) await s.create(`/r/k${i}`, String(i));
      const seen: number[] = [];
      let writesFromCallback = 0;
      // The callback writes while its own history is replayed, and later while events fan out.
      const w = s.watch('/r/', 10, (ev) => {
        seen.push(ev.kv.modRevision);
        if (ev.kv.key.startsWith('/r/k') && writesFromCallback < 20) {
          writesFromCallback++;
          void s.create(`/r/from-callback-${writesFromCallback}`, '""');
        }
      });
      const other: number[] = [];
      const w2 = s.watch('/r/', 0, (ev) => other.push(ev.kv.modRevision));
      // Concurrent writers, interleaved by the event loop.
      await Promise.all(
        Array.from({ length: 4 }, async (_, writer) => {
          for (let i = 0; i < 25; i++) {
            await s.create(`/r/w${writer}-${i}`, '""');
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        }),
      );
      const head = s.revision();
      assert.equal(head, 50 + 20 + 100);
      assert.deepEqual(seen, Array.from({ length: head - 10 }, (_, i) => i + 11));
      assert.deepEqual(other, Array.from({ length: head }, (_, i) => i + 1));
      w.stop();
      w2.stop();
      await s.close();
    });

    test('history is dropped only when both older than historyMillis and further than historyRevisions behind', async () => {
      let now = 1_000_000;
      const s = kind.open({ historyRevisions: 5, historyMillis: 1000, now: () => now });
      const states = await churn(s, 30, 11);
      const live = collect(s, '/r/', 0);
      const head = s.revision();
      assert.equal(s.compact(), 0, 'recent history is kept however many revisions');
      now += 1001;
      await s.create('/r/late', '""'); // written now: too recent to drop
      const compacted = s.compact();
      assert.equal(compacted, head - 5, 'revisions more than 5 behind and old enough are dropped');
      assert.equal(s.oldestWatchableRevision(), compacted);

      assert.throws(() => s.watch('/r/', compacted - 1, () => {}), isStoreError('compacted'));
      await assert.rejects(s.list('/r/', { revision: compacted - 1 }), isStoreError('compacted'));
      // What is kept still replays exactly as it was delivered live, prev values included.
      assert.deepEqual(collect(s, '/r/', compacted).events, live.events.filter((e) => e.kv.modRevision > compacted));
      for (let rev = compacted; rev <= head; rev++) {
        assert.deepEqual((await s.list('/r/', { revision: rev })).items, states.get(rev), `state at revision ${rev}`);
      }

      now += 10_000;
      assert.equal(s.compact(), s.revision() - 6, 'the revision bound still holds when everything is old');
      live.stop();
      await s.close();
    });

    test('the background timer compacts', async () => {
      let now = 0;
      const s = kind.open({ historyRevisions: 1, historyMillis: 10, now: () => now, compactIntervalMillis: 5 });
      for (let i = 0; i < 10; i++) await s.create(`/r/${i}`, '""');
      now = 1000;
      const deadline = Date.now() + 30_000;
      while (s.oldestWatchableRevision() === 0) {
        assert.ok(Date.now() < deadline, 'compaction did not run');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(s.oldestWatchableRevision(), 8);
      await s.close();
    });

    test('a closed store refuses every call', async () => {
      const s = kind.open();
      await s.create('/r/a', '""');
      await s.close();
      await assert.rejects(s.get('/r/a'), isStoreError('closed'));
      await assert.rejects(s.list('/r/'), isStoreError('closed'));
      await assert.rejects(s.count('/r/'), isStoreError('closed'));
      await assert.rejects(s.create('/r/b', '""'), isStoreError('closed'));
      await assert.rejects(s.update('/r/a', '""', 1), isStoreError('closed'));
      await assert.rejects(s.delete('/r/a'), isStoreError('closed'));
      assert.throws(() => s.watch('/r/', 0, () => {}), isStoreError('closed'));
      await s.close();
    });
  });
}

describe('SqliteStore on disk', () => {
  const countLogRows = (file: string): number => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM log').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  test('compaction deletes old log rows but keeps live values and what history needs', async () => {
    let now = 0;
    const file = newDbFile();
    const s = SqliteStore.open(file, { historyRevisions: 10, historyMillis: 1000, now: () => now });
    for (let i = 0; i < 100; i++) await s.create(`/r/k${i}`, `"v0"`);
    for (let round = 1; round <= 10; round++) {
      for (let i = 0; i < 100; i++) await s.update(`/r/k${i}`, `"v${round}"`, (await s.get(`/r/k${i}`))!.modRevision);
    }
    for (let i = 0; i < 50; i++) await s.delete(`/r/k${i}`);
    assert.equal(countLogRows(file), 1150);
    now = 5000;
    const compacted = s.compact();
    assert.equal(compacted, 1150 - 11);
    // Left: the 50 live keys' rows, and the 11 tombstones inside the window with the rows they deleted.
    assert.equal(countLogRows(file), 50 + 11 + 11);
    const live = await s.list('/r/');
    assert.equal(live.items.length, 50);
    assert.ok(live.items.every((kv) => kv.value === '"v10"'));
    const replay = collect(s, '/r/', compacted);
    assert.equal(replay.events.length, 11);
    assert.ok(replay.events.every((e) => e.type === 'delete' && e.kv.value === '"v10"'));
    assert.equal((await s.list('/r/', { revision: compacted })).items.length, 61);
    await s.close();
  });

  test('reopening keeps objects, the revision and watchable history', async () => {
    let now = 0;
    const file = newDbFile();
    let s = SqliteStore.open(file, { historyRevisions: 3, historyMillis: 1000, now: () => now });
    const states = await churn(s, 40, 3);
    const events = collect(s, '/r/', 0).events;
    now = 2000;
    await s.create('/r/z', '"z"');
    await s.delete('/r/z'); // the newest row is a tombstone
    const head = s.revision();
    const compacted = s.compact();
    assert.equal(compacted, head - 4);
    const before = await s.list('/r/');
    await s.close();

    s = SqliteStore.open(file, { historyRevisions: 3, historyMillis: 1000, now: () => now });
    assert.equal(s.revision(), head);
    assert.equal(s.oldestWatchableRevision(), compacted);
    assert.deepEqual(await s.list('/r/'), before);
    assert.deepEqual((await s.list('/r/', { revision: 40 })).items, states.get(40));
    const replayed = collect(s, '/r/', 38).events;
    assert.deepEqual(replayed, events.filter((e) => e.kv.modRevision > 38));
    assert.equal(replayed.length, head - 38);
    const next = await s.create('/r/after-reopen', '""');
    assert.equal(next.modRevision, head + 1);
    await s.close();
  });

  test('refuses a file that is not a store of this schema', () => {
    const file = newDbFile();
    const db = new Database(file);
    db.exec('CREATE TABLE log (id INTEGER PRIMARY KEY)');
    db.close();
    assert.throws(() => SqliteStore.open(file), /not a nanokube store/);
  });

  test('speed: single-key creates, a 10,000-item list, gets', async (t) => {
    const s = SqliteStore.open(newDbFile());
    const value = JSON.stringify({ metadata: { name: 'x' }, data: 'x'.repeat(1000) });
    const n = 10_000;
    const keyOf = (i: number) => `/registry/configmaps/default/cm-${String(i).padStart(5, '0')}`;
    let start = performance.now();
    for (let i = 0; i < n; i++) await s.create(keyOf(i), value);
    const createsPerSecond = Math.round(n / ((performance.now() - start) / 1000));
    start = performance.now();
    const listed = await s.list('/registry/configmaps/');
    const listMillis = performance.now() - start;
    start = performance.now();
    for (let i = 0; i < n; i++) await s.get(keyOf(i));
    const getMicros = ((performance.now() - start) * 1000) / n;
    assert.equal(listed.items.length, n);
    t.diagnostic(`sqlite: ${createsPerSecond} creates/s, list of ${n} ~1 KB values in ${listMillis.toFixed(1)} ms, get ${getMicros.toFixed(1)} µs`);
    await s.close();
  });
});
