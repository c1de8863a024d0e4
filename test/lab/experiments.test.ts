// The sidebar's ExperimentsModel against a real tracking server: create (and a duplicate name's
// error), rename, delete and restore, tags, the filter over names and tags, the current notebook's
// experiment, keyboard neighbours. No browser: the model is the panel's whole state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import { TrackingConnection } from "../../src/lab/connection.js";
import { differingParams, ExperimentsModel, matchesFilter } from "../../src/lab/experiments/model.js";
import { TAGS } from "../../src/tracking/cell-run.js";
import { type RunningServer, startServer } from "../helpers/server.js";

let server: RunningServer;
let direct: RestClient;

beforeAll(async () => {
  server = await startServer();
  direct = new RestClient({ trackingUri: server.url });
});

afterAll(async () => {
  await server?.dispose();
});

/** A connection whose proxy is the tracking server itself (the Jupyter proxy has tests of its own). */
function connection(): TrackingConnection {
  const proxy = `${server.url}/labtrack/proxy`;
  return new TrackingConnection({
    proxyBase: `${server.url}/labtrack`,
    fetch: (input, init) => fetch(String(input).replace(proxy, server.url), init),
  });
}

async function ready(): Promise<ExperimentsModel> {
  const model = new ExperimentsModel(connection());
  await model.refresh();
  expect(model.state).toBe("ready");
  return model;
}

const names = (model: ExperimentsModel) => model.experiments.map((e) => e.name);

describe("ExperimentsModel edits", () => {
  it("creates an experiment and selects it; a duplicate name is an error kept for the panel", async () => {
    const model = await ready();
    const name = `create-${Date.now()}`;
    expect(await model.create(`  ${name} `)).toEqual({ ok: true });
    expect(names(model)).toContain(name);
    expect(model.selected?.name).toBe(name);
    expect(model.actionError).toBeNull();

    const again = await model.create(name);
    expect(again.ok).toBe(false);
    expect(model.actionError?.action).toBe(`Cannot create experiment "${name}"`);
    expect(model.actionError?.problem.summary).toMatch(/RESOURCE_ALREADY_EXISTS/);
    expect(model.actionError?.problem.detail).toContain(name);
    expect(names(model).filter((n) => n === name)).toHaveLength(1);
    model.dismissActionError();
    expect(model.actionError).toBeNull();

    const before = model.experiments.length;
    expect((await model.create("   ")).ok).toBe(false);
    expect(model.actionError?.problem.detail).toBe("Give the experiment a name.");
    expect(model.experiments).toHaveLength(before);
  });

  it("renames; a name already taken is refused and nothing changes", async () => {
    const model = await ready();
    const a = `rename-a-${Date.now()}`;
    const b = `rename-b-${Date.now()}`;
    const idA = await direct.createExperiment(a);
    await direct.createExperiment(b);
    await model.refresh();
    expect(await model.rename(idA, `${a}-new`)).toEqual({ ok: true });
    expect(model.find(idA)?.name).toBe(`${a}-new`);
    const clash = await model.rename(idA, b);
    expect(clash.ok).toBe(false);
    expect(model.actionError?.action).toBe(`Cannot rename experiment "${a}-new" to "${b}"`);
    expect(model.find(idA)?.name).toBe(`${a}-new`);
  });

  it("deletes (the list moves on), lists deleted experiments on request, and restores", async () => {
    const model = await ready();
    const name = `delete-${Date.now()}`;
    await model.create(name);
    const id = model.selectedId as string;
    expect(await model.remove(id)).toEqual({ ok: true });
    expect(names(model)).not.toContain(name);
    expect(model.selectedId).not.toBe(id);
    expect(model.deleted).toEqual([]);

    await model.setShowDeleted(true);
    expect(model.visibleDeleted.map((e) => e.name)).toContain(name);
    expect(model.find(id)?.lifecycle_stage).toBe("deleted");

    expect(await model.restore(id)).toEqual({ ok: true });
    expect(names(model)).toContain(name);
    expect(model.deleted.map((e) => e.name)).not.toContain(name);

    await model.setShowDeleted(false);
    expect(model.visibleDeleted).toEqual([]);
  });

  it("adds, edits (also the key), deletes tags; the filter matches tag keys and values", async () => {
    const model = await ready();
    const name = `tags-${Date.now()}`;
    await model.create(name);
    const id = model.selectedId as string;
    const tagsOf = () => Object.fromEntries((model.selected?.tags ?? []).map((t) => [t.key, t.value]));
    expect(await model.setTag(id, " team ", "vision")).toEqual({ ok: true });
    expect(tagsOf()).toMatchObject({ team: "vision" });
    await model.setTag(id, "group", "vision-2", "team");
    expect(tagsOf()).toMatchObject({ group: "vision-2" });
    expect(tagsOf()).not.toHaveProperty("team");
    expect((await model.setTag(id, "", "x")).ok).toBe(false);

    model.setFilter("VISION-2");
    expect(model.visibleExperiments.map((e) => e.name)).toEqual([name]);
    model.setFilter("group");
    expect(model.visibleExperiments.map((e) => e.name)).toEqual([name]);
    model.setFilter(name.toUpperCase());
    expect(model.visibleExperiments.map((e) => e.name)).toEqual([name]);
    model.setFilter("");

    expect(await model.deleteTag(id, "group")).toEqual({ ok: true });
    expect(tagsOf()).not.toHaveProperty("group");
  });

  it("turns failures of other views' commands into a panel message", async () => {
    const model = await ready();
    model.fail("Cannot open run", new Error("Command 'labtrack:open-run' not registered."));
    expect(model.actionError).toEqual({
      action: "Cannot open run",
      problem: { summary: "error", detail: "Command 'labtrack:open-run' not registered." },
    });
  });
});

describe("ExperimentsModel current experiment and navigation", () => {
  it("marks the current notebook's experiment, and reloads when %track just created it", async () => {
    const model = await ready();
    const name = `current-${Date.now()}`;
    await direct.createExperiment(`${name}-other`);
    await model.refresh();
    model.setCurrent(`${name}-other`, "default");
    expect(model.currentExperiment?.name).toBe(`${name}-other`);
    expect(model.current).toEqual({ name: `${name}-other`, source: "default" });

    // `%track experiment NAME` creates the experiment, then the notebook's metadata names it.
    await direct.createExperiment(name);
    model.setCurrent(name, "notebook");
    await expect.poll(() => model.currentExperiment?.name).toBe(name);

    model.setCurrent(null);
    expect(model.currentExperiment).toBeUndefined();
  });

  it("selects the current experiment first when nothing is selected", async () => {
    const name = `prefer-${Date.now()}`;
    await direct.createExperiment(name);
    await direct.createExperiment(`${name}-newer`);
    const model = new ExperimentsModel(connection());
    model.setCurrent(name);
    await model.refresh();
    expect(model.selected?.name).toBe(name);
  });

  it("moves through the filtered list for the arrow keys, clamped at both ends", async () => {
    const model = await ready();
    const stem = `nav-${Date.now()}`;
    for (const n of ["a", "b", "c"]) await direct.createExperiment(`${stem}-${n}`);
    await model.refresh();
    model.setFilter(stem);
    expect(model.visibleExperiments.map((e) => e.name)).toEqual([`${stem}-a`, `${stem}-b`, `${stem}-c`]);
    const first = model.visibleExperiments[0]?.experiment_id as string;
    await model.select(first);
    expect(model.neighbour(-1)?.name).toBe(`${stem}-a`);
    expect(model.neighbour(1)?.name).toBe(`${stem}-b`);
    await model.select(model.neighbour(2)?.experiment_id as string);
    expect(model.selected?.name).toBe(`${stem}-c`);
    expect(model.neighbour(1)?.name).toBe(`${stem}-c`);
  });

  it("matchesFilter: empty text matches everything", () => {
    const exp = { experiment_id: "1", name: "x", artifact_location: "", lifecycle_stage: "active" as const };
    expect(matchesFilter(exp, "  ")).toBe(true);
    expect(matchesFilter(exp, "y")).toBe(false);
  });
});

describe("ExperimentsModel loading", () => {
  it("says its runs are loading between a selection and their answer", async () => {
    const model = await ready();
    const id = await direct.createExperiment(`loading-${Date.now()}`);
    await model.refresh();
    const seen: boolean[] = [];
    model.changed.connect(() => seen.push(model.runsLoading));
    await model.select(id);
    expect(seen[0]).toBe(true);
    expect(model.runsLoading).toBe(false);
  });
});

describe("ExperimentsModel run rows", () => {
  it("carry a failed run's error and the params that tell the listed runs apart", async () => {
    const model = await ready();
    const experimentId = await direct.createExperiment(`rows-${Date.now()}`);
    const run = async (name: string, params: Record<string, string>, tags: Record<string, string> = {}) => {
      const r = await direct.createRun({ experimentId, runName: name, tags });
      await direct.logBatch(r.info.run_id, {
        params: Object.entries(params).map(([key, value]) => ({ key, value })),
      });
      return r.info.run_id;
    };
    await run("logreg", { lr: "0.1", C: "1", solver: "lbfgs" });
    await run("logreg #2", { lr: "0.01", C: "1", solver: "lbfgs" });
    const failed = await run(
      "logreg #3",
      { lr: "0.01", C: "3", solver: "lbfgs", seed: "7" },
      { [TAGS.errorName]: "ZeroDivisionError", [TAGS.errorMessage]: "division by zero" },
    );
    await model.select(experimentId);
    const rows = new Map(model.runs.map((r) => [r.name, r]));
    expect(rows.get("logreg #3")?.runId).toBe(failed);
    expect(rows.get("logreg #3")?.error).toBe("ZeroDivisionError: division by zero");
    expect(rows.get("logreg")?.error).toBeUndefined();
    // solver is the same everywhere: not shown; seed only one run has: shown there.
    const differing = differingParams(model.runs);
    const of = (name: string) => differing.get(rows.get(name)?.runId as string);
    expect(of("logreg")).toEqual(["C=1", "lr=0.1"]);
    expect(of("logreg #2")).toEqual(["C=1", "lr=0.01"]);
    expect(of("logreg #3")).toEqual(["C=3", "lr=0.01", "seed=7"]);
    // A single run has nothing to tell it apart from.
    expect(differingParams(model.runs.slice(0, 1)).get(failed)).toEqual([]);
  });
});
