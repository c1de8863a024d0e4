// The batching buffer behind logMetric/logParam/setTag: logging only appends to an array (no promise,
// no I/O), and one background drain at a time sends the queue head as log-batch calls, in order and
// within MLflow's limits. Failed sends keep the data queued; only values the server refuses as invalid
// are set aside, and reported at the next flush().
import { MlflowApiError } from "../errors.js";
import type { MetricPoint } from "../rest.js";
import type { WireTag } from "../wire.js";
import { type DataCounts, RejectedDataError, type Rejection, UnsentDataError } from "./errors.js";

export const METRIC = 0;
export const PARAM = 1;
export const TAG = 2;
export type EntryKind = typeof METRIC | typeof PARAM | typeof TAG;

/** One logged value. A single shape for all kinds keeps the hot path monomorphic. */
export class Entry {
  constructor(
    readonly kind: EntryKind,
    readonly runId: string,
    readonly key: string,
    readonly value: number,
    readonly text: string,
    readonly timestamp: number,
    readonly step: number,
  ) {}
}

export interface Batch {
  metrics: MetricPoint[];
  params: WireTag[];
  tags: WireTag[];
}

export type SendBatch = (runId: string, batch: Batch) => Promise<void>;

export interface BatchLimits {
  metrics: number;
  params: number;
  tags: number;
  total: number;
}

/** MLflow's log-batch limits (reference: runs/log-batch). */
export const MLFLOW_BATCH_LIMITS: BatchLimits = { metrics: 1000, params: 100, tags: 100, total: 1000 };

export interface QueueOptions {
  send: SendBatch;
  /** Queue length that starts a drain right away. Default 1000 (one full batch). */
  flushAt?: number | undefined;
  /** Longest time a value waits before a background drain. Default 200 ms. */
  intervalMs?: number | undefined;
  /** Pause after a failed background drain, doubling up to 30 s. Default 2 s. */
  retryDelayMs?: number | undefined;
  limits?: Partial<BatchLimits> | undefined;
}

type Verdict = "keep" | "run" | "data";

/** Which failures mean "try again later" and which mean "this data will never be accepted". */
function classify(e: unknown): Verdict {
  if (!(e instanceof MlflowApiError)) return "keep";
  const { status, errorCode } = e;
  if (status >= 500 || status === 408 || status === 429 || status === 401 || status === 403) return "keep";
  if (errorCode === "RESOURCE_DOES_NOT_EXIST" || /must be in the 'active' state/.test(e.message))
    return "run";
  if (status === 404) return "keep"; // a wrong tracking URI, not bad data
  return status >= 400 ? "data" : "keep";
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

export class BatchQueue {
  private items: Entry[] = [];
  private head = 0;
  private current: Promise<Error | undefined> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private kickQueued = false;
  private failures = 0;
  /** While bisecting around a refused batch: the batch size to try, and how many entries remain suspect. */
  private bisect = 0;
  private suspect = 0;
  private rejections: Rejection[] = [];
  private readonly send: SendBatch;
  private readonly flushAt: number;
  private readonly intervalMs: number;
  private readonly retryDelayMs: number;
  private readonly limits: BatchLimits;
  private readonly kick = () => {
    this.kickQueued = false;
    if (this.current === undefined && this.failures === 0) void this.start();
  };
  private readonly onTimer = () => {
    this.timer = undefined;
    if (this.current === undefined) void this.start();
  };

  constructor(options: QueueOptions) {
    this.send = options.send;
    this.flushAt = options.flushAt ?? 1000;
    this.intervalMs = options.intervalMs ?? 200;
    this.retryDelayMs = options.retryDelayMs ?? 2000;
    this.limits = { ...MLFLOW_BATCH_LIMITS, ...options.limits };
  }

  /** Values waiting to be acknowledged by the server (including a batch in flight). */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Hot path: append, and at most flip a flag or arm a timer. */
  push(entry: Entry): void {
    const size = this.items.push(entry) - this.head;
    if (size >= this.flushAt && !this.kickQueued && this.current === undefined && this.failures === 0) {
      this.kickQueued = true;
      queueMicrotask(this.kick);
    }
    if (this.timer === undefined && this.failures === 0) this.arm(this.intervalMs);
  }

  /** Counts of queued values, by kind, optionally for one run. */
  counts(runId?: string): DataCounts {
    const c = { metrics: 0, params: 0, tags: 0 };
    for (let i = this.head; i < this.items.length; i++) {
      const e = this.items[i] as Entry;
      if (runId !== undefined && e.runId !== runId) continue;
      if (e.kind === METRIC) c.metrics++;
      else if (e.kind === PARAM) c.params++;
      else c.tags++;
    }
    return c;
  }

  hasRun(runId: string): boolean {
    for (let i = this.head; i < this.items.length; i++)
      if ((this.items[i] as Entry).runId === runId) return true;
    return false;
  }

  /**
   * Sends everything queued. Rejects with UnsentDataError when the server cannot take it (the data stays
   * queued), or with RejectedDataError when it refused some values since the last flush.
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.current) {
        // A background drain's outcome does not decide: this flush makes its own attempt after it.
        await this.current;
        continue;
      }
      if (this.size === 0) break;
      const error = await this.start();
      if (error) throw new UnsentDataError(this.counts(), error);
    }
    if (this.rejections.length > 0) {
      const rejections = this.rejections;
      this.rejections = [];
      throw new RejectedDataError(rejections);
    }
  }

  /** Stops the timer; queued data stays (flush() still sends it). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const timer = setTimeout(this.onTimer, ms);
    // A pending flush must not keep a Node process alive on its own; beforeExit flushes instead.
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }

  private start(): Promise<Error | undefined> {
    const run = this.drain().then((error) => {
      this.current = undefined;
      if (error) {
        this.failures++;
        this.arm(Math.min(this.retryDelayMs * 2 ** (this.failures - 1), 30_000));
      } else {
        this.failures = 0;
        if (this.size > 0) this.arm(this.intervalMs);
      }
      return error;
    });
    this.current = run;
    return run;
  }

  private async drain(): Promise<Error | undefined> {
    while (this.size > 0) {
      const { runId, n, batch } = this.take();
      try {
        await this.send(runId, batch);
      } catch (e) {
        const verdict = classify(e);
        if (verdict === "keep") return asError(e);
        if (verdict === "run") {
          this.dropRun(runId, asError(e));
        } else if (n > 1) {
          // One bad value must not cost the good ones around it: halve until it is alone.
          this.bisect = Math.ceil(n / 2);
          this.suspect = n;
        } else {
          this.rejections.push({ runId, counts: this.countRange(this.head, 1), error: asError(e) });
          this.advance(1);
        }
        continue;
      }
      this.advance(n);
    }
    return undefined;
  }

  /** The longest prefix of the queue that is one run's, within the limits, without a repeated key. */
  private take(): { runId: string; n: number; batch: Batch } {
    const items = this.items;
    const first = items[this.head] as Entry;
    const runId = first.runId;
    const max = Math.min(this.bisect || Number.POSITIVE_INFINITY, this.limits.total);
    const batch: Batch = { metrics: [], params: [], tags: [] };
    let seenParams: Set<string> | undefined;
    let seenTags: Set<string> | undefined;
    let n = 0;
    for (let i = this.head; i < items.length && n < max; i++, n++) {
      const e = items[i] as Entry;
      if (e.runId !== runId) break;
      if (e.kind === METRIC) {
        if (batch.metrics.length === this.limits.metrics) break;
        batch.metrics.push({ key: e.key, value: e.value, timestamp: e.timestamp, step: e.step });
      } else if (e.kind === PARAM) {
        seenParams ??= new Set();
        if (batch.params.length === this.limits.params || seenParams.has(e.key)) break;
        seenParams.add(e.key);
        batch.params.push({ key: e.key, value: e.text });
      } else {
        // A tag set twice goes in two batches, so the later value wins as it would one call at a time.
        seenTags ??= new Set();
        if (batch.tags.length === this.limits.tags || seenTags.has(e.key)) break;
        seenTags.add(e.key);
        batch.tags.push({ key: e.key, value: e.text });
      }
    }
    return { runId, n, batch };
  }

  private advance(n: number): void {
    this.head += n;
    if (this.suspect > 0) {
      this.suspect -= n;
      if (this.suspect <= 0) this.bisect = this.suspect = 0;
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 65_536 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private countRange(from: number, n: number): DataCounts {
    const c = { metrics: 0, params: 0, tags: 0 };
    for (let i = from; i < from + n; i++) {
      const kind = (this.items[i] as Entry).kind;
      if (kind === METRIC) c.metrics++;
      else if (kind === PARAM) c.params++;
      else c.tags++;
    }
    return c;
  }

  /** The run itself is gone or not active: none of its values can ever be stored. */
  private dropRun(runId: string, error: Error): void {
    this.rejections.push({ runId, counts: this.counts(runId), error });
    this.items = this.items.slice(this.head).filter((e) => e.runId !== runId);
    this.head = 0;
    this.bisect = this.suspect = 0;
  }
}
