// The schema version of a database and upgrading it (`labtrack db version` / `db upgrade`), with the
// same migration runners the server applies on start. Reading the version never changes the database.
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import type { StoreLocation } from "./open.js";
import { migratePostgres } from "./postgres/migrate.js";
import { PG_MIGRATIONS } from "./postgres/migrations.js";
import { PostgresDriver } from "./sql/postgres-driver.js";
import { openDatabase } from "./sqlite/connection.js";
import { MIGRATIONS } from "./sqlite/migrations.js";

/** The newest schema version this Labtrack knows for a kind of database. */
export const latestSchemaVersion = (kind: StoreLocation["kind"]): number =>
  kind === "sqlite" ? MIGRATIONS.length : PG_MIGRATIONS.length;

/** How many migrations the database has; 0 for a SQLite file that does not exist yet or an empty database. */
export async function schemaVersion(location: StoreLocation): Promise<number> {
  if (location.kind === "sqlite") {
    if (location.file === ":memory:" || !existsSync(location.file)) return 0;
    const db = new Database(location.file, { readonly: true, fileMustExist: true });
    try {
      return db.pragma("user_version", { simple: true }) as number;
    } finally {
      db.close();
    }
  }
  const driver = new PostgresDriver(location.uri, { maxConnections: 1 });
  try {
    const table = await driver.get<{ name: string | null }>(
      "SELECT to_regclass('labtrack_schema')::text AS name",
    );
    if (!table?.name) return 0;
    return (await driver.get<{ version: number }>("SELECT version FROM labtrack_schema"))?.version ?? 0;
  } finally {
    await driver.close();
  }
}

/** Applies the missing migrations (each in its own transaction); returns the versions before and after. */
export async function upgradeSchema(location: StoreLocation): Promise<{ from: number; to: number }> {
  const from = await schemaVersion(location);
  if (location.kind === "sqlite") {
    openDatabase(location.file).close();
  } else {
    const driver = new PostgresDriver(location.uri, { maxConnections: 1 });
    try {
      await migratePostgres(driver);
    } finally {
      await driver.close();
    }
  }
  return { from, to: await schemaVersion(location) };
}

/**
 * A consistent copy of a SQLite database into `target`, taken while servers keep writing to it
 * (SQLite's online backup API, page by page).
 */
export async function backupSqlite(file: string, target: string): Promise<void> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target);
  } finally {
    db.close();
  }
}
