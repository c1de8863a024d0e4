/** How many queued values of each kind a failure concerns. */
export interface DataCounts {
  metrics: number;
  params: number;
  tags: number;
}

const describe = (c: DataCounts) => `${c.metrics} metric(s), ${c.params} param(s), ${c.tags} tag(s)`;

/**
 * The server could not take the queued data (unreachable, 5xx or 429 after every retry, or refused
 * credentials). Nothing was dropped: the data is still queued and the next `flush()` sends it.
 */
export class UnsentDataError extends Error {
  readonly unsent: DataCounts;

  constructor(unsent: DataCounts, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${describe(unsent)} not sent yet (kept in the queue; flush() again to retry): ${reason}`, {
      cause,
    });
    this.name = "UnsentDataError";
    this.unsent = unsent;
  }
}

/** One refusal of the server (a 4xx that retrying cannot fix) and what it concerned. */
export interface Rejection {
  runId: string;
  counts: DataCounts;
  error: Error;
}

/**
 * The server refused some of the logged data as invalid (e.g. a param logged again with another value,
 * or a deleted run). Only the refused values were set aside; everything else was sent.
 */
export class RejectedDataError extends Error {
  readonly rejected: DataCounts;
  readonly rejections: readonly Rejection[];

  constructor(rejections: readonly Rejection[]) {
    const rejected = { metrics: 0, params: 0, tags: 0 };
    for (const r of rejections) {
      rejected.metrics += r.counts.metrics;
      rejected.params += r.counts.params;
      rejected.tags += r.counts.tags;
    }
    const first = rejections[0]?.error.message ?? "";
    super(`the server refused ${describe(rejected)}: ${first}`);
    this.name = "RejectedDataError";
    this.rejected = rejected;
    this.rejections = rejections;
  }
}

/** A fluent call that needs a run while none is active. */
export class NoActiveRunError extends Error {
  constructor(what: string) {
    super(`${what}: no active run; call startRun() first (or pass a runId)`);
    this.name = "NoActiveRunError";
  }
}
