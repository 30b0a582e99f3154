// Every SQL statement the SQLite store runs, prepared once per connection. Row-returning
// statements run in raw (array) mode: list paths build one KeyValue per row and nothing else.

import type Database from 'better-sqlite3';

/** Column order of raw log rows: see LOG_COLUMNS. */
export const enum Col {
  Id = 0,
  Name = 1,
  Created = 2,
  Deleted = 3,
  CreateRevision = 4,
  PrevRevision = 5,
  Value = 6,
}
export type LogRow = [number, string, number, number, number, number, Buffer];

const LOG_COLUMNS = 'id, name, created, deleted, create_revision, prev_revision, value';

/** A log row joined with the value of its predecessor (watch replay needs prevKv). */
export const enum EvCol {
  PrevId = 7,
  PrevCreateRevision = 8,
  PrevCreated = 9,
  PrevValue = 10,
}
export type EventRow = [...LogRow, number | null, number | null, number | null, Buffer | null];

export function prepareStatements(db: Database.Database) {
  const raw = (sql: string) => db.prepare(sql).raw(true);
  return {
    latest: raw(`SELECT ${LOG_COLUMNS} FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1`),
    byId: raw(`SELECT ${LOG_COLUMNS} FROM kine WHERE id = ?`),
    insert: db.prepare(
      'INSERT INTO kine (name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // Snapshot at @rev: for each name in [@lo, @hi) its newest row at or below @rev, unless that
    // row is a tombstone. Walks (name, id) in key order so LIMIT stops the scan early.
    list: raw(
      `SELECT ${LOG_COLUMNS} FROM kine k
       WHERE name >= @lo AND name < @hi AND id <= @rev AND deleted = 0
         AND id = (SELECT MAX(id) FROM kine WHERE name = k.name AND id <= @rev)
       ORDER BY name LIMIT @limit`,
    ),
    count: db
      .prepare(
        `SELECT COUNT(*) FROM kine k
         WHERE name >= @lo AND name < @hi AND deleted = 0
           AND id = (SELECT MAX(id) FROM kine WHERE name = k.name)`,
      )
      .pluck(),
    // Watch replay: rows after @after in revision order, with their predecessor when it exists.
    history: raw(
      `SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.prev_revision, k.value,
              p.id, p.create_revision, p.created, p.value
       FROM kine k LEFT JOIN kine p ON p.id = k.prev_revision
       WHERE k.id > @after AND k.id <= @upto AND k.name >= @lo AND k.name < @hi
       ORDER BY k.id LIMIT @limit`,
    ),
    // Rows superseded by a newer row whose revision is in (@from, @to].
    compactSuperseded: db.prepare(
      `DELETE FROM kine WHERE id IN (
         SELECT prev_revision FROM kine WHERE id > @from AND id <= @to AND prev_revision != 0)`,
    ),
    compactTombstones: db.prepare('DELETE FROM kine WHERE id > @from AND id <= @to AND deleted = 1'),
    sequence: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'kine'`).pluck(),
    maxId: db.prepare('SELECT MAX(id) FROM kine').pluck(),
    metaGet: db.prepare('SELECT value FROM kine_meta WHERE key = ?').pluck(),
    metaSet: db.prepare(
      'INSERT INTO kine_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
