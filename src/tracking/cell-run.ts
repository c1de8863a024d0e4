// One tracked execution as a run on the tracking server: created with the tags that tie it to its
// notebook and cell, kept alive by a heartbeat while the code runs, ended with its outcome. Only the
// REST client: it works against Labtrack's server and a real MLflow server alike.
import { followPages } from "../client/paging.js";
import { RestClient } from "../client/rest.js";
import type { RunStatus, WireRun, WireTag } from "../client/wire.js";

export const TAGS = {
  heartbeat: "labtrack.heartbeat",
  notebook: "labtrack.notebook.path",
  cellId: "labtrack.cell.id",
  executionCount: "labtrack.cell.execution_count",
  kernel: "labtrack.kernel.name",
  duration: "labtrack.cell.duration_ms",
  previousRun: "labtrack.previous_run_id",
  errorName: "labtrack.error.name",
  errorMessage: "labtrack.error.message",
  killedReason: "labtrack.killed_reason",
  /** The name the user gave `%%track NAME`; the run's name adds ` #N` from the second run on. */
  runBaseName: "labtrack.run_base_name",
  /** N: this is the Nth run named runBaseName from this notebook in this experiment. */
  runNumber: "labtrack.run_number",
} as const;

/**
 * `Name: message` from the error tags of a run whose code raised or was interrupted, else why it was
 * killed (kernel lost, heartbeat expired); undefined for runs without. For the panel and the table.
 */
export function runError(tags: Readonly<Record<string, string>>): string | undefined {
  const name = tags[TAGS.errorName];
  const message = tags[TAGS.errorMessage];
  if (name) return message ? `${name}: ${message}` : name;
  return tags[TAGS.killedReason] || undefined;
}

/** Heartbeats are written every HEARTBEAT_MS; a RUNNING run silent for EXPIRE_MS is declared KILLED. */
export const HEARTBEAT_MS = 30_000;
export const HEARTBEAT_EXPIRE_MS = 3 * HEARTBEAT_MS;

/** Epoch milliseconds, fixed width, so the server can compare heartbeats as strings in a filter. */
export const heartbeatValue = (ms: number): string => String(Math.floor(ms)).padStart(15, "0");

export interface CellRunOptions {
  experimentId: string;
  runName?: string | undefined;
  parentRunId?: string | undefined;
  notebookPath: string;
  cellId?: string | undefined;
  kernelName?: string | undefined;
  previousRunId?: string | undefined;
  user?: string | undefined;
  tags?: Record<string, string> | undefined;
  description?: string | undefined;
  /**
   * A run created with a guessed number (see guessNumber) is returned at once, and the check that no
   * other process took the number waits for `checkNumber()` (the caller sends its code first: the
   * server answers requests in turn, and a check ahead of the code's requests delays them by a tag
   * search) or for `end`. Its correction, if one is needed, is made before the run ends (`end` waits for
   * it), and `runName` says the corrected name from then on. For front ends whose code does not need the
   * name before the run ends; by default the check is awaited and the name final when `start` returns.
   */
  checkNumberLater?: boolean | undefined;
}

export class CellRun {
  private timer: ReturnType<typeof setInterval> | null = null;
  readonly startedAt = Date.now();
  /** The check of a guessed number still going on (checkNumberLater); never rejects. */
  private numbered: Promise<void> = Promise.resolve();
  /** Sends that check (checkNumberLater), once. */
  private sendCheck: () => void = () => undefined;

  private constructor(
    private readonly client: RestClient,
    readonly runId: string,
    readonly experimentId: string,
    readonly artifactUri: string | undefined,
    private name: string,
  ) {}

  get runName(): string {
    return this.name;
  }

  static async start(client: RestClient, o: CellRunOptions): Promise<CellRun> {
    const tags: Record<string, string> = {
      "mlflow.source.type": "NOTEBOOK",
      "mlflow.source.name": o.notebookPath,
      [TAGS.notebook]: o.notebookPath,
      [TAGS.heartbeat]: heartbeatValue(Date.now()),
      ...(o.user ? { "mlflow.user": o.user } : {}),
      ...(o.cellId ? { [TAGS.cellId]: o.cellId } : {}),
      ...(o.kernelName ? { [TAGS.kernel]: o.kernelName } : {}),
      ...(o.previousRunId ? { [TAGS.previousRun]: o.previousRunId } : {}),
      ...(o.parentRunId ? { "mlflow.parentRunId": o.parentRunId } : {}),
      ...(o.description ? { "mlflow.note.content": o.description } : {}),
    };
    const create = (runName: string | undefined, numbering: Record<string, string>) =>
      client.createRun({
        experimentId: o.experimentId,
        runName,
        userId: o.user,
        tags: { ...tags, ...numbering, ...o.tags },
      });
    const base = o.runName;
    const key = base ? numberingKey(o.experimentId, o.notebookPath, base) : null;
    const guess = key !== null ? guessNumber(client, key) : null;
    let run: WireRun;
    let runName = base;
    let numbered: Promise<string | null> = Promise.resolve(null);
    let sendCheck: () => void = () => undefined;
    if (base && key !== null && guess !== null) {
      // A name numbered before by this process: the next number is known, so the run is created with
      // it while one search checks that no other run took it meanwhile (another tab, `labtrack run`):
      // one round trip before the code runs instead of two. A number taken is corrected at once.
      runName = numberLabel(base, guess);
      const creating = create(runName, numberingTags(base, guess));
      // A check that fails leaves the guess, which is right unless another process ran this name.
      // Deferred (checkNumberLater), it is sent by checkNumber() once the run exists: it finds the
      // new run too, which it leaves out.
      const check = () => numberTaken(client, o.experimentId, o.notebookPath, base, guess).catch(() => []);
      let taken: Promise<string[]>;
      if (o.checkNumberLater) {
        const asked = new Promise<void>((resolve) => {
          sendCheck = resolve;
        });
        taken = asked.then(check);
      } else taken = check();
      const created = await creating;
      run = created;
      numbered = taken.then(async (ids) => {
        if (!ids.some((id) => id !== created.info.run_id)) return null;
        const latest = await numberedName(client, o.experimentId, o.notebookPath, base, created.info.run_id);
        const number = Math.max(latest?.number ?? 0, guess + 1);
        const corrected = numberLabel(base, number);
        await Promise.all([
          client.updateRun(created.info.run_id, { runName: corrected }),
          client.setTag(created.info.run_id, TAGS.runNumber, String(number)),
        ]);
        rememberNumber(client, key, number);
        return corrected;
      });
      if (!o.checkNumberLater) {
        const corrected = await numbered;
        if (corrected !== null) {
          runName = corrected;
          run = { ...created, info: { ...created.info, run_name: corrected } };
        }
        numbered = Promise.resolve(null);
      }
    } else {
      const numbered = base ? await numberedName(client, o.experimentId, o.notebookPath, base) : null;
      if (numbered) runName = numbered.name;
      run = await create(runName, base && numbered ? numberingTags(base, numbered.number) : {});
      if (key !== null && numbered) rememberNumber(client, key, numbered.number);
    }
    const name = run.info.run_name || runName || run.info.run_id;
    const cellRun = new CellRun(client, run.info.run_id, run.info.experiment_id, run.info.artifact_uri, name);
    cellRun.numbered = numbered.then(
      (corrected) => {
        if (corrected !== null) cellRun.name = corrected;
      },
      // The correction failed: the run keeps the number it was created with.
      () => undefined,
    );
    cellRun.sendCheck = sendCheck;
    cellRun.timer = setInterval(() => void cellRun.beat(), HEARTBEAT_MS);
    return cellRun;
  }

  /** Sends the deferred check of the run's guessed number (checkNumberLater); `end` sends it if not. */
  checkNumber(): void {
    this.sendCheck();
  }

  /** Attaches to a run started in an earlier cell (`%track start`), without a heartbeat of its own. */
  static attach(
    client: RestClient,
    runId: string,
    experimentId: string,
    artifactUri: string | undefined,
    name: string,
  ) {
    return new CellRun(client, runId, experimentId, artifactUri, name);
  }

  private async beat(): Promise<void> {
    try {
      await this.client.setTag(this.runId, TAGS.heartbeat, heartbeatValue(Date.now()));
    } catch {
      // A missed heartbeat is retried at the next beat; expiry allows for several.
    }
  }

  async log(batch: {
    params?: Record<string, string>;
    metrics?: Record<string, number>;
    tags?: Record<string, string>;
    step?: number | undefined;
  }): Promise<void> {
    const now = Date.now();
    const pairs = (r: Record<string, string> | undefined): WireTag[] =>
      Object.entries(r ?? {}).map(([key, value]) => ({ key, value }));
    const metrics = Object.entries(batch.metrics ?? {}).map(([key, value]) => ({
      key,
      value,
      timestamp: now,
      step: batch.step ?? 0,
    }));
    const params = pairs(batch.params);
    const tags = pairs(batch.tags);
    if (metrics.length + params.length + tags.length === 0) return;
    await this.client.logBatch(this.runId, { metrics, params, tags });
  }

  /** Uploads a text artifact when the server serves artifacts; false when it cannot. */
  async uploadText(path: string, text: string | Uint8Array, contentType = "text/plain"): Promise<boolean> {
    const proxyPath = this.artifactUri ? RestClient.proxyPath(this.artifactUri, path) : null;
    if (!proxyPath) return false;
    await this.client.uploadArtifact(proxyPath, text as BodyInit, contentType);
    return true;
  }

  async end(
    status: RunStatus,
    tags: Record<string, string> = {},
    values: { params?: Record<string, string>; metrics?: Record<string, number> } = {},
  ): Promise<void> {
    this.stopHeartbeat();
    // The run's number is settled before the run ends.
    this.sendCheck();
    await this.numbered;
    const endTime = Date.now();
    // MLflow accepts data for ended runs (only deleted ones refuse it): both requests go at once.
    await Promise.all([
      this.log({ ...values, tags: { ...tags, [TAGS.duration]: String(endTime - this.startedAt) } }),
      this.client.updateRun(this.runId, { status, endTime }),
    ]);
  }

  stopHeartbeat(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

/**
 * `NAME` for the first run named NAME from this notebook in this experiment, `NAME #N` for the Nth:
 * re-runs of a cell are told apart in every list and legend, and the count survives reloads because
 * it comes from the server (one search for the latest such run, deleted ones included so a number is
 * never given twice; `exclude`, a run being numbered, left out). The first run keeps the plain name
 * the user typed. Null when the names cannot be written as a filter (both quote characters in them):
 * the run is then named as given.
 */
export async function numberedName(
  client: RestClient,
  experimentId: string,
  notebookPath: string,
  base: string,
  exclude?: string,
): Promise<{ name: string; number: number } | null> {
  const filter = numberingFilter(notebookPath, base);
  if (filter === null) return null;
  const { runs } = await client.searchRuns([experimentId], {
    filter,
    orderBy: ["attributes.start_time DESC"],
    maxResults: exclude ? 2 : 1,
    viewType: "ALL",
  });
  const others = runs.filter((r) => r.info.run_id !== exclude);
  const latest = others[0]?.data.tags?.find((t) => t.key === TAGS.runNumber)?.value;
  const previous = latest && /^\d+$/.test(latest) ? Number(latest) : others.length;
  const number = previous + 1;
  return { name: numberLabel(base, number), number };
}

const numberLabel = (base: string, number: number): string => (number === 1 ? base : `${base} #${number}`);

const numberingTags = (base: string, number: number): Record<string, string> => ({
  [TAGS.runBaseName]: base,
  [TAGS.runNumber]: String(number),
});

function numberingFilter(notebookPath: string, base: string): string | null {
  const path = quoteValue(notebookPath);
  const name = quoteValue(base);
  if (path === null || name === null) return null;
  return `tags.\`${TAGS.notebook}\` = ${path} and tags.\`${TAGS.runBaseName}\` = ${name}`;
}

/** The ids of the runs holding `number` for this name, deleted ones too (at most two). */
async function numberTaken(
  client: RestClient,
  experimentId: string,
  notebookPath: string,
  base: string,
  number: number,
): Promise<string[]> {
  const filter = numberingFilter(notebookPath, base);
  if (filter === null) return [];
  const { runs } = await client.searchRuns([experimentId], {
    filter: `${filter} and tags.\`${TAGS.runNumber}\` = '${number}'`,
    maxResults: 2,
    viewType: "ALL",
  });
  return runs.map((r) => r.info.run_id);
}

/**
 * The last number this process gave each name (per client, experiment, notebook, name): the next run
 * of it is created with the following number at once, checked by a concurrent search. A guess taken
 * is counted at once, so two runs of one name started together guess different numbers.
 */
const lastNumbers = new WeakMap<RestClient, Map<string, number>>();

const numberingKey = (experimentId: string, notebookPath: string, base: string): string | null =>
  numberingFilter(notebookPath, base) === null ? null : JSON.stringify([experimentId, notebookPath, base]);

/**
 * Learns the numbers the next runs of these names from this notebook will take, one search per name,
 * all at once: a front end that knows a notebook's cell names before running the cells (`labtrack
 * run`) asks while its kernel starts, and each cell's run is then created at once with its number,
 * checked by a concurrent search, as a re-run's is. A search that fails leaves that name to the
 * search before its creation. Never rejects.
 */
export async function learnRunNumbers(
  client: RestClient,
  experimentId: string,
  notebookPath: string,
  names: Iterable<string>,
): Promise<void> {
  const queue = [...new Set(names)];
  // A few at a time: a notebook of many tracked cells does not open a connection per name.
  const worker = async () => {
    for (let base = queue.shift(); base !== undefined; base = queue.shift()) {
      const key = numberingKey(experimentId, notebookPath, base);
      if (key === null || lastNumbers.get(client)?.has(key)) continue;
      const next = await numberedName(client, experimentId, notebookPath, base).catch(() => null);
      if (next) rememberNumber(client, key, next.number - 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
}

function guessNumber(client: RestClient, key: string): number | null {
  const last = lastNumbers.get(client)?.get(key);
  if (last === undefined) return null;
  rememberNumber(client, key, last + 1);
  return last + 1;
}

function rememberNumber(client: RestClient, key: string, number: number): void {
  let known = lastNumbers.get(client);
  if (!known) {
    known = new Map();
    lastNumbers.set(client, known);
  }
  known.set(key, Math.max(number, known.get(key) ?? 0));
}

/** A filter string literal: MLflow's grammar has no escapes, so the quote must not occur inside. */
function quoteValue(value: string): string | null {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  return null;
}

/**
 * Declares KILLED the RUNNING runs whose heartbeat stopped (the browser that ran the cell went away).
 * Runs that never had a Labtrack heartbeat are left alone: they belong to other clients.
 */
export async function expireAbandonedRuns(client: RestClient, now: number = Date.now()): Promise<string[]> {
  const { experiments } = await client.searchExperiments({ maxResults: 1000 });
  if (experiments.length === 0) return [];
  const cutoff = heartbeatValue(now - HEARTBEAT_EXPIRE_MS);
  const killed: string[] = [];
  const ids = experiments.map((e) => e.experiment_id);
  // MLflow caps a search at 100 experiment ids.
  for (let i = 0; i < ids.length; i += 100) {
    const pages = followPages(async (pageToken) => {
      const page = await client.searchRuns(ids.slice(i, i + 100), {
        // MLflow compares tags only with =, !=, LIKE: find the runs that have a heartbeat, compare here.
        filter: `attributes.status = 'RUNNING' and tags.\`${TAGS.heartbeat}\` LIKE '0%'`,
        maxResults: 500,
        pageToken,
      });
      return { items: page.runs, nextPageToken: page.nextPageToken };
    });
    for await (const runs of pages)
      for (const run of runs) {
        const beat = run.data.tags?.find((t) => t.key === TAGS.heartbeat)?.value ?? "";
        if (beat >= cutoff) continue;
        await client.setTag(
          run.info.run_id,
          TAGS.killedReason,
          "heartbeat expired: the notebook that ran it went away",
        );
        await client.updateRun(run.info.run_id, { status: "KILLED", endTime: now });
        killed.push(run.info.run_id);
      }
  }
  return killed;
}
