// The on-disk layout of the SQLite store: one append-only log (kine's layout) plus a tiny meta
// table. A row's id is the revision of the write that produced it; AUTOINCREMENT keeps ids from
// ever being reused, so revisions never move backwards, even after compaction deletes the newest
// rows or the process restarts.

import type Database from 'better-sqlite3';

export type Synchronous = 'FULL' | 'NORMAL' | 'OFF';

const DDL = [
  `CREATE TABLE IF NOT EXISTS kine (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     created INTEGER NOT NULL,
     deleted INTEGER NOT NULL,
     create_revision INTEGER NOT NULL,
     prev_revision INTEGER NOT NULL,
     value BLOB
   )`,
  // Latest row per name: get, list snapshots and "MAX(id) GROUP BY name" all walk this index.
  `CREATE INDEX IF NOT EXISTS kine_name_id_index ON kine (name, id)`,
  // Two writers racing on the same predecessor cannot both win (kine's guard against forks).
  `CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision_uindex ON kine (name, prev_revision)`,
  `CREATE TABLE IF NOT EXISTS kine_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
];

export function applySchema(db: Database.Database, synchronous: Synchronous): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 30000');
  // Writes are serialised in-process; no other connection should share the file.
  db.pragma('foreign_keys = OFF');
  for (const stmt of DDL) db.exec(stmt);
}
