// `labtrack run` end to end: the compiled CLI executes notebooks with real kernels (Debian's ipykernel,
// tslab as `npm start` registers it) against a real `labtrack server`, and what it logged is read back.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildChart } from "../../src/charts/index.js";
import { RestClient } from "../../src/client/rest.js";
import type { WireRun } from "../../src/client/wire.js";
import { parseLine } from "../../src/magics/index.js";
import type { CompareCommand } from "../../src/magics/types.js";
import { compareChart } from "../../src/tracking/compare.js";
import { type RunningServer, startServer } from "../helpers/server.js";
import { tslabJupyterPath } from "./helpers.js";

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");

let server: RunningServer;
let client: RestClient;
let dir: string;

beforeAll(async () => {
  server = await startServer();
  client = new RestClient({ trackingUri: server.url, retries: 0 });
  dir = mkdtempSync(join(tmpdir(), "labtrack-run-"));
}, 60_000);

afterAll(async () => {
  await server?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Cell = { cell_type: "code" | "markdown"; source: string; metadata: { tags?: string[] } };
const code = (source: string, tags: string[] = []): Cell => ({
  cell_type: "code",
  source,
  metadata: { tags },
});

function notebook(name: string, kernel: "python3" | "tslab", cells: Cell[]): string {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  const language = kernel === "python3" ? "python" : "typescript";
  writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 4,
      metadata: { kernelspec: { name: kernel, display_name: kernel, language } },
      cells: cells.map((c) => (c.cell_type === "code" ? { ...c, outputs: [], execution_count: null } : c)),
    }),
  );
  return file;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function launch(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd = dir,
): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, "run", ...args], {
    cwd,
    env: { ...process.env, JUPYTER_PATH: tslabJupyterPath(), MLFLOW_TRACKING_URI: server.url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<Exit>((done) => child.on("close", (code) => done({ code, stdout, stderr })));
  return { child, exited };
}

const run = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = dir) => launch(args, env, cwd).exited;

async function experimentRuns(name: string): Promise<WireRun[]> {
  const exp = await client.getExperimentByName(name);
  if (!exp) return [];
  const { runs } = await client.searchRuns([exp.experiment_id], { maxResults: 1000, viewType: "ALL" });
  return runs;
}

/** Whether a run of that name appears in the experiment (polled, bounded): its cell is then running. */
async function runAppears(experiment: string, name: string): Promise<boolean> {
  for (let i = 0; i < 600; i++) {
    if ((await experimentRuns(experiment)).some((x) => x.info.run_name === name)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const tag = (r: WireRun, key: string) => r.data.tags?.find((t) => t.key === key)?.value;
const param = (r: WireRun, key: string) => r.data.params?.find((p) => p.key === key)?.value;
const metric = (r: WireRun, key: string) => r.data.metrics?.find((m) => m.key === key)?.value;

async function artifactText(r: WireRun, path: string): Promise<string> {
  const proxy = RestClient.proxyPath(r.info.artifact_uri ?? "", path);
  if (!proxy) throw new Error(`no proxy path for ${r.info.artifact_uri}`);
  return (await client.downloadArtifact(proxy)).text();
}

/** The processes whose environment names this notebook (its kernel has JPY_SESSION_NAME = the file). */
function processesOf(file: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (readFileSync(`/proc/${name}/environ`, "utf8").split("\0").includes(`JPY_SESSION_NAME=${file}`))
        found.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

type NbJson = {
  metadata: Record<string, unknown>;
  cells: {
    cell_type: string;
    source: string[];
    metadata: { tags?: string[]; labtrack?: { lastRunId: string } };
    outputs?: { output_type: string; data?: Record<string, unknown>; text?: string[]; ename?: string }[];
    execution_count?: number | null;
  }[];
};

describe("labtrack run", () => {
  it("executes a Python notebook with parameters: one parent run, the %%track cell's run nested, the executed notebook logged", async () => {
    const file = notebook("train.ipynb", "python3", [
      { cell_type: "markdown", source: "# Training", metadata: {} },
      code("lr = 0.01\nepochs = 2\nlabel = 'base'\nlayers = [1]", ["parameters"]),
      code(
        "%%track fit --params lr,epochs,label --metrics loss\nimport labtrack\nloss = 1.0\nfor e in range(epochs):\n    loss *= 1 - lr\n    labtrack.log_metric('curve', loss, step=e)\nprint('loss', loss)",
      ),
      code("%track compare fit --metrics loss"),
      code("print(len(layers), layers[-1])"),
    ]);
    writeFileSync(join(dir, "params.yaml"), "epochs: 3\nlayers: [8, 16, 32]\n");
    const out = join(dir, "train.out.ipynb");
    const r = await run([
      file,
      "-p",
      "lr=0.5",
      "-r",
      "label=007",
      "--parameters-file",
      "params.yaml",
      "--experiment",
      "headless",
      "-o",
      out,
    ]);
    expect(r.stderr).toContain("[5/5]");
    expect(r.code, r.stderr).toBe(0);

    const runs = await experimentRuns("headless");
    expect(runs).toHaveLength(2);
    const parent = runs.find((x) => !tag(x, "mlflow.parentRunId")) as WireRun;
    const child = runs.find((x) => tag(x, "mlflow.parentRunId")) as WireRun;
    expect(parent.info.status).toBe("FINISHED");
    expect(parent.info.run_name).toBe("train");
    expect(tag(parent, "labtrack.execution")).toBe("headless");
    expect(tag(parent, "mlflow.source.git.commit")).toBeUndefined(); // a temp dir is no git work tree
    expect(param(parent, "lr")).toBe("0.5");
    expect(param(parent, "label")).toBe("007");
    expect(param(parent, "epochs")).toBe("3");
    expect(param(parent, "layers")).toBe("[8,16,32]");
    expect(tag(child, "mlflow.parentRunId")).toBe(parent.info.run_id);
    expect(child.info.run_name).toBe("fit");
    expect(child.info.status).toBe("FINISHED");
    expect(tag(child, "labtrack.execution")).toBe("headless");
    // The injected values, typed as papermill types them: 0.5 a float, "007" kept as text.
    expect(param(child, "lr")).toBe("0.5");
    expect(param(child, "label")).toBe("007");
    expect(param(child, "epochs")).toBe("3");
    expect(metric(child, "loss")).toBeCloseTo(0.125);
    const curve = await client.getMetricHistory(child.info.run_id, "curve");
    expect(curve.map((m) => m.step)).toEqual([0, 1, 2]);

    const written = JSON.parse(readFileSync(out, "utf8")) as NbJson;
    const logged = JSON.parse(await artifactText(parent, "train.ipynb")) as NbJson;
    expect(logged).toEqual(written);
    expect(tag(parent, "labtrack.executed_notebook")).toBe("train.ipynb");
    const tags = written.cells.map((c) => c.metadata.tags ?? []);
    expect(tags[1]).toEqual(["parameters"]);
    expect(tags[2]).toEqual(["injected-parameters"]);
    expect(written.cells[2]?.source.join("")).toBe(
      '# Parameters\nepochs = 3\nlayers = [8, 16, 32]\nlr = 0.5\nlabel = "007"',
    );
    const fit = written.cells[3];
    expect(fit?.metadata.labtrack?.lastRunId).toBe(child.info.run_id);
    expect(fit?.outputs?.[0]?.text?.join("")).toBe("loss 0.125\n");
    expect(written.cells[5]?.outputs?.[0]?.text?.join("")).toBe("3 32\n");
    expect(
      written.cells.filter((c) => c.cell_type === "code").every((c) => typeof c.execution_count === "number"),
    ).toBe(true);

    // %track compare: the bundle the Lab writes, the Vega-Lite spec the same as the shared engine draws now.
    const bundle = written.cells[4]?.outputs?.[0]?.data as Record<string, unknown>;
    expect(Object.keys(bundle).sort()).toEqual(
      [
        "application/vnd.labtrack.chart+json",
        "application/vnd.vegalite.v5+json",
        "image/svg+xml",
        "text/plain",
      ].sort(),
    );
    expect((bundle["image/svg+xml"] as string[]).join("")).toMatch(/^<svg[\s\S]*<\/svg>$/);
    const command = parseLine("%track compare fit --metrics loss") as CompareCommand;
    const again = await compareChart(client, command, child.info.experiment_id, "light");
    expect(bundle["application/vnd.vegalite.v5+json"]).toEqual(
      JSON.parse(JSON.stringify(buildChart(again.request))),
    );
    expect((bundle["text/plain"] as string[]).join("")).toBe(again.summary);

    expect(r.stdout).toContain("FINISHED");
    expect(r.stdout).toContain(`/#/experiments/${parent.info.experiment_id}/runs/${parent.info.run_id}`);
  }, 180_000);

  it("executes a TypeScript (tslab) notebook: parameters injected, the cell's run nested with its metrics", async () => {
    const file = notebook("ts.ipynb", "tslab", [
      code("let rate = 2;", ["parameters"]),
      code(
        "%%track ts-fit --params rate --metrics score\nconst score = rate * 21;\nconsole.log('score', score);",
      ),
    ]);
    const r = await run([file, "-p", "rate=3", "--experiment", "headless-ts"]);
    expect(r.code, r.stderr).toBe(0);
    const runs = await experimentRuns("headless-ts");
    const child = runs.find((x) => tag(x, "mlflow.parentRunId")) as WireRun;
    const parent = runs.find((x) => !tag(x, "mlflow.parentRunId")) as WireRun;
    expect(runs).toHaveLength(2);
    expect(parent.info.status).toBe("FINISHED");
    expect(child.info.status).toBe("FINISHED");
    expect(param(child, "rate")).toBe("3");
    expect(metric(child, "score")).toBe(63);
    expect(tag(child, "labtrack.kernel.name")).toBe("tslab");
  }, 180_000);

  it("stops at the first failing cell: its run FAILED with the traceback, the parent FAILED, exit 1, the cells after it not run", async () => {
    const file = notebook("fails.ipynb", "python3", [
      code("x = 1\nacc = 0.5"),
      code("%%track boom --params x --metrics acc,loss\nloss = 0.25\nraise ValueError('bad data')"),
      code("print('never')"),
    ]);
    const out = join(dir, "fails.out.ipynb");
    const r = await run([file, "--experiment", "headless-fail", "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("ValueError: bad data");
    const runs = await experimentRuns("headless-fail");
    const parent = runs.find((x) => !tag(x, "mlflow.parentRunId")) as WireRun;
    const child = runs.find((x) => tag(x, "mlflow.parentRunId")) as WireRun;
    expect(parent.info.status).toBe("FAILED");
    expect(tag(parent, "labtrack.failed_cell")).toBe("2");
    expect(child.info.status).toBe("FAILED");
    expect(tag(child, "labtrack.error.name")).toBe("ValueError");
    expect(await artifactText(child, "error/traceback.txt")).toContain("ValueError: bad data");
    // The failed run keeps its param and the metric the code set; `acc` still held the value it had
    // before the cell (an earlier execution's): not logged, and said so.
    expect(child.data.params).toEqual([{ key: "x", value: "1" }]);
    expect(child.data.metrics?.map((m) => [m.key, m.value])).toEqual([["loss", 0.25]]);
    const nb = JSON.parse(readFileSync(out, "utf8")) as NbJson;
    expect(JSON.stringify(nb.cells[1]?.outputs)).toContain("the cell stopped before setting acc");
    expect(nb.cells[1]?.outputs?.some((o) => o.output_type === "error" && o.ename === "ValueError")).toBe(
      true,
    );
    expect(nb.cells[2]?.execution_count).toBeNull();
    expect(nb.cells[2]?.outputs).toEqual([]);
  }, 180_000);

  it("with --allow-errors goes on after a failing cell", async () => {
    const file = notebook("goes-on.ipynb", "python3", [code("1/0"), code("print('after')")]);
    const out = join(dir, "goes-on.out.ipynb");
    const r = await run([file, "--experiment", "headless-allow", "--allow-errors", "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    const nb = JSON.parse(readFileSync(out, "utf8")) as NbJson;
    expect(nb.cells[1]?.outputs?.[0]?.text?.join("")).toBe("after\n");
  }, 180_000);

  it("a cell over --timeout is interrupted: its run and the parent KILLED, no run left RUNNING, no kernel process left", async () => {
    const file = notebook("slow.ipynb", "python3", [
      code("%%track slow\nimport time\ntime.sleep(120)"),
      code("print('never')"),
    ]);
    const r = await run([file, "--experiment", "headless-timeout", "--timeout", "3"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("did not finish within 3 s");
    const runs = await experimentRuns("headless-timeout");
    expect(runs).toHaveLength(2);
    expect(runs.map((x) => x.info.status)).toEqual(["KILLED", "KILLED"]);
    expect(processesOf(file)).toEqual([]);
  }, 180_000);

  it.each([
    ["python3", "%%track waiting\nimport time\ntime.sleep(120)"],
    ["tslab", "%%track waiting\nawait new Promise((r) => setTimeout(r, 120000));"],
  ] as const)(
    "Ctrl-C (SIGINT) interrupts the %s kernel: runs KILLED, none RUNNING, the kernel gone",
    async (kernel, source) => {
      const file = notebook(`interrupted-${kernel}.ipynb`, kernel, [code(source), code("1")]);
      const experiment = `headless-sigint-${kernel}`;
      const { child, exited } = launch([file, "--experiment", experiment]);
      // Once the cell's run is on the server the cell is running: then Ctrl-C.
      expect(await runAppears(experiment, "waiting")).toBe(true);
      child.kill("SIGINT");
      const r = await exited;
      expect(r.code).toBe(130);
      const runs = await experimentRuns(experiment);
      expect(runs).toHaveLength(2);
      expect(runs.map((x) => x.info.status)).toEqual(["KILLED", "KILLED"]);
      expect(processesOf(file)).toEqual([]);
    },
    180_000,
  );

  it("a second Ctrl-C kills a kernel that ignores the interrupt: runs KILLED, nothing left", async () => {
    const file = notebook("stubborn.ipynb", "python3", [
      code(
        "%%track stubborn-cell\nimport time\nwhile True:\n    try:\n        time.sleep(120)\n    except KeyboardInterrupt:\n        pass",
      ),
    ]);
    const experiment = "headless-stubborn";
    const { child, exited } = launch([file, "--experiment", experiment]);
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    expect(await runAppears(experiment, "stubborn-cell")).toBe(true);
    child.kill("SIGINT");
    for (let i = 0; i < 100 && !stderr.includes("interrupting"); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain("interrupting");
    child.kill("SIGINT");
    const r = await exited;
    expect(r.code).toBe(130);
    const runs = await experimentRuns(experiment);
    expect(runs.map((x) => x.info.status)).toEqual(["KILLED", "KILLED"]);
    expect(processesOf(file)).toEqual([]);
  }, 180_000);

  it("a notebook without magics is executed as one parent run", async () => {
    const file = notebook("plain.ipynb", "python3", [code("a = 20"), code("print(a + 22)")]);
    const r = await run([file, "--experiment", "headless-plain"]);
    expect(r.code, r.stderr).toBe(0);
    const runs = await experimentRuns("headless-plain");
    expect(runs).toHaveLength(1);
    const nb = JSON.parse(await artifactText(runs[0] as WireRun, "plain.ipynb")) as NbJson;
    expect(nb.cells[1]?.outputs?.[0]?.text?.join("")).toBe("42\n");
  }, 180_000);

  it("the notebook's `%track experiment` line names the parent's experiment, where compare finds the cell runs", async () => {
    const file = notebook("named.ipynb", "python3", [
      code("%track experiment headless-named"),
      code("%%track first --metrics acc\nacc = 0.5"),
      code("%%track second --metrics acc\nacc = 0.7"),
      code("%track compare --last 2 --metrics acc"),
    ]);
    const r = await run([file, "-o", join(dir, "named-out.ipynb")]);
    expect(r.code, r.stderr).toBe(0);
    const runs = await experimentRuns("headless-named");
    expect(runs.map((x) => x.info.run_name).sort()).toEqual(["first", "named", "second"]);
    const out = JSON.parse(readFileSync(join(dir, "named-out.ipynb"), "utf8")) as NbJson;
    const compare = out.cells[3]?.outputs ?? [];
    expect(compare.some((o) => o.output_type === "display_data")).toBe(true);
    expect(compare.some((o) => o.output_type === "error")).toBe(false);
    // --experiment wins over the notebook's line, and compare follows it.
    const again = await run([file, "--experiment", "headless-override"]);
    expect(again.code, again.stderr).toBe(0);
    expect((await experimentRuns("headless-override")).map((x) => x.info.run_name).sort()).toEqual([
      "first",
      "named",
      "second",
    ]);
  }, 180_000);

  it("sweeps a 2×2 grid two kernels at a time: a parent run per point, a table by the metric", async () => {
    const file = notebook("sweep.ipynb", "python3", [
      code("lr = 0.1\nbatch = 8", ["parameters"]),
      code("%%track point --params lr,batch --metrics score\nscore = lr * batch"),
    ]);
    const r = await run([
      file,
      "--experiment",
      "headless-sweep",
      "--sweep",
      "lr=0.1,0.2",
      "--sweep",
      "batch=32,64",
      "--parallel",
      "2",
      "--metric",
      "score",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const runs = await experimentRuns("headless-sweep");
    const parents = runs.filter((x) => !tag(x, "mlflow.parentRunId"));
    const children = runs.filter((x) => tag(x, "mlflow.parentRunId"));
    expect(parents).toHaveLength(4);
    expect(children).toHaveLength(4);
    const points = parents.map((p) => `${param(p, "lr")}/${param(p, "batch")}`).sort();
    expect(points).toEqual(["0.1/32", "0.1/64", "0.2/32", "0.2/64"]);
    const scores = children.map((c) => metric(c, "score")).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(scores).toEqual([3.2, 6.4, 6.4, 12.8]);
    expect(r.stdout).toMatch(/lr\s+batch\s+status\s+score/);
    expect(r.stdout).toContain("4/4 points finished");
  }, 300_000);

  it("Ctrl-C during a sweep: the running point KILLED, the points not started are not started", async () => {
    const file = notebook("sweep-stop.ipynb", "python3", [
      code("n = 1", ["parameters"]),
      code("%%track sleeper\nimport time\ntime.sleep(120)"),
    ]);
    const experiment = "headless-sweep-stop";
    const { child, exited } = launch([file, "--experiment", experiment, "--sweep", "n=1,2,3"]);
    expect(await runAppears(experiment, "sleeper")).toBe(true);
    child.kill("SIGINT");
    const r = await exited;
    expect(r.code).toBe(130);
    const runs = await experimentRuns(experiment);
    expect(runs.map((x) => x.info.status)).toEqual(["KILLED", "KILLED"]);
    expect(r.stdout.match(/NOT RUN/g)).toHaveLength(2);
    expect(processesOf(file)).toEqual([]);
  }, 180_000);

  it("a failed sweep point does not stop the others; the exit code says not all succeeded", async () => {
    const file = notebook("sweep-fail.ipynb", "python3", [
      code("n = 1", ["parameters"]),
      code("%%track p --metrics n\nassert n != 2"),
    ]);
    const r = await run([file, "--experiment", "headless-sweep-fail", "--sweep", "n=1,2,3"]);
    expect(r.code).toBe(1);
    const parents = (await experimentRuns("headless-sweep-fail")).filter(
      (x) => !tag(x, "mlflow.parentRunId"),
    );
    expect(parents.map((p) => `${param(p, "n")}:${p.info.status}`).sort()).toEqual([
      "1:FINISHED",
      "2:FAILED",
      "3:FINISHED",
    ]);
    expect(r.stdout).toContain("2/3 points finished");
  }, 300_000);
});

describe("labtrack run: the notebook's path and --output", () => {
  it("the runs' notebook path is relative to the notebook's git work tree from any folder, else to its folder; --root-dir chooses", async () => {
    // A git work tree as git leaves it: HEAD naming a branch whose ref holds the commit.
    const commit = "0123456789abcdef0123456789abcdef01234567";
    mkdirSync(join(dir, "repo/.git/refs/heads"), { recursive: true });
    writeFileSync(join(dir, "repo/.git/HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(dir, "repo/.git/refs/heads/main"), `${commit}\n`);
    mkdirSync(join(dir, "repo/elsewhere"), { recursive: true });
    const cells = [code("%%track fit --metrics n\nn = 1")];
    const inRepo = notebook("repo/nbs/where.ipynb", "python3", cells);
    const paths = async (experiment: string) =>
      (await experimentRuns(experiment)).map((r) => ({
        parent: tag(r, "mlflow.parentRunId") !== undefined,
        path: tag(r, "labtrack.notebook.path"),
        source: tag(r, "mlflow.source.name"),
      }));
    // Started above the work tree and inside it, in another folder: the same path, the Lab's.
    for (const [cwd, experiment] of [
      [dir, "path-repo-above"],
      [join(dir, "repo/elsewhere"), "path-repo-inside"],
    ] as const) {
      const r = await run([inRepo, "--experiment", experiment], {}, cwd);
      expect(r.code, r.stderr).toBe(0);
      const found = await paths(experiment);
      expect(found).toHaveLength(2);
      for (const f of found) expect(f).toMatchObject({ path: "nbs/where.ipynb", source: "nbs/where.ipynb" });
      const parent = (await experimentRuns(experiment)).find((x) => !tag(x, "mlflow.parentRunId"));
      expect(parent && tag(parent, "mlflow.source.git.commit")).toBe(commit);
    }
    // The Lab's numbering follows the path: the second execution's runs are `#2`s, from any folder.
    const again = await run([inRepo, "--experiment", "path-repo-above"], {}, join(dir, "repo"));
    expect(again.code, again.stderr).toBe(0);
    expect((await experimentRuns("path-repo-above")).map((x) => x.info.run_name).sort()).toEqual([
      "fit",
      "fit #2",
      "where",
      "where #2",
    ]);

    // No work tree: the path is the notebook's name, whatever folder labtrack runs in.
    const loose = notebook("loose/deep/where.ipynb", "python3", cells);
    const r = await run([loose, "--experiment", "path-loose"], {}, dir);
    expect(r.code, r.stderr).toBe(0);
    expect((await paths("path-loose")).map((f) => f.path)).toEqual(["where.ipynb", "where.ipynb"]);
    // --root-dir: relative to it, as to a Jupyter server's root.
    const rooted = await run([loose, "--experiment", "path-rooted", "--root-dir", "loose"], {}, dir);
    expect(rooted.code, rooted.stderr).toBe(0);
    expect((await paths("path-rooted")).map((f) => f.path)).toEqual(["deep/where.ipynb", "deep/where.ipynb"]);
    const outside = await run([loose, "--root-dir", join(dir, "repo")], {}, dir);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("does not hold the notebook");
  }, 180_000);

  it("--output with --sweep writes each point's executed notebook: papermill's {name} pattern, or a folder", async () => {
    const file = notebook("swept.ipynb", "python3", [
      code("lr = 0.1\nbatch = 8", ["parameters"]),
      code("print(lr * batch)"),
    ]);
    const grid = ["--sweep", "lr=0.5,0.25", "--sweep", "batch=4", "--parallel", "2"];
    const r = await run([file, "--experiment", "sweep-out", ...grid, "-o", "out/{lr}-{batch}.ipynb"]);
    expect(r.code, r.stderr).toBe(0);
    const parents = await experimentRuns("sweep-out");
    expect(parents).toHaveLength(2);
    for (const [lr, printed] of [
      ["0.5", "2.0\n"],
      ["0.25", "1.0\n"],
    ]) {
      const written = JSON.parse(readFileSync(join(dir, `out/${lr}-4.ipynb`), "utf8")) as NbJson;
      expect(written.cells[1]?.source.join("")).toBe(`# Parameters\nlr = ${lr}\nbatch = 4`);
      expect(written.cells[2]?.outputs?.[0]?.text?.join("")).toBe(printed);
      // The file is the notebook the point's parent run logged.
      const parent = parents.find((p) => param(p, "lr") === lr) as WireRun;
      expect(JSON.parse(await artifactText(parent, "swept.ipynb"))).toEqual(written);
    }

    const folder = await run([file, "--experiment", "sweep-out-folder", ...grid, "-o", "executed/"]);
    expect(folder.code, folder.stderr).toBe(0);
    expect(readdirSync(join(dir, "executed")).sort()).toEqual([
      "swept_lr=0.25_batch=4.ipynb",
      "swept_lr=0.5_batch=4.ipynb",
    ]);

    // Points that would overwrite one file, an unknown name: exit 2, nothing run.
    const same = await run([file, "--experiment", "sweep-out-bad", ...grid, "-o", "one.ipynb"]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain("names the same file");
    const unknown = await run([file, "--experiment", "sweep-out-bad", ...grid, "-o", "{nope}.ipynb"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no parameter named "nope"');
    expect(await experimentRuns("sweep-out-bad")).toEqual([]);
  }, 240_000);
});

describe("labtrack run: bad input", () => {
  it("a missing file, a file that is not a notebook, an unknown kernel: exit 2 and a sentence", async () => {
    const missing = await run([join(dir, "nope.ipynb")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
    writeFileSync(join(dir, "text.ipynb"), "hello");
    const text = await run([join(dir, "text.ipynb")]);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("is not a notebook");
    const file = notebook("k.ipynb", "python3", [code("1")]);
    const unknown = await run([file, "--kernel", "cobol"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no kernel named "cobol"');
    expect(unknown.stderr).toContain("python3");
  }, 60_000);

  it("an unreachable tracking server: exit 2 before any cell runs", async () => {
    const file = notebook("unreachable.ipynb", "python3", [code("open('ran.txt', 'w').write('x')")]);
    const r = await run([file, "--tracking-uri", "http://127.0.0.1:9"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot use the tracking server at http://127.0.0.1:9");
    expect(r.stderr).toContain("no cell was run");
    expect(readdirSync(dir)).not.toContain("ran.txt");
  }, 60_000);

  it("a parameter for a notebook without a parameters cell: a warning, injected at the top, and on", async () => {
    const file = notebook("noparams.ipynb", "python3", [code("print(k * 2)")]);
    const out = join(dir, "noparams.out.ipynb");
    const r = await run([file, "-p", "k=21", "--experiment", "headless-noparams", "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no cell tagged "parameters"');
    const nb = JSON.parse(readFileSync(out, "utf8")) as NbJson;
    expect(nb.cells[1]?.outputs?.[0]?.text?.join("")).toBe("42\n");
  }, 120_000);

  it("a malformed magic: the cell's usage error, no run started for it, exit 1", async () => {
    const file = notebook("malformed.ipynb", "python3", [code("%%track --bogus\nprint('no')")]);
    const out = join(dir, "malformed.out.ipynb");
    const r = await run([file, "--experiment", "headless-malformed", "-o", out]);
    expect(r.code).toBe(1);
    const runs = await experimentRuns("headless-malformed");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.info.status).toBe("FAILED");
    const nb = JSON.parse(readFileSync(out, "utf8")) as NbJson;
    expect(nb.cells[0]?.outputs?.[0]?.ename).toBe("UsageError");
  }, 120_000);

  it("an artifact store that cannot be written: the cell's run still FINISHED with its values, the lost source said in the cell", async () => {
    // The cell's source is uploaded while the run ends (not before): its failure must neither fail
    // the run whose code succeeded nor lose what the cell logged.
    const blocker = join(dir, "not-a-directory");
    writeFileSync(blocker, "a file where the artifact root should be\n");
    const broken = await startServer({ args: ["--artifacts-destination", join(blocker, "artifacts")] });
    try {
      const file = notebook("no-artifacts.ipynb", "python3", [code("%%track fit --metrics x\nx = 2")]);
      const out = join(dir, "no-artifacts.out.ipynb");
      const r = await run([file, "--experiment", "headless-no-artifacts", "-o", out], {
        MLFLOW_TRACKING_URI: broken.url,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("the executed notebook could not be logged");
      const brokenClient = new RestClient({ trackingUri: broken.url, retries: 0 });
      const exp = await brokenClient.getExperimentByName("headless-no-artifacts");
      const { runs } = await brokenClient.searchRuns([exp?.experiment_id ?? ""], { viewType: "ALL" });
      const cell = runs.find((x) => tag(x, "mlflow.parentRunId")) as WireRun;
      expect(cell.info.status).toBe("FINISHED");
      expect(metric(cell, "x")).toBe(2);
      const outputs = (JSON.parse(readFileSync(out, "utf8")) as NbJson).cells[0]?.outputs ?? [];
      expect(outputs.map((o) => o.output_type)).toEqual(["stream", "display_data"]);
      expect(outputs[0]?.text?.join("")).toMatch(
        /^labtrack: the cell's source could not be saved with the run: .*ENOTDIR/s,
      );
      expect(((outputs[1]?.data?.["text/plain"] as string[] | undefined) ?? []).join("")).toContain(
        '"fit" FINISHED',
      );
    } finally {
      await broken.dispose();
    }
  }, 120_000);
});
