// Migrates a PostgreSQL database forward. A transaction-scoped advisory lock makes servers that start
// together on an empty database take turns; each step commits with its version number.
import type { PostgresDriver } from "../sql/postgres-driver.js";
import { PG_MIGRATIONS } from "./migrations.js";

const LOCK_KEY = 7_411_042; // arbitrary, constant: "labtrack schema"

export async function migratePostgres(driver: PostgresDriver): Promise<void> {
  await driver.transaction(async (tx) => {
    await tx.run("SELECT pg_advisory_xact_lock(?)", [LOCK_KEY]);
    await tx.run("CREATE TABLE IF NOT EXISTS labtrack_schema (version INTEGER NOT NULL)");
    const row = await tx.get<{ version: number }>("SELECT version FROM labtrack_schema");
    let version = row?.version ?? 0;
    if (!row) await tx.run("INSERT INTO labtrack_schema (version) VALUES (0)");
    if (version > PG_MIGRATIONS.length) {
      throw new Error(
        `the database schema is version ${version}, newer than this Labtrack (${PG_MIGRATIONS.length}); upgrade Labtrack`,
      );
    }
    for (; version < PG_MIGRATIONS.length; version++) {
      await tx.run(PG_MIGRATIONS[version] as string);
      await tx.run("UPDATE labtrack_schema SET version = ?", [version + 1]);
    }
  });
}
