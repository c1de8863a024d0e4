// Keeps the query planner's statistics in step with the writes of the tracking store's parts.
import type { SqlDriver } from "../driver.js";

/** Rows written after which the planner's statistics are refreshed (see SqlDriver.maintain). */
const ROWS_BEFORE_MAINTENANCE = 2000;

export class PlannerStatistics {
  private rowsSinceMaintenance = 0;
  private maintaining = false;

  constructor(private readonly db: SqlDriver) {}

  /**
   * A burst of new runs (a sweep) followed by a search must not meet a planner that still believes
   * the tables are empty: after enough writes, statistics are refreshed in the background.
   */
  wrote(rows: number): void {
    this.rowsSinceMaintenance += rows;
    if (this.rowsSinceMaintenance < ROWS_BEFORE_MAINTENANCE || this.maintaining) return;
    this.rowsSinceMaintenance = 0;
    this.maintaining = true;
    this.db
      .maintain()
      .catch(() => undefined)
      .finally(() => {
        this.maintaining = false;
      });
  }
}
