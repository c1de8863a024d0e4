import type { SqlExecutor, SqlParam } from "./driver.js";

/** Rows per statement: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const ROWS_PER_STATEMENT = 500;

/**
 * Inserts many rows with multi-row VALUES statements: one round trip per 500 rows instead of one per
 * row, which is what keeps PostgreSQL fast for log-batch. Answers the number of rows written.
 */
export async function insertRows(
  tx: SqlExecutor,
  insertInto: string,
  rows: readonly (readonly SqlParam[])[],
  suffix = "",
): Promise<number> {
  let changes = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const width = chunk[0]?.length ?? 0;
    const tuple = `(${Array.from({ length: width }, () => "?").join(", ")})`;
    changes += (await tx.run(`${insertInto} ${chunk.map(() => tuple).join(", ")} ${suffix}`, chunk.flat()))
      .changes;
  }
  return changes;
}
