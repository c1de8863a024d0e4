// Runs one cell that has Labtrack magics: the run starts before the code, the kernel gets the code with
// the magic lines blanked and MLFLOW_* set, variables are read back afterwards, and the run ends with
// the cell's outcome. Anything that goes wrong before the code runs stops the cell with a clear error,
// so nothing is half-tracked.
import { MlflowApiError, TrackingUnreachableError } from "../client/errors.js";
import type { RestClient } from "../client/rest.js";
import type { RunStatus } from "../client/wire.js";
import type {
  CellParse,
  EndCommand,
  LineCommand,
  LineCommandAt,
  TrackCellCommand,
  UsageError,
} from "../magics/types.js";
import { CellRun, TAGS } from "./cell-run.js";
import { runLineCommand } from "./commands.js";
import { ensureExperiment } from "./experiments.js";
import { ENV_KEY, expressionError, FLUSH_KEY, KernelBridge, type VariableValue } from "./kernel-bridge.js";
import {
  type KernelFamily,
  kernelFamily,
  PYTHON_FLUSH_EXPRESSION,
  pythonEnvLine,
  setEnvExpression,
} from "./kernel-language.js";
import { type OpenRun, readCell, readNotebook, writeCell, writeNotebook } from "./notebook-state.js";
import { WRAP_AT, wrapWords, writeBundle, writeError, writeText } from "./outputs.js";
import type { ExecutionOutcome, MagicContext } from "./types.js";

export type { MagicContext } from "./types.js";

/** Thrown for problems the user must fix; shown as one error output, never as a stack trace. */
export class MagicError extends Error {
  override name = "LabtrackError";
}

type Magic = Extract<CellParse, { kind: "magic" }>;

const BEFORE = new Set<LineCommand["command"]>(["experiment", "start", "tag", "note"]);

function readsVariables(c: LineCommand): boolean {
  if (c.command === "params" || c.command === "metrics")
    return (
      c.items.some((i) => i.kind === "variable") || (c.command === "metrics" && typeof c.step === "object")
    );
  return false;
}

/** Lines that act before the code (experiment, start, tags, literal values) and after it (the rest). */
export function splitPhases(lines: readonly LineCommandAt[]): {
  before: LineCommandAt[];
  after: LineCommandAt[];
} {
  const before: LineCommandAt[] = [];
  const after: LineCommandAt[] = [];
  for (const l of lines) {
    const early =
      BEFORE.has(l.command.command) ||
      ((l.command.command === "params" || l.command.command === "metrics") && !readsVariables(l.command));
    (early ? before : after).push(l);
  }
  return { before, after };
}

export function usageErrorLines(e: UsageError): string[] {
  const caret = `${" ".repeat(Math.max(0, e.column - 1))}${"^".repeat(Math.max(1, e.length))}`;
  return [e.source, caret, `usage: ${e.usage}`];
}

export class MagicCell {
  private cellRun: CellRun | null = null;
  private bridge: KernelBridge | null = null;
  private family: KernelFamily = "other";

  constructor(
    private readonly ctx: MagicContext,
    private readonly parsed: Magic,
  ) {}

  private get client(): RestClient {
    return this.ctx.target.client;
  }

  private get model() {
    return this.ctx.cell;
  }

  /** True when the code ran and succeeded (the notebook's "run all" goes on). */
  async run(): Promise<boolean> {
    const { parsed } = this;
    if (parsed.errors.length > 0) {
      for (const e of parsed.errors)
        writeError(
          this.model,
          "UsageError",
          `line ${e.line ?? 1}, column ${e.column}: ${e.message}`,
          usageErrorLines(e),
        );
      return false;
    }
    const hasCode = parsed.code.trim() !== "";
    // A cell of magics only gets its execution count like any cell the kernel ran, asked for at once
    // so it costs no time; a cell with code gets it from its code's request.
    const counted = hasCode ? Promise.resolve() : this.countExecution();
    try {
      return await this.runPhases(hasCode, counted);
    } finally {
      await counted;
    }
  }

  private async runPhases(hasCode: boolean, counted: Promise<void>): Promise<boolean> {
    const { parsed } = this;
    const { before, after } = splitPhases(parsed.lineCommands);
    const needsKernel =
      hasCode || parsed.cellMagic !== undefined || after.some((l) => readsVariables(l.command));
    try {
      if (needsKernel) await this.attachKernel();
      if (hasCode && parsed.cellMagic && this.bridge && this.family === "python")
        // IPython: the input transformer that reads the cell's marker line (pythonEnvLine), sent now
        // when the kernel lacks it, so it is in place while the run is being created.
        this.envSet = this.bridge.ensurePythonEnvTransformer();
      for (const l of before) await this.line(l);
      if (parsed.cellMagic) await this.startCellRun(parsed.cellMagic);
    } catch (e) {
      await this.abandon(e, hasCode);
      return false;
    }

    let ok = true;
    if (hasCode) {
      const outcomePromise = this.model.execute(this.prefix + parsed.code, this.trailingExpressions());
      this.sendRunExtras();
      const [outcome, envOk] = await Promise.all([outcomePromise, this.envSet]);
      if (!envOk && this.cellRun && this.family !== "other")
        writeText(this.model, "labtrack: could not set MLFLOW_RUN_ID in the kernel", "stderr");
      ok = outcome.kind === "ok";
      if (this.cellRun) {
        const ended = await this.finishCellRun(outcome);
        if (!ended) ok = false;
      }
      if (!ok) return false;
    } else if (this.cellRun) {
      this.sendRunExtras();
      // The run's execution-count tag names the count the cell shows.
      await counted;
      await this.finishCellRun({ kind: "ok" });
    }
    try {
      for (const l of after) await this.line(l);
    } catch (e) {
      this.showProblem(e);
      return false;
    }
    return ok;
  }

  /**
   * Gives a cell without code an execution count from the kernel, as for any cell that ran: one
   * request of the cell's lines as comments, kept in the kernel's history (so `In[n]` shows what
   * cell n was). Only with a kernel the notebook already has (none is started for this), in a
   * language whose comments Labtrack knows; otherwise the prompt stays empty. Never rejects.
   */
  private async countExecution(): Promise<void> {
    try {
      const kernel = await this.ctx.kernel(false);
      if (!kernel) return;
      const family = kernelFamily(await kernel.language());
      const comment = family === "python" ? "#" : family === "javascript" ? "//" : null;
      if (comment === null) return;
      const code = this.model
        .source()
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => `${comment} ${l}`)
        .join("\n");
      const reply = await kernel.execute({
        code,
        silent: false,
        store_history: true,
        allow_stdin: false,
        stop_on_error: false,
      });
      if (!this.model.isDisposed && reply.execution_count !== null)
        this.model.executionCount = reply.execution_count;
    } catch {
      // No count (the kernel went away meanwhile): the prompt stays empty, nothing else is affected.
    }
  }

  private async attachKernel(): Promise<void> {
    const kernel = await this.ctx.kernel(true);
    if (!kernel) throw new MagicError("this notebook has no kernel: select one, then run the cell again");
    this.bridge = new KernelBridge(kernel);
    this.family = kernelFamily(await kernel.language());
  }

  private notebookState() {
    return readNotebook(this.ctx.notebook);
  }

  private async experimentFor(name: string | undefined): Promise<{ id: string; name: string }> {
    // A headless execution's runs all live in its parent's experiment: `%track compare` and `%track
    // runs` without --experiment look there, even when `--experiment` overrode the notebook's choice.
    if (name === undefined && this.ctx.parentRun) return { id: this.ctx.parentRun.experimentId, name: "" };
    const chosen =
      name ?? this.notebookState().experiment ?? (this.ctx.target.defaultExperiment || undefined);
    if (!chosen) return { id: "0", name: "Default" };
    const exp = await ensureExperiment(this.client, chosen);
    return { id: exp.experiment_id, name: exp.name };
  }

  /** The run that tags, params and metrics lines go to: the cell's, else the notebook's open run. */
  private targetRun(): CellRun {
    if (this.cellRun) return this.cellRun;
    const open = this.notebookState().openRun ?? this.ctx.parentRun;
    if (open) return CellRun.attach(this.client, open.runId, open.experimentId, open.artifactUri, open.name);
    throw new MagicError(
      "no run to log to: put %%track on the cell's first line, or open a run with %track start",
    );
  }

  private async setKernelRun(run: { runId: string; experimentId: string } | null): Promise<void> {
    if (!this.bridge) return;
    const ok = await this.bridge.setEnv(this.envFor(run));
    if (!ok && run && this.family !== "other")
      writeText(this.model, "labtrack: could not set MLFLOW_RUN_ID in the kernel", "stderr");
  }

  private async startCellRun(magic: TrackCellCommand): Promise<void> {
    const open = this.notebookState().openRun;
    if (magic.nested && !open)
      throw new MagicError("--nested needs a run opened with %track start in this notebook");
    const experiment = magic.experiment
      ? await this.experimentFor(magic.experiment)
      : open && !magic.experiment
        ? { id: open.experimentId, name: "" }
        : this.ctx.parentRun && !magic.experiment
          ? { id: this.ctx.parentRun.experimentId, name: "" }
          : await this.experimentFor(undefined);
    const previous = readCell(this.model);
    this.cellRun = await CellRun.start(this.client, {
      experimentId: experiment.id,
      runName: magic.name,
      parentRunId: magic.nested ? open?.runId : this.ctx.parentRun?.runId,
      notebookPath: this.ctx.notebook.path,
      cellId: this.model.id,
      kernelName: this.bridge?.kernelName,
      previousRunId: previous?.lastRunId,
      user: this.ctx.user,
      description: magic.description,
      tags: { ...this.ctx.extraTags, ...Object.fromEntries(magic.tags.map((t) => [t.key, t.value])) },
      checkNumberLater: this.ctx.checkNumberLater,
    });
    if (this.bridge && this.family === "python") {
      // IPython: the cell's own request carries MLFLOW_* and the names it logs on its blank first
      // line, applied (the names' values noted, to tell stale ones after a failure) and blanked again
      // by Labtrack's input transformer, sent before the run started (runPhases): no extra request, and
      // the user's tracebacks show only the user's code (see PYTHON_ENV_MARKER).
      this.prefix = pythonEnvLine(this.envFor(this.cellRun), [
        ...new Set([...magic.params, ...magic.metrics]),
      ]);
    } else {
      // Other kernels: a request of its own, sent without waiting for its answer; the kernel runs
      // requests in order, so the cell's code (sent next) sees the variables.
      this.envSet = this.bridge
        ? this.bridge.sendEnv(this.family, this.envFor(this.cellRun))
        : Promise.resolve(false);
    }
  }

  /**
   * What the run needs that the code does not wait for, sent once the code is on its way (the servers
   * answer in turn: sent first, these delayed the code by their own cost): the source, uploaded while
   * the code runs, and the check of the run's guessed number. The upload's failure is reported when
   * the run ends, not as an unhandled rejection meanwhile.
   */
  private sendRunExtras(): void {
    const run = this.cellRun;
    if (!run) return;
    run.checkNumber();
    this.sourceUpload = run.uploadText(`cell/source.${extension(this.family)}`, this.model.source()).then(
      () => null,
      (e: unknown) => e,
    );
  }

  private sourceUpload: Promise<unknown> = Promise.resolve(null);

  /**
   * The flush of the `labtrack` Python module, the variables and the env reset, as user_expressions
   * of the cell's own request (Python), evaluated in this order: the run ends only after what the
   * code logged from Python is on the server. ipykernel evaluates them only when the code succeeded.
   */
  private trailingExpressions(): Record<string, string> {
    const magic = this.parsed.cellMagic;
    if (!magic || !this.cellRun) return {};
    const reset = setEnvExpression(this.family, this.envFor(this.ambientRun()));
    if (reset === null) return {};
    const names = [...new Set([...magic.params, ...magic.metrics])];
    return {
      [FLUSH_KEY]: PYTHON_FLUSH_EXPRESSION,
      ...Object.fromEntries(names.map((n) => [n, n])),
      [ENV_KEY]: reset,
    };
  }

  /** The run code outside tracked cells logs to: the notebook's open run, else the execution's parent. */
  private ambientRun(): { runId: string; experimentId: string } | null {
    return this.notebookState().openRun ?? this.ctx.parentRun ?? null;
  }

  private envSet: Promise<boolean> = Promise.resolve(true);
  private prefix = "";

  private envFor(run: { runId: string; experimentId: string } | null): Record<string, string | null> {
    return {
      MLFLOW_TRACKING_URI: this.ctx.target.uri || null,
      MLFLOW_EXPERIMENT_ID: run?.experimentId ?? null,
      MLFLOW_RUN_ID: run?.runId ?? null,
    };
  }

  private async finishCellRun(outcome: ExecutionOutcome | { kind: "ok" }): Promise<boolean> {
    const run = this.cellRun;
    const magic = this.parsed.cellMagic;
    if (!run || !magic) return true;
    let status: RunStatus = "FINISHED";
    const tags: Record<string, string> = {};
    const count = this.model.executionCount;
    if (count !== null) tags[TAGS.executionCount] = String(count);
    const uploads: Promise<unknown>[] = [];
    let values: { params: Record<string, string>; metrics: Record<string, number> } = {
      params: {},
      metrics: {},
    };
    try {
      // The code ran, to its end or to an exception or interrupt: the variables it had are logged
      // either way. Not when it never started (aborted) or the kernel went away (lost).
      const ran = outcome.kind === "ok" || outcome.kind === "error";
      const wanted = ran ? [...new Set([...magic.params, ...magic.metrics])] : [];
      const reply = outcome.kind === "ok" && "reply" in outcome ? outcome.reply : undefined;
      // Answered with the code (ipykernel, when the code succeeded): nothing more to ask. Otherwise
      // one more request: the clients in the kernel flushed, MLFLOW_* back to the notebook's run (or
      // unset), the variables read, and after an error the values the cell's marker line noted before
      // the code ran (IPython), to keep stale metrics out. None when the kernel is gone.
      const inline = KernelBridge.valuesFrom(reply, [...wanted, ENV_KEY]);
      const after =
        inline !== null
          ? { values: inline, flushError: expressionError(reply, FLUSH_KEY), before: null }
          : this.bridge && outcome.kind !== "lost"
            ? await this.bridge.afterCell(
                this.envFor(this.ambientRun()),
                wanted,
                outcome.kind === "error" && this.prefix !== "",
              )
            : { values: {}, flushError: null, before: null };
      if (after.flushError !== null) this.flushProblem(after.flushError);
      const current =
        outcome.kind === "error"
          ? this.setByTheCode(after.values, after.before, magic.metrics)
          : after.values;
      if (ran) values = this.sortValues(current, magic.params, magic.metrics, outcome.kind === "ok");
      if (outcome.kind === "ok") {
        uploads.push(this.uploadArtifacts(run, magic.artifacts));
      } else if (outcome.kind === "error") {
        const interrupted = /KeyboardInterrupt|Interrupt/i.test(outcome.ename);
        status = interrupted ? "KILLED" : "FAILED";
        tags[TAGS.errorName] = outcome.ename;
        tags[TAGS.errorMessage] = outcome.evalue.slice(0, 5000);
        uploads.push(run.uploadText("error/traceback.txt", stripAnsi(outcome.traceback.join("\n"))));
      } else {
        status = "KILLED";
        tags[TAGS.killedReason] = outcome.kind === "lost" ? outcome.reason : "the execution was aborted";
      }
      await Promise.all(uploads);
    } catch (e) {
      this.showProblem(e);
      status = outcome.kind === "ok" ? "FAILED" : status;
    }
    try {
      // The source's upload, under way since the code was sent, goes on while the run ends rather than
      // before: it is the slowest request of a cell (a file written through the proxy), and the run's
      // data does not depend on it. Its failure is said; the run keeps its status (the code's outcome).
      const [, sourceFailure] = await Promise.all([run.end(status, tags, values), this.sourceUpload]);
      if (sourceFailure) this.sourceProblem(sourceFailure);
      writeCell(this.model, { lastRunId: run.runId, lastStatus: status, experimentId: run.experimentId });
      writeBundle(
        this.model,
        { "text/plain": `Labtrack run "${run.runName}" ${status} (${run.runId})` },
        { labtrack: { runId: run.runId, experimentId: run.experimentId, status } },
      );
    } catch (e) {
      run.stopHeartbeat();
      this.showProblem(e);
      return false;
    }
    return status === "FINISHED";
  }

  /**
   * After a failure, only the metrics the code set: one still holding the value it had before the
   * cell (the code stopped before computing it) belongs to an earlier execution, and logging it would
   * give the failed run, say, the previous run's accuracy. Said in one line. Params are kept as they
   * are: they are set first, and a config value assigned again unchanged (epochs = 12) is still the
   * run's.
   */
  private setByTheCode(
    values: Record<string, VariableValue>,
    before: Record<string, VariableValue> | null,
    metrics: readonly string[],
  ): Record<string, VariableValue> {
    if (!before) return values;
    const out = { ...values };
    const stale = metrics.filter((name) => {
      const now = values[name];
      const old = before[name];
      return now !== null && now !== undefined && old !== null && old !== undefined && Object.is(old, now);
    });
    for (const name of stale) delete out[name];
    if (stale.length > 0) {
      this.warn(
        `labtrack: the cell stopped before setting ${stale.join(", ")}: not logged (the values were an earlier execution's)`,
      );
    }
    return out;
  }

  /** Said in the cell, as a flush problem is: the run and what it logged stay as they are. */
  private sourceProblem(e: unknown): void {
    const detail =
      e instanceof MlflowApiError || e instanceof TrackingUnreachableError
        ? this.ctx.target.describeError(e).detail
        : e instanceof Error
          ? e.message
          : String(e);
    this.warn(`labtrack: the cell's source could not be saved with the run: ${detail}`);
  }

  /** The run keeps its status: what was sent is on the server, the rest is named here. */
  private flushProblem(detail: string): void {
    const from = this.family === "python" ? "Python" : "the kernel";
    this.warn(
      `labtrack: some values logged from ${from} could not be sent: ${detail.replace(/^labtrack: /, "")}`,
    );
  }

  /** A problem that leaves the run as it is, on the cell's stderr. */
  private warn(text: string): void {
    // Wrapped between words: stream outputs break lines anywhere, inside words too.
    writeText(this.model, wrapWords(text, WRAP_AT).join("\n"), "stderr");
  }

  /**
   * Params as text; metrics as numbers (a non-number named as a metric is logged as a param). Names
   * not defined are skipped, and said so when `noteMissing` (after a failure, the code may simply not
   * have got that far).
   */
  private sortValues(
    values: Record<string, VariableValue>,
    params: readonly string[],
    metrics: readonly string[],
    noteMissing = true,
  ): { params: Record<string, string>; metrics: Record<string, number> } {
    const out = { params: {} as Record<string, string>, metrics: {} as Record<string, number> };
    const missing: string[] = [];
    for (const name of params) {
      const v = values[name];
      if (v === null || v === undefined) missing.push(name);
      else out.params[name] = String(v);
    }
    for (const name of metrics) {
      const v = values[name];
      if (v === null || v === undefined) missing.push(name);
      else if (typeof v === "number") out.metrics[name] = v;
      else out.params[name] = v;
    }
    if (missing.length > 0 && noteMissing)
      writeText(
        this.model,
        `labtrack: not defined in the kernel, not logged: ${missing.join(", ")}`,
        "stderr",
      );
    return out;
  }

  /** Reads variables and logs them (for %track end). */
  async logVariables(run: CellRun, params: readonly string[], metrics: readonly string[]): Promise<void> {
    if (!this.bridge || params.length + metrics.length === 0) return;
    const values = await this.bridge.readVariables([...new Set([...params, ...metrics])]);
    await run.log(this.sortValues(values, params, metrics));
  }

  private async uploadArtifacts(run: CellRun, paths: readonly string[]): Promise<void> {
    const base = this.ctx.notebook.path.split("/").slice(0, -1).join("/");
    for (const rel of paths) {
      const full = [base, rel].filter(Boolean).join("/");
      const files = (await this.ctx.listDir(full)) ?? [full];
      for (const file of files) {
        const content = await this.ctx.readFile(file);
        if (!content) {
          writeText(this.model, `labtrack: artifact not found: ${rel}`, "stderr");
          continue;
        }
        const artifactPath = file.slice(base ? base.length + 1 : 0);
        const uploaded = await run.uploadText(artifactPath, content.text, content.contentType);
        if (!uploaded)
          writeText(this.model, "labtrack: this tracking server does not serve artifacts", "stderr");
      }
    }
  }

  private async line(l: LineCommandAt): Promise<void> {
    const c = l.command;
    if (c.command === "end") return this.endOpenRun(c);
    if (c.command === "start") return this.startOpenRun(c);
    await runLineCommand(c, {
      client: this.client,
      model: this.model,
      target: this.ctx.target,
      notebook: this.ctx.notebook,
      experimentFor: (name) => this.experimentFor(name),
      targetRun: () => this.targetRun(),
      readVariables: (names) => this.readVariables(names),
      family: this.family,
    });
  }

  private async readVariables(names: readonly string[]): Promise<Record<string, VariableValue>> {
    if (!this.bridge) throw new MagicError("reading variables needs a kernel");
    return this.bridge.readVariables(names);
  }

  private async startOpenRun(c: Extract<LineCommand, { command: "start" }>): Promise<void> {
    const open = this.notebookState().openRun;
    if (open && !c.nested)
      throw new MagicError(
        `run "${open.name}" is already open in this notebook: close it with %track end first`,
      );
    const experiment = await this.experimentFor(c.experiment);
    const run = await CellRun.start(this.client, {
      experimentId: experiment.id,
      runName: c.name,
      parentRunId: c.nested ? open?.runId : this.ctx.parentRun?.runId,
      notebookPath: this.ctx.notebook.path,
      kernelName: this.bridge?.kernelName,
      user: this.ctx.user,
      description: c.description,
      tags: { ...this.ctx.extraTags, ...Object.fromEntries(c.tags.map((t) => [t.key, t.value])) },
    });
    // A notebook run spans cells and browser sessions: no heartbeat; %track end or the user closes it.
    run.stopHeartbeat();
    const openRun: OpenRun = {
      runId: run.runId,
      experimentId: run.experimentId,
      artifactUri: run.artifactUri,
      name: run.runName,
    };
    writeNotebook(this.ctx.notebook, { openRun });
    await this.setKernelRun(openRun);
    writeText(
      this.model,
      `labtrack: started run "${run.runName}" (${run.runId}) in experiment ${experiment.name || experiment.id}`,
    );
  }

  private async endOpenRun(c: EndCommand): Promise<void> {
    const open = this.notebookState().openRun;
    if (!open) throw new MagicError("no run is open in this notebook (%track start opens one)");
    const run = CellRun.attach(this.client, open.runId, open.experimentId, open.artifactUri, open.name);
    const flushError = (await this.bridge?.flushClient()) ?? null;
    if (flushError !== null) this.flushProblem(flushError);
    await this.logVariables(run, c.params, c.metrics);
    await this.uploadArtifacts(run, c.artifacts);
    await this.client.updateRun(open.runId, { status: c.status, endTime: Date.now() });
    writeNotebook(this.ctx.notebook, { openRun: undefined });
    await this.setKernelRun(this.ctx.parentRun ?? null);
    writeText(this.model, `labtrack: ended run "${open.name}" (${open.runId}) ${c.status}`);
  }

  /** Something failed before the code ran: say what, close a run we opened, and do not run the code. */
  private async abandon(e: unknown, hasCode: boolean): Promise<void> {
    this.showProblem(e, hasCode ? (this.parsed.cellMagic ? "%%track" : "%track") : null);
    if (this.cellRun) {
      const run = this.cellRun;
      run.stopHeartbeat();
      await run
        .end("FAILED", { [TAGS.errorName]: "LabtrackError", [TAGS.errorMessage]: String(e) })
        .catch(() => undefined);
    }
  }

  /** `stopped`: the magic whose failure kept the cell's code from running, if it did. */
  private showProblem(e: unknown, stopped: "%%track" | "%track" | null = null): void {
    if (e instanceof MagicError) writeError(this.model, e.name, e.message);
    else if (!(e instanceof MlflowApiError) && !(e instanceof TrackingUnreachableError))
      writeError(this.model, "LabtrackError", e instanceof Error ? e.message : String(e));
    else {
      const unreachable = unreachableSentence(e, this.ctx.target.uri, stopped);
      if (unreachable) writeError(this.model, "LabtrackError", unreachable);
      else {
        const problem = this.ctx.target.describeError(e);
        writeError(this.model, "LabtrackError", `tracking server ${problem.summary}: ${problem.detail}`);
      }
    }
  }
}

/**
 * One sentence for a tracking server that cannot be reached: where, why, and what to do; when it kept
 * the cell's code from running (`stopped`), that it did and how to run the code untracked. Null for
 * other errors. The proxy says "could not reach the tracking server at URL: reason".
 */
export function unreachableSentence(
  error: unknown,
  uri: string,
  stopped: "%%track" | "%track" | null,
): string | null {
  let where: string;
  let reason: string;
  if (error instanceof TrackingUnreachableError) {
    where = "Labtrack's proxy on the Jupyter server";
    reason = /attempt\(s\): (.*)$/s.exec(error.message)?.[1] ?? error.message;
  } else if (
    error instanceof MlflowApiError &&
    (error.errorCode === "TEMPORARILY_UNAVAILABLE" || error.status === 502 || error.status === 504)
  ) {
    const m = /could not reach the tracking server at (\S+): (.*)$/s.exec(error.message);
    where = `the tracking server at ${m?.[1] ?? (uri || "its address")}`;
    reason = error.status === 504 ? "timed out" : (m?.[2] ?? error.message);
  } else return null;
  // "[Errno 111] Connection refused" → "connection refused"
  reason = reason
    .replace(/^\[Errno -?\d+\]\s*/, "")
    .replace(/[.\s]+$/, "")
    .replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
  const cause = `Labtrack cannot reach ${where}${reason ? ` (${reason})` : ""}`;
  const fix = "start the server or check the tracking URI in Labtrack's settings";
  if (stopped === "%%track")
    return `This cell did not run because ${cause}: ${fix}, or remove the %%track line to run the cell untracked.`;
  if (stopped === "%track")
    return `This cell did not run because ${cause}: ${fix}, or remove the %track lines to run the code untracked.`;
  return `${cause}: ${fix}.`;
}

function extension(family: KernelFamily): string {
  return family === "python" ? "py" : family === "javascript" ? "ts" : "txt";
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are control characters
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
