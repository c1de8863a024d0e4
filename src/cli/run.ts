// `labtrack run NOTEBOOK.ipynb`: a tracked notebook executed headlessly (CI, batch, sweeps), with the
// same runs as in JupyterLab. Bad input (no such file, not a notebook, unknown kernel, bad options) and
// an unreachable tracking server are exit code 2, before any cell runs; a failed or killed execution 1.
import { existsSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve } from "node:path";
import type { Command } from "commander";
import { configFromEnv } from "../client/fluent/config.js";
import type { RunStatus } from "../client/wire.js";
import { formatMetric } from "../tracking/format.js";
import { textTable } from "../tracking/outputs.js";
import { runClient } from "./run-http.js";
import { findKernelSpecs, kernelDirs } from "./run-kernel.js";
import {
  describeTrackingError,
  type ExecuteResult,
  executeNotebook,
  notebookKernelName,
  readNotebookFile,
} from "./run-notebook.js";
import { outputPaths } from "./run-output.js";
import {
  type ParamValue,
  paramText,
  readParametersFile,
  resolveType,
  splitAssignment,
} from "./run-params.js";
import { UsageError } from "./store-uri.js";

interface RunCliOptions {
  parameters: string[];
  raw: string[];
  parametersFile?: string;
  kernel?: string;
  output?: string;
  inplace?: boolean;
  experiment?: string;
  trackingUri?: string;
  runName?: string;
  timeout?: string;
  cwd?: string;
  rootDir?: string;
  allowErrors?: boolean;
  sweep: string[];
  parallel: string;
  metric?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The `labtrack` Python module's folder, put on a Python kernel's path as `npm start` does. */
const PYTHON_DIR = resolve(import.meta.dirname, "..", "..", "python");

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description(
      "Execute a notebook headlessly with Labtrack tracking (one parent run, %%track cells nested)",
    )
    .argument("<notebook>", "the .ipynb file")
    .option(
      "-p, --parameters <name=value>",
      "a parameter, typed as papermill types it (repeatable)",
      collect,
      [],
    )
    .option("-r, --raw <name=value>", "a parameter kept as text (repeatable)", collect, [])
    .option("--parameters-file <file>", "parameters from a YAML or JSON mapping")
    .option("-k, --kernel <name>", "the kernelspec to run (default: the notebook's)")
    .option(
      "-o, --output <file>",
      'write the executed notebook here: a file, a path with {name} placeholders formatted with the parameters as papermill does (a sweep writes one file per point: "out/{lr}-{batch}.ipynb"), or a folder ending in "/"',
    )
    .option("--inplace", "write the executed notebook over the input")
    .option(
      "--experiment <name>",
      "the experiment (default: the notebook's, MLFLOW_EXPERIMENT_NAME, else Default)",
    )
    .option("--tracking-uri <uri>", "the tracking server (default: MLFLOW_TRACKING_URI)")
    .option("--run-name <name>", "the parent run's name (default: the notebook's name)")
    .option("--timeout <seconds>", "stop a cell that runs longer (interrupted, its run KILLED)")
    .option("--cwd <dir>", "the kernel's working directory (default: the notebook's folder)")
    .option(
      "--root-dir <dir>",
      "the folder the runs' notebook path (labtrack.notebook.path, mlflow.source.name) is relative to, as the Lab's is to the Jupyter server's root (default: the notebook's git work tree, else its folder)",
    )
    .option("--allow-errors", "go on after a failing cell")
    .option(
      "--sweep <name=a,b,c>",
      "execute once per value; several --sweep make a grid (repeatable)",
      collect,
      [],
    )
    .option("--parallel <n>", "sweep points executed at a time", "1")
    .option("--metric <name>", "the metric a sweep's table shows")
    .action(async (notebook: string, options: RunCliOptions) => {
      process.exitCode = await runCommand(notebook, options);
    });
}

function numberOption(text: string | undefined, option: string, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`${option} wants a ${integer ? "whole " : ""}number > 0, not "${text}"`);
  return n;
}

/** The grid of `--sweep` values: every combination, in the order given. */
export function sweepGrid(sweeps: readonly string[]): Record<string, ParamValue>[] {
  let grid: Record<string, ParamValue>[] = [{}];
  const seen = new Set<string>();
  for (const s of sweeps) {
    const [name, list] = splitAssignment(s, "--sweep");
    if (seen.has(name)) throw new UsageError(`--sweep ${name} is given twice`);
    seen.add(name);
    const values = list.split(",").map((v) => v.trim());
    if (values.some((v) => v === "")) throw new UsageError(`--sweep ${name} has an empty value: "${s}"`);
    grid = grid.flatMap((point) => values.map((v) => ({ ...point, [name]: resolveType(v) })));
  }
  return grid;
}

async function runCommand(notebookArg: string, o: RunCliOptions): Promise<number> {
  const say = (line: string) => process.stderr.write(`labtrack: ${line}\n`);
  // Bad input first: nothing is started for a command that cannot run.
  const file = resolve(notebookArg);
  const nb = readNotebookOrUsage(file);
  if (o.output && o.inplace) throw new UsageError("--output and --inplace exclude each other");
  const timeout = numberOption(o.timeout, "--timeout", false);
  const parallel = numberOption(o.parallel, "--parallel", true) ?? 1;
  const params: Record<string, ParamValue> = o.parametersFile ? readParametersFile(o.parametersFile) : {};
  for (const p of o.parameters) {
    const [name, value] = splitAssignment(p, "-p");
    params[name] = resolveType(value);
  }
  for (const p of o.raw) {
    const [name, value] = splitAssignment(p, "-r");
    params[name] = value;
  }
  const grid = sweepGrid(o.sweep);
  if (grid.length > 1 && o.inplace)
    throw new UsageError(
      "--inplace is for one execution: a sweep writes one notebook per point with --output",
    );
  const outputs = o.output
    ? outputPaths(
        o.output,
        file,
        grid.map((point) => ({ params: { ...params, ...point }, swept: point })),
      )
    : undefined;
  const specs = findKernelSpecs();
  const kernelName = (o.kernel ?? notebookKernelName(nb))?.toLowerCase();
  if (!kernelName)
    throw new UsageError(
      `${notebookArg} names no kernel: pass --kernel (one of ${[...specs.keys()].join(", ") || "none installed"})`,
    );
  const spec = specs.get(kernelName);
  if (!spec)
    throw new UsageError(
      `no kernel named "${kernelName}": installed are ${[...specs.keys()].join(", ") || "none"} (looked in ${kernelDirs().join(", ")})`,
    );
  const cwd = resolve(o.cwd ?? dirname(file));
  if (!existsSync(cwd)) throw new UsageError(`--cwd ${o.cwd}: no such folder`);
  const rootDir = o.rootDir === undefined ? undefined : resolve(o.rootDir);
  if (rootDir !== undefined) {
    if (!existsSync(rootDir) || !statSync(rootDir).isDirectory())
      throw new UsageError(`--root-dir ${o.rootDir}: no such folder`);
    const inside = relative(rootDir, file);
    if (inside.startsWith("..") || isAbsolute(inside))
      throw new UsageError(`--root-dir ${o.rootDir} does not hold the notebook ${notebookArg}`);
  }

  const env = configFromEnv(process.env);
  const trackingUri = o.trackingUri ?? (process.env.MLFLOW_TRACKING_URI?.trim() || undefined);
  if (!trackingUri)
    throw new UsageError("no tracking server: pass --tracking-uri URL or set MLFLOW_TRACKING_URI");
  if (!/^https?:\/\//.test(trackingUri))
    throw new UsageError(`--tracking-uri must be an http(s) URL of a tracking server, not "${trackingUri}"`);
  const client = runClient(trackingUri, env.auth, 2);
  try {
    await client.searchExperiments({ maxResults: 1 });
  } catch (e) {
    process.stderr.write(
      `labtrack: cannot use the tracking server at ${trackingUri}: ${describeTrackingError(e, trackingUri).detail}\nlabtrack: no cell was run; start the server (labtrack server) or pass --tracking-uri\n`,
    );
    return 2;
  }
  // A client for the execution itself: MLflow's usual retries.
  const tracking = runClient(trackingUri, env.auth);

  // Ctrl-C: the running cells are interrupted and their runs KILLED; a second Ctrl-C kills the kernels
  // at once (they are always shut down before labtrack exits).
  const abort = new AbortController();
  const kill = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      say("interrupting (Ctrl-C again to stop the kernel at once)");
      abort.abort();
    } else if (interrupts === 2) {
      say("stopping the kernel");
      kill.abort();
    }
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  const tty = process.stderr.isTTY === true && grid.length === 1;
  const progress = tty
    ? (line: string | null) => {
        const width = process.stderr.columns ?? 80;
        process.stderr.write(`\r\u001b[K${line === null ? "" : line.slice(0, width - 1)}`);
      }
    : null;
  const base = {
    file,
    notebook: nb,
    spec,
    client: tracking,
    trackingUri,
    experiment: o.experiment,
    cwd,
    rootDir,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    allowErrors: o.allowErrors === true,
    signal: abort.signal,
    killSignal: kill.signal,
    progress,
    kernelEnv: { PYTHONPATH: [PYTHON_DIR, process.env.PYTHONPATH].filter(Boolean).join(":") },
  };
  try {
    if (grid.length === 1) {
      const result = await executeNotebook({
        ...base,
        params,
        runName: o.runName,
        output: o.inplace ? file : outputs?.[0],
        say,
      });
      printSummary(result, trackingUri);
      return interrupts > 0 ? 130 : result.exitCode;
    }
    const results = await runSweep(grid, parallel, abort.signal, (point, label, index) =>
      executeNotebook({
        ...base,
        params: { ...params, ...point },
        runName: `${o.runName ?? basename(file, ".ipynb")} ${label}`,
        output: outputs?.[index],
        say: (line) => say(`[${label}] ${line}`),
      }),
    );
    printSweep(results, o.metric, trackingUri);
    if (interrupts > 0) return 130;
    return results.every((r) => r.result?.exitCode === 0) ? 0 : 1;
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
}

function readNotebookOrUsage(file: string) {
  try {
    return readNotebookFile(file);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

interface SweepPoint {
  point: Record<string, ParamValue>;
  label: string;
  result?: ExecuteResult;
  error?: string;
}

/**
 * Every point of the grid, `parallel` at a time; a point that fails does not stop the others. A point
 * never started (Ctrl-C) has neither result nor error.
 */
async function runSweep(
  grid: Record<string, ParamValue>[],
  parallel: number,
  signal: AbortSignal,
  run: (point: Record<string, ParamValue>, label: string, index: number) => Promise<ExecuteResult>,
): Promise<SweepPoint[]> {
  const points: SweepPoint[] = grid.map((point) => ({
    point,
    label: Object.entries(point)
      .map(([k, v]) => `${k}=${paramText(v)}`)
      .join(" "),
  }));
  let next = 0;
  const worker = async () => {
    // After Ctrl-C the points not started yet are not started.
    while (next < points.length && !signal.aborted) {
      const index = next++;
      const p = points[index] as SweepPoint;
      try {
        p.result = await run(p.point, p.label, index);
      } catch (e) {
        p.error = e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, points.length) }, worker));
  return points;
}

function runLink(uri: string, experimentId: string, runId: string): string {
  return `${uri.replace(/\/+$/, "")}/#/experiments/${experimentId}/runs/${runId}`;
}

/** A run's metric: its own, else the last nested run's that has it. */
function metricOf(result: ExecuteResult, name: string): number | undefined {
  if (name in result.parent.metrics) return result.parent.metrics[name];
  for (const c of [...result.children].reverse()) if (name in c.metrics) return c.metrics[name];
  return undefined;
}

function printSummary(result: ExecuteResult, uri: string): void {
  const out = process.stdout;
  const rows = [result.parent, ...result.children].map((r, i) => [
    i === 0 ? r.name : `  ${r.name}`,
    r.status,
    Object.entries(r.metrics)
      .slice(0, 6)
      .map(([k, v]) => `${k}=${formatMetric(v)}`)
      .join(" "),
  ]);
  out.write(`\n${textTable(["run", "status", "metrics"], rows, 80)}\n`);
  if (result.problem) out.write(`${statusWord(result.status)}: ${result.problem}\n`);
  out.write(`see ${runLink(uri, result.experimentId, result.parent.runId)}\n`);
}

const statusWord = (s: RunStatus) => (s === "FINISHED" ? "finished" : s === "KILLED" ? "killed" : "failed");

function printSweep(points: SweepPoint[], metric: string | undefined, uri: string): void {
  const value = (p: SweepPoint) => (metric && p.result ? metricOf(p.result, metric) : undefined);
  const names = Object.keys(points[0]?.point ?? {});
  const rows = points.map((p) => [
    ...names.map((n) => paramText(p.point[n] as ParamValue)),
    p.result?.status ?? (p.error ? "ERROR" : "NOT RUN"),
    ...(metric ? [value(p) === undefined ? "" : formatMetric(value(p) as number)] : []),
    p.result ? p.result.parent.runId : (p.error ?? ""),
  ]);
  const header = [...names, "status", ...(metric ? [metric] : []), "run"];
  process.stdout.write(`\n${textTable(header, rows, 60)}\n`);
  const ok = points.filter((p) => p.result?.status === "FINISHED").length;
  process.stdout.write(`${ok}/${points.length} points finished`);
  const experimentId = points.find((p) => p.result)?.result?.experimentId;
  if (experimentId) process.stdout.write(`; see ${uri.replace(/\/+$/, "")}/#/experiments/${experimentId}`);
  process.stdout.write("\n");
}
