// Metric histories: one run's, several runs' whole, and several runs' sampled over a step interval.
import { decodePageToken, encodePageToken } from "../../../search/index.js";
import { bulkIntervalSteps } from "../../metric-sampling.js";
import { LIMITS } from "../../rules.js";
import type {
  BulkHistoryInput,
  BulkIntervalInput,
  HistoryInput,
  Metric,
  MetricWithRunId,
  Page,
} from "../../types.js";
import { inList, listParam, type SqlDriver } from "../driver.js";
import { POINT_COLUMNS, type PointValues, pointOf } from "./rows.js";

export class SqlHistories {
  constructor(private readonly db: SqlDriver) {}

  private get dialect() {
    return this.db.dialect;
  }

  async getMetricHistory(input: HistoryInput): Promise<Page<Metric>> {
    const offset = decodePageToken(input.pageToken);
    const limit = input.maxResults;
    const rows = await this.db.values<PointValues>(
      `SELECT ${POINT_COLUMNS} FROM metrics WHERE run_uuid = ? AND key = ? ORDER BY step, timestamp, value LIMIT ? OFFSET ?`,
      [input.runId, input.key, limit === undefined ? Number.MAX_SAFE_INTEGER : limit + 1, offset],
    );
    const more = limit !== undefined && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      items: page.map((r) => pointOf(input.key, r)),
      nextPageToken: more ? encodePageToken(offset + (limit as number)) : undefined,
    };
  }

  async getMetricHistoryBulkInterval(input: BulkIntervalInput): Promise<MetricWithRunId[]> {
    const ids = listParam(this.dialect, input.runIds);
    const inRuns = inList(this.dialect, "run_uuid", "text");
    // Per run, MIN and MAX are two seeks on the (run_uuid, key, step) index, not a scan.
    const ranges: { run_uuid: string; min_step: number; max_step: number }[] = [];
    for (const runId of input.runIds) {
      const r = await this.db.get<{ min_step: number | null; max_step: number | null }>(
        `SELECT (SELECT MIN(step) FROM metrics WHERE run_uuid = ? AND key = ?) AS min_step,
                (SELECT MAX(step) FROM metrics WHERE run_uuid = ? AND key = ?) AS max_step`,
        [runId, input.key, runId, input.key],
      );
      if (r && r.min_step !== null && r.max_step !== null)
        ranges.push({ run_uuid: runId, min_step: Number(r.min_step), max_step: Number(r.max_step) });
    }
    if (ranges.length === 0) return [];
    const start = input.startStep ?? 0;
    const end = input.endStep ?? Math.max(...ranges.map((r) => r.max_step));
    const distinct =
      (await this.denseSteps(ranges, input.key, start, end)) ??
      (
        await this.db.all<{ step: number }>(
          `SELECT DISTINCT step FROM metrics WHERE ${inRuns} AND key = ? AND step BETWEEN ? AND ? ORDER BY step`,
          [ids, input.key, start, end],
        )
      ).map((r) => Number(r.step));
    const steps = listParam(this.dialect, bulkIntervalSteps(distinct, ranges, start, end, input.maxResults));
    const out: MetricWithRunId[] = [];
    for (const runId of input.runIds) {
      const rows = await this.db.values<PointValues>(
        `SELECT ${POINT_COLUMNS} FROM metrics
         WHERE run_uuid = ? AND key = ? AND ${inList(this.dialect, "step", "bigint")}
         ORDER BY step, timestamp, value LIMIT ?`,
        [runId, input.key, steps, LIMITS.bulkIntervalPointsPerRun],
      );
      for (const r of rows) out.push({ ...pointOf(input.key, r), runId });
    }
    return out;
  }

  async getMetricHistoryBulk(input: BulkHistoryInput): Promise<MetricWithRunId[]> {
    const runOrder = this.dialect === "postgres" ? 'run_uuid COLLATE "C"' : "run_uuid";
    const rows = await this.db.values<readonly [...PointValues, runUuid: string]>(
      `SELECT ${POINT_COLUMNS}, run_uuid FROM metrics WHERE ${inList(this.dialect, "run_uuid", "text")} AND key = ?
       ORDER BY ${runOrder}, timestamp, step, value LIMIT ?`,
      [listParam(this.dialect, input.runIds), input.key, input.maxResults],
    );
    return rows.map((r) => ({ ...pointOf(input.key, r), runId: r[7] }));
  }

  /**
   * The distinct steps of these runs in [start, end] when every run logged every step of its range
   * there (the usual training loop): then they are the union of the ranges, known without reading
   * the points. Null when some run has gaps, and the caller reads them.
   */
  private async denseSteps(
    ranges: readonly { run_uuid: string; min_step: number; max_step: number }[],
    key: string,
    start: number,
    end: number,
  ): Promise<number[] | null> {
    const spans: [number, number][] = [];
    for (const r of ranges) {
      const from = Math.max(start, r.min_step);
      const to = Math.min(end, r.max_step);
      if (from > to) continue;
      const c = await this.db.get<{ n: number }>(
        "SELECT COUNT(DISTINCT step) AS n FROM metrics WHERE run_uuid = ? AND key = ? AND step BETWEEN ? AND ?",
        [r.run_uuid, key, from, to],
      );
      if (!c || Number(c.n) !== to - from + 1) return null;
      spans.push([from, to]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    const steps: number[] = [];
    let next = Number.NEGATIVE_INFINITY;
    for (const [from, to] of spans) {
      for (let s = Math.max(from, next); s <= to; s++) steps.push(s);
      next = Math.max(next, to + 1);
    }
    // Ranges are not bounded by anything but the data: keep the fallback for huge sparse-looking spans.
    return steps.length <= 5_000_000 ? steps : null;
  }
}
