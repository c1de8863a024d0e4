// Opens the stores behind a `--backend-store-uri`: SQLite (a file) or PostgreSQL (a pool), each
// migrated forward, both served by the same SQL store implementation.

import { migratePostgres } from "./postgres/migrate.js";
import type { RegistryStore } from "./registry-types.js";
import type { SqlDriver } from "./sql/driver.js";
import { PostgresDriver } from "./sql/postgres-driver.js";
import { SqlRegistryStore } from "./sql/registry-store.js";
import { SqliteDriver } from "./sql/sqlite-driver.js";
import { SqlTrackingStore } from "./sql/tracking-store.js";
import { openDatabase } from "./sqlite/connection.js";
import type { TrackingStore } from "./types.js";

const MAINTENANCE_INTERVAL_MS = 5_000;

export type StoreLocation = { kind: "sqlite"; file: string } | { kind: "postgres"; uri: string };

export interface Stores {
  tracking: TrackingStore;
  registry: RegistryStore;
  driver: SqlDriver;
  close(): Promise<void>;
}

export async function openStores(location: StoreLocation, defaultArtifactRoot: string): Promise<Stores> {
  let driver: SqlDriver;
  if (location.kind === "sqlite") {
    driver = new SqliteDriver(openDatabase(location.file));
  } else {
    const pg = new PostgresDriver(location.uri);
    try {
      await migratePostgres(pg);
    } catch (e) {
      await pg.close();
      throw e;
    }
    driver = pg;
  }
  const tracking = await new SqlTrackingStore(driver, defaultArtifactRoot).init();
  await driver.maintain();
  // Statistics follow the data while the server runs; a failed round (database down) is retried later.
  const timer = setInterval(() => driver.maintain().catch(() => undefined), MAINTENANCE_INTERVAL_MS);
  timer.unref();
  return {
    tracking,
    registry: new SqlRegistryStore(driver, tracking.loggedModels),
    driver,
    close: async () => {
      clearInterval(timer);
      await driver.close();
    },
  };
}
