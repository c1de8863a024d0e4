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
  db.pragma("cache_size = -65536");
  db.pragma("temp_store = MEMORY");
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
