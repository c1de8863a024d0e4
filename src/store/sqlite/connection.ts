// Opening a SQLite database the way the tracking store needs it: WAL, a busy timeout, foreign keys,
// case-sensitive LIKE (as MLflow sets it), and the schema migrated forward.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { registerSqliteFunctions } from "../../search/index.js";
import { MIGRATIONS } from "./migrations.js";

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode keeps every committed transaction across a process crash (kill -9); only an OS
  // crash or power loss can lose the last commits.
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 10000");
  db.pragma("foreign_keys = ON");
  db.pragma("case_sensitive_like = ON");
  // 32 MB of page cache: searches over 100,000 runs are as fast as with 64 MB (the OS caches the file
  // too) and the server's peak RSS is ~35 MB lower (issue 3: under 200 MB at that scale).
  db.pragma("cache_size = -32768");
  db.pragma("temp_store = MEMORY");
  // A log-batch of many params or tags dirties a page per key in the (key, value) indexes, so the WAL
  // grows ~1 MB per such request. Checkpointing every 1,000 pages (the default) then runs every few
  // requests, on the request path, rewriting the same hot index pages each time; every 10,000 pages
  // (~40 MB of WAL) writes them back far less often. Durability is the same (commits are in the WAL);
  // the file is truncated back to 64 MB after a checkpoint if it grew beyond.
  db.pragma("wal_autocheckpoint = 10000");
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  registerSqliteFunctions(db);
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  // IMMEDIATE takes the write lock first, so two processes starting together migrate one after the other.
  const step = db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version >= MIGRATIONS.length) return false;
    db.exec(MIGRATIONS[version] as string);
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (step.immediate()) {
    /* apply the next step */
  }
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(
      `the database schema is version ${version}, newer than this Labtrack (${MIGRATIONS.length}); upgrade Labtrack`,
    );
  }
}
