// runs/search as an async iterator (runs, or pages of runs) and as flat rows, following page tokens.
import { followPages } from "../paging.js";
import type { RestClient } from "../rest.js";
import type { RunStatus, ViewType } from "../wire.js";
import { type Run, toRun } from "./run.js";

export interface SearchRunsOptions {
  /** Experiments to search; names are resolved (unknown names are skipped). Default: the current one. */
  experimentIds?: readonly string[] | undefined;
  experimentNames?: readonly string[] | undefined;
  /** MLflow's filter string, e.g. `metrics.loss < 0.1 and params.lr = '0.01'`. */
  filter?: string | undefined;
  orderBy?: readonly string[] | undefined;
  /** The most runs to return in all; default no limit. */
  maxResults?: number | undefined;
  /** Runs per request. Default 1000 (the server's maximum is 50,000). */
  pageSize?: number | undefined;
  viewType?: ViewType | undefined;
}

/** One run as a flat row, with MLflow's search_runs column names. */
export interface RunRow {
  run_id: string;
  run_name: string | undefined;
  experiment_id: string;
  status: RunStatus;
  user_id: string | undefined;
  start_time: number | undefined;
  end_time: number | undefined;
  artifact_uri: string | undefined;
  [column: `params.${string}`]: string | undefined;
  [column: `metrics.${string}`]: number | undefined;
  [column: `tags.${string}`]: string | undefined;
}

export function toRow(run: Run): RunRow {
  const i = run.info;
  const row: RunRow = {
    run_id: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    status: i.status,
    user_id: i.userId,
    start_time: i.startTime,
    end_time: i.endTime,
    artifact_uri: i.artifactUri,
  };
  for (const [k, v] of Object.entries(run.data.params)) row[`params.${k}`] = v;
  for (const [k, v] of Object.entries(run.data.metrics)) row[`metrics.${k}`] = v;
  for (const [k, v] of Object.entries(run.data.tags)) row[`tags.${k}`] = v;
  return row;
}

/** A lazily run search: `for await (const run of search)`, or `search.pages()`, or `search.toArray()`. */
export class RunSearch implements AsyncIterable<Run> {
  constructor(
    private readonly client: RestClient,
    private readonly experimentIds: () => Promise<string[]>,
    private readonly options: SearchRunsOptions,
  ) {}

  async *pages(): AsyncGenerator<Run[], void, undefined> {
    const ids = await this.experimentIds();
    if (ids.length === 0) return;
    const pageSize = this.options.pageSize ?? 1000;
    const pages = followPages(async (pageToken, wanted) => {
      const page = await this.client.searchRuns(ids, {
        filter: this.options.filter,
        orderBy: this.options.orderBy,
        maxResults: Math.min(pageSize, wanted),
        pageToken,
        viewType: this.options.viewType,
      });
      return { items: page.runs, nextPageToken: page.nextPageToken };
    }, this.options.maxResults);
    for await (const runs of pages) yield runs.map(toRun);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Run, void, undefined> {
    for await (const page of this.pages()) yield* page;
  }

  async toArray(): Promise<Run[]> {
    const all: Run[] = [];
    for await (const page of this.pages()) all.push(...page);
    return all;
  }

  async rows(): Promise<RunRow[]> {
    return (await this.toArray()).map(toRow);
  }
}
