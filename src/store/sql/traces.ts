// MLflow's traces on any SQL database behind SqlDriver: start, end, tags, request metadata, search and
// delete. Part of the tracking store; each write is one transaction.
import { randomUUID } from "node:crypto";
import type { Comparison, Filter } from "../../search/ast.js";
import {
  compileKeyedCount,
  compileTraceSearch,
  decodePageToken,
  encodePageToken,
  requiredKeyedEqualities,
} from "../../search/index.js";
import { notFound } from "../errors.js";
import {
  type DeleteTracesInput,
  type EndTraceInput,
  type SearchTracesInput,
  type StartTraceInput,
  TRACE_ARTIFACT_LOCATION_TAG,
  type TraceInfo,
  type TraceStatus,
  type TraceStore,
} from "../trace-types.js";
import type { KeyValue, Page } from "../types.js";
import { inList, listParam, type SqlDriver, type SqlExecutor } from "./driver.js";
import { activeExperimentRow, experimentIdNumber } from "./experiment-row.js";
import { groupBy } from "./group.js";
import { insertRows } from "./insert-rows.js";

interface TraceRow {
  request_id: string;
  experiment_id: number;
  timestamp_ms: number;
  execution_time_ms: number | null;
  status: TraceStatus;
}

export const traceNotFound = (requestId: string) =>
  notFound(`Trace with request_id '${requestId}' not found.`);

/** A tag or metadata equality matching fewer rows than this drives the search (see compile-traces). */
const SELECTIVE_BOUND = 2000;

/** The last value of a repeated key wins, as when MLflow builds its dict. */
const lastByKey = (items: readonly KeyValue[]): [string, string][] => [
  ...new Map(items.map((i) => [i.key, i.value])),
];

export class SqlTraces implements TraceStore {
  constructor(
    private readonly db: SqlDriver,
    private readonly joinUri: (root: string, ...parts: string[]) => string,
  ) {}

  private get dialect() {
    return this.db.dialect;
  }

  private async row(q: SqlExecutor, requestId: string): Promise<TraceRow> {
    const row = await q.get<TraceRow>("SELECT * FROM trace_info WHERE request_id = ?", [requestId]);
    if (!row) throw traceNotFound(requestId);
    return row;
  }

  async startTrace(input: StartTraceInput): Promise<TraceInfo> {
    // MLflow's request ids: 32 hex digits.
    const requestId = randomUUID().replaceAll("-", "");
    await this.db.transaction(async (tx) => {
      const experiment = await activeExperimentRow(tx, input.experimentId);
      await tx.run(
        "INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status) VALUES (?, ?, ?, NULL, 'IN_PROGRESS')",
        [requestId, experiment.experiment_id, input.timestampMs],
      );
      // The server says where the spans go, whatever the client sent under that key.
      const location = this.joinUri(experiment.artifact_location, "traces", requestId, "artifacts");
      await this.write(tx, "trace_tags", requestId, [
        ...input.tags.filter((t) => t.key !== TRACE_ARTIFACT_LOCATION_TAG),
        { key: TRACE_ARTIFACT_LOCATION_TAG, value: location },
      ]);
      await this.write(tx, "trace_request_metadata", requestId, input.requestMetadata);
    });
    return this.getTraceInfo(requestId);
  }

  async endTrace(requestId: string, input: EndTraceInput): Promise<TraceInfo> {
    await this.db.transaction(async (tx) => {
      const row = await this.row(tx, requestId);
      await tx.run("UPDATE trace_info SET execution_time_ms = ?, status = ? WHERE request_id = ?", [
        input.timestampMs - Number(row.timestamp_ms),
        input.status,
        requestId,
      ]);
      await this.write(tx, "trace_tags", requestId, input.tags);
      await this.write(tx, "trace_request_metadata", requestId, input.requestMetadata);
    });
    return this.getTraceInfo(requestId);
  }

  async getTraceInfo(requestId: string): Promise<TraceInfo> {
    const row = await this.row(this.db, requestId);
    return (await this.load([row]))[0] as TraceInfo;
  }

  async getTraceExperimentId(requestId: string): Promise<string> {
    return String((await this.row(this.db, requestId)).experiment_id);
  }

  async searchTraces(input: SearchTracesInput): Promise<Page<TraceInfo>> {
    const offset = decodePageToken(input.pageToken);
    const experimentIds = input.experimentIds
      .map(experimentIdNumber)
      .filter((id): id is number => id !== null);
    if (experimentIds.length === 0) return { items: [] };
    const query = compileTraceSearch({
      experimentIds,
      filter: input.filter,
      selective: await this.selective(input.filter),
      orderBy: input.orderBy,
      limit: input.maxResults + 1,
      offset,
      dialect: this.dialect,
    });
    const rows = await this.db.all<TraceRow>(query.sql, query.params);
    const more = rows.length > input.maxResults;
    const items = await this.load(rows.slice(0, input.maxResults));
    return { items, nextPageToken: more ? encodePageToken(offset + input.maxResults) : undefined };
  }

  /** The required tag / metadata equalities that match few rows (one bounded index count each). */
  private async selective(filter: Filter | null): Promise<Set<Comparison>> {
    const out = new Set<Comparison>();
    for (const c of requiredKeyedEqualities(filter)) {
      const count = compileKeyedCount(c, SELECTIVE_BOUND + 1, this.dialect);
      const row = await this.db.get<{ n: number | string }>(count.sql, count.params);
      if (Number(row?.n ?? 0) <= SELECTIVE_BOUND) out.add(c);
    }
    return out;
  }

  async deleteTraces(input: DeleteTracesInput): Promise<{ deleted: number; artifactLocations: string[] }> {
    const expId = experimentIdNumber(input.experimentId);
    if (expId === null) return { deleted: 0, artifactLocations: [] };
    return this.db.transaction(async (tx) => {
      let ids: string[];
      if ("requestIds" in input) {
        if (input.requestIds.length === 0) return { deleted: 0, artifactLocations: [] };
        ids = (
          await tx.all<{ request_id: string }>(
            `SELECT request_id FROM trace_info WHERE experiment_id = ? AND ${inList(this.dialect, "request_id", "text")}`,
            [expId, listParam(this.dialect, input.requestIds)],
          )
        ).map((r) => r.request_id);
      } else {
        // The oldest first, as MLflow.
        const limit = input.maxTraces === undefined ? "" : " LIMIT ?";
        ids = (
          await tx.all<{ request_id: string }>(
            `SELECT request_id FROM trace_info WHERE experiment_id = ? AND timestamp_ms <= ? ORDER BY timestamp_ms, request_id${limit}`,
            input.maxTraces === undefined
              ? [expId, input.maxTimestampMillis]
              : [expId, input.maxTimestampMillis, input.maxTraces],
          )
        ).map((r) => r.request_id);
      }
      if (ids.length === 0) return { deleted: 0, artifactLocations: [] };
      const list = listParam(this.dialect, ids);
      const where = inList(this.dialect, "request_id", "text");
      const locations = await tx.all<{ value: string }>(
        `SELECT value FROM trace_tags WHERE key = ? AND ${where}`,
        [TRACE_ARTIFACT_LOCATION_TAG, list],
      );
      for (const table of ["trace_tags", "trace_request_metadata", "trace_info"])
        await tx.run(`DELETE FROM ${table} WHERE ${where}`, [list]);
      return { deleted: ids.length, artifactLocations: locations.map((l) => l.value) };
    });
  }

  async setTraceTag(requestId: string, tag: KeyValue): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.row(tx, requestId);
      await this.write(tx, "trace_tags", requestId, [tag]);
    });
  }

  async deleteTraceTag(requestId: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.row(tx, requestId);
      const { changes } = await tx.run("DELETE FROM trace_tags WHERE request_id = ? AND key = ?", [
        requestId,
        key,
      ]);
      if (changes === 0) {
        throw notFound(`No trace tag with key '${key}' for trace with request_id '${requestId}'`);
      }
    });
  }

  /** The experiment's traces and where their data is, for a purge (inside its transaction). */
  async ofExperiment(
    tx: SqlExecutor,
    experimentId: number,
  ): Promise<{ requestId: string; artifactLocation: string }[]> {
    const rows = await tx.all<{ request_id: string; value: string | null }>(
      `SELECT t.request_id, g.value FROM trace_info t
       LEFT JOIN trace_tags g ON g.request_id = t.request_id AND g.key = ?
       WHERE t.experiment_id = ? ORDER BY t.request_id`,
      [TRACE_ARTIFACT_LOCATION_TAG, experimentId],
    );
    return rows.flatMap((r) => (r.value ? [{ requestId: r.request_id, artifactLocation: r.value }] : []));
  }

  /** Removes the experiment's traces (inside the purge's transaction). */
  async purgeExperiment(tx: SqlExecutor, experimentId: number): Promise<void> {
    const ofExperiment = "request_id IN (SELECT request_id FROM trace_info WHERE experiment_id = ?)";
    for (const table of ["trace_tags", "trace_request_metadata"])
      await tx.run(`DELETE FROM ${table} WHERE ${ofExperiment}`, [experimentId]);
    await tx.run("DELETE FROM trace_info WHERE experiment_id = ?", [experimentId]);
  }

  private async write(
    tx: SqlExecutor,
    table: "trace_tags" | "trace_request_metadata",
    requestId: string,
    items: readonly KeyValue[],
  ): Promise<void> {
    const last = lastByKey(items);
    if (last.length === 0) return;
    await insertRows(
      tx,
      `INSERT INTO ${table} (request_id, key, value) VALUES`,
      last.map(([key, value]) => [requestId, key, value]),
      "ON CONFLICT (request_id, key) DO UPDATE SET value = excluded.value",
    );
  }

  /** Tags and request metadata of many traces in one query. */
  private async load(rows: readonly TraceRow[]): Promise<TraceInfo[]> {
    if (rows.length === 0) return [];
    const ids = listParam(
      this.dialect,
      rows.map((r) => r.request_id),
    );
    const where = inList(this.dialect, "request_id", "text");
    const pairs = await this.db.all<KeyValue & { request_id: string; kind: "t" | "m" }>(
      `SELECT 't' AS kind, request_id, key, value FROM trace_tags WHERE ${where}
       UNION ALL SELECT 'm' AS kind, request_id, key, value FROM trace_request_metadata WHERE ${where}
       ORDER BY request_id, key`,
      [ids, ids],
    );
    const tagsBy = groupBy(
      pairs.filter((p) => p.kind === "t"),
      (t) => t.request_id,
    );
    const metadataBy = groupBy(
      pairs.filter((p) => p.kind === "m"),
      (m) => m.request_id,
    );
    const kv = ({ key, value }: KeyValue): KeyValue => ({ key, value });
    return rows.map((r) => ({
      requestId: r.request_id,
      experimentId: String(r.experiment_id),
      timestampMs: Number(r.timestamp_ms),
      executionTimeMs: r.execution_time_ms === null ? null : Number(r.execution_time_ms),
      status: r.status,
      requestMetadata: (metadataBy.get(r.request_id) ?? []).map(kv),
      tags: (tagsBy.get(r.request_id) ?? []).map(kv),
    }));
  }
}
