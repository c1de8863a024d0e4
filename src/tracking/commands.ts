// The `%track` line commands that act on their own: the notebook's experiment, tags, notes, literal and
// variable params/metrics, `runs`, `status`, `help`. (`start`/`end` live with the cell run.)
import { buildChart } from "../charts/index.js";
import { fromWireDouble, type RestClient } from "../client/rest.js";
import { helpText } from "../magics/index.js";
import type { LineCommand, MetricsCommand, ParamsCommand, RunsCommand } from "../magics/types.js";
import type { CellRun } from "./cell-run.js";
import { CHART_MIME, compareChart, renderSvg } from "./compare.js";
import { formatDuration, formatMetric, formatTime } from "./format.js";
import type { VariableValue } from "./kernel-bridge.js";
import type { KernelFamily } from "./kernel-language.js";
import { readNotebook, writeNotebook } from "./notebook-state.js";
import { textTable, writeBundle, writeText } from "./outputs.js";
import type { TrackedCell, TrackedNotebook, TrackingTarget } from "./types.js";

export interface CommandContext {
  client: RestClient;
  model: TrackedCell;
  target: TrackingTarget;
  notebook: TrackedNotebook;
  family: KernelFamily;
  experimentFor(name: string | undefined): Promise<{ id: string; name: string }>;
  targetRun(): CellRun;
  readVariables(names: readonly string[]): Promise<Record<string, VariableValue>>;
}

export async function runLineCommand(c: LineCommand, ctx: CommandContext): Promise<void> {
  switch (c.command) {
    case "experiment": {
      const exp = await ctx.experimentFor(c.name);
      writeNotebook(ctx.notebook, { experiment: exp.name });
      writeText(ctx.model, `labtrack: this notebook tracks into experiment "${exp.name}" (id ${exp.id})`);
      return;
    }
    case "tag":
      return ctx.targetRun().log({ tags: Object.fromEntries(c.tags.map((t) => [t.key, t.value])) });
    case "note":
      return ctx.targetRun().log({ tags: { "mlflow.note.content": c.text } });
    case "params":
      return logParams(c, ctx);
    case "metrics":
      return logMetrics(c, ctx);
    case "runs":
      return listRuns(c, ctx);
    case "status":
      return status(ctx);
    case "help":
      writeText(ctx.model, helpText(c.topic));
      return;
    case "compare": {
      const exp = await ctx.experimentFor(c.experiment);
      const chart = await compareChart(ctx.client, c, exp.id, ctx.target.theme());
      const data: Record<string, unknown> = {
        [CHART_MIME]: { query: chart.query, running: chart.running },
        "application/vnd.vegalite.v5+json": buildChart(chart.request),
        "text/plain": chart.summary,
      };
      try {
        data["image/svg+xml"] = await renderSvg(chart.request);
      } catch (e) {
        writeText(
          ctx.model,
          `labtrack: no static image for viewers without Vega-Lite (${String(e)})`,
          "stderr",
        );
      }
      writeBundle(ctx.model, data);
      return;
    }
    case "start":
    case "end":
      return;
  }
}

async function logParams(c: ParamsCommand, ctx: CommandContext): Promise<void> {
  const run = ctx.targetRun();
  const names = c.items.flatMap((i) => (i.kind === "variable" ? [i.name] : []));
  const values = names.length ? await ctx.readVariables(names) : {};
  const params: Record<string, string> = {};
  const missing: string[] = [];
  for (const item of c.items) {
    if (item.kind === "literal") params[item.key] = item.value;
    else if (values[item.name] === null || values[item.name] === undefined) missing.push(item.name);
    else params[item.name] = String(values[item.name]);
  }
  if (missing.length)
    writeText(ctx.model, `labtrack: not defined in the kernel, not logged: ${missing.join(", ")}`, "stderr");
  await run.log({ params });
}

async function logMetrics(c: MetricsCommand, ctx: CommandContext): Promise<void> {
  const run = ctx.targetRun();
  const names = c.items.flatMap((i) => (i.kind === "variable" ? [i.name] : []));
  if (typeof c.step === "object") names.push(c.step.name);
  const values = names.length ? await ctx.readVariables(names) : {};
  let step: number | undefined;
  if (typeof c.step === "number") step = c.step;
  else if (c.step) {
    const v = values[c.step.name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
      throw new Error(
        `--step ${c.step.name} must hold a whole number ≥ 0, the kernel has ${JSON.stringify(v)}`,
      );
    step = v;
  }
  const metrics: Record<string, number> = {};
  const problems: string[] = [];
  for (const item of c.items) {
    if (item.kind === "literal") metrics[item.key] = item.value;
    else {
      const v = values[item.name];
      if (typeof v === "number") metrics[item.name] = v;
      else
        problems.push(
          v === null || v === undefined
            ? `${item.name} (not defined)`
            : `${item.name} (not a number: ${String(v).slice(0, 40)})`,
        );
    }
  }
  if (problems.length)
    writeText(ctx.model, `labtrack: not logged as metrics: ${problems.join(", ")}`, "stderr");
  await run.log({ metrics, step });
  const note = stepNote(c, ctx.family, ctx.model.source(), step);
  if (note) writeText(ctx.model, note);
}

/**
 * `%track metrics loss --step epoch` in a `%%track` cell reads like per-step logging but logs once,
 * after the cell: one line saying so, and what to call in the loop instead. Null elsewhere: no
 * --step, not a %%track cell, or only literals (logged before the code, as written).
 */
export function stepNote(
  c: MetricsCommand,
  family: KernelFamily,
  cellSource: string,
  loggedStep: number | undefined,
): string | null {
  if (c.step === undefined || !/^\s*%%track\b/.test(cellSource)) return null;
  if (typeof c.step === "number" && c.items.every((i) => i.kind === "literal")) return null;
  const first = c.items[0];
  const key = first === undefined ? "loss" : first.kind === "variable" ? first.name : first.key;
  const value = first?.kind === "variable" ? first.name : "value";
  const stepExpr = typeof c.step === "number" ? String(c.step) : c.step.name;
  const at = loggedStep === undefined ? "" : ` (at step ${loggedStep})`;
  const py = `labtrack.log_metric(${JSON.stringify(key)}, ${value}, step=${stepExpr})`;
  const ts = `logMetric(${JSON.stringify(key)}, ${value}, ${stepExpr})`;
  const call =
    family === "python"
      ? `${py} (import labtrack)`
      : family === "javascript"
        ? `${ts} from "labtrack"`
        : `${py} in Python or ${ts} in TypeScript`;
  return `labtrack: %track metrics logged once, after the cell${at}; for a value per step, call ${call} inside the loop`;
}

async function listRuns(c: RunsCommand, ctx: CommandContext): Promise<void> {
  const exp = await ctx.experimentFor(c.experiment);
  const { runs, nextPageToken } = await ctx.client.searchRuns([exp.id], {
    filter: c.filter?.text,
    orderBy: c.orderBy.length ? c.orderBy : ["attributes.start_time DESC"],
    maxResults: c.max ?? 20,
  });
  if (runs.length === 0) {
    writeText(ctx.model, `labtrack: no runs in "${exp.name}"${c.filter ? ` match ${c.filter.text}` : ""}`);
    return;
  }
  const metricKeys = [...new Set(runs.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))]
    .sort()
    .slice(0, 5);
  const paramKeys = [...new Set(runs.flatMap((r) => (r.data.params ?? []).map((p) => p.key)))]
    .sort()
    .slice(0, 4);
  const header = [
    "run",
    "status",
    "started",
    "duration",
    ...paramKeys.map((k) => `params.${k}`),
    ...metricKeys.map((k) => `metrics.${k}`),
  ];
  const now = Date.now();
  const rows = runs.map((r) => {
    const metric = (k: string) => {
      const m = (r.data.metrics ?? []).find((x) => x.key === k);
      return m ? formatMetric(fromWireDouble(m.value)) : "";
    };
    const param = (k: string) => (r.data.params ?? []).find((p) => p.key === k)?.value ?? "";
    const end = r.info.end_time ?? (r.info.status === "RUNNING" ? now : undefined);
    return [
      r.info.run_name || r.info.run_id,
      r.info.status,
      formatTime(r.info.start_time),
      formatDuration(
        r.info.start_time !== undefined && end !== undefined ? end - r.info.start_time : undefined,
      ),
      ...paramKeys.map(param),
      ...metricKeys.map(metric),
    ];
  });
  const more = nextPageToken
    ? `\n… more runs match; --max ${Math.min(1000, (c.max ?? 20) * 2)} shows more`
    : "";
  writeBundle(
    ctx.model,
    { "text/plain": `Runs of "${exp.name}"\n${textTable(header, rows)}${more}` },
    { labtrack: { experimentId: exp.id, runIds: runs.map((r) => r.info.run_id) } },
  );
}

async function status(ctx: CommandContext): Promise<void> {
  const server = await ctx.target.statusLine();
  const nb = readNotebook(ctx.notebook);
  const lines = [
    `tracking server: ${server}`,
    `experiment:      ${nb.experiment ?? (ctx.target.defaultExperiment || "Default")}`,
    `open run:        ${nb.openRun ? `"${nb.openRun.name}" (${nb.openRun.runId})` : "none"}`,
    `kernel:          ${ctx.family === "other" ? "variables via user_expressions only" : ctx.family}`,
  ];
  writeText(ctx.model, lines.join("\n"));
}
