// The registry view's pure parts (filters, quoting, version order, aliases) and its model against a
// real tracking server: name search with paging, a model's details and versions, every action
// reaching the server, and errors (an invalid alias, a missing model) turned into messages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import type { WireModelVersion } from "../../src/client/wire.js";
import { MODELS_PAGE_SIZE, ModelsModel } from "../../src/lab/models/model.js";
import {
  aliasesByVersion,
  latestVersion,
  nameFilter,
  quoteValue,
  sortVersions,
  versionsFilter,
} from "../../src/lab/models/queries.js";
import { type RunningServer, startServer } from "../helpers/server.js";

const v = (version: string, aliases?: string[]): WireModelVersion => ({ name: "m", version, aliases });

describe("registry queries", () => {
  it("quotes values with the quote they do not contain", () => {
    expect(quoteValue("abc")).toBe("'abc'");
    expect(quoteValue("it's")).toBe(`"it's"`);
    expect(quoteValue(`it's "x"`)).toBeNull();
    expect(nameFilter("  ")).toBeUndefined();
    expect(nameFilter("res")).toBe("name ILIKE '%res%'");
    expect(nameFilter(`o'neil`)).toBe(`name ILIKE "%o'neil%"`);
    expect(versionsFilter("m")).toBe("name = 'm'");
    expect(versionsFilter(`a'"b`)).toBeNull();
  });

  it("orders versions newest first, numerically, and gathers aliases per version", () => {
    expect(sortVersions([v("9"), v("10"), v("1")]).map((x) => x.version)).toEqual(["10", "9", "1"]);
    const aliases = aliasesByVersion({ aliases: [{ alias: "prod", version: "2" }] }, [
      v("2", ["champ", "prod"]),
    ]);
    expect(aliases.get("2")).toEqual(["champ", "prod"]);
    expect(latestVersion({ name: "m", latest_versions: [v("3"), v("12")] })).toBe("12");
  });
});

let server: RunningServer;
let client: RestClient;
let runId: string;

beforeAll(async () => {
  server = await startServer();
  client = new RestClient({ trackingUri: server.url });
  const experimentId = await client.createExperiment("models");
  runId = (await client.createRun({ experimentId, runName: "trainer" })).info.run_id;
  for (let i = 0; i < MODELS_PAGE_SIZE + 5; i++)
    await client.createRegisteredModel(`bulk-${String(i).padStart(3, "0")}`);
  await client.createRegisteredModel("resnet", { description: "an image model", tags: { team: "vision" } });
  for (let i = 0; i < 3; i++)
    await client.createModelVersion("resnet", `runs:/${runId}/model`, { runId, tags: { n: String(i) } });
}, 120_000);

afterAll(async () => {
  await server?.dispose();
});

const source = () => ({ client, uri: server.url });

describe("ModelsModel against a tracking server", () => {
  it("searches by name, pages forward and back", async () => {
    const model = new ModelsModel(source());
    await model.search("");
    expect(model.listState).toBe("ready");
    expect(model.models).toHaveLength(MODELS_PAGE_SIZE);
    expect(model.models[0]?.name).toBe("bulk-000");
    expect(model.hasNext).toBe(true);
    expect(model.hasPrevious).toBe(false);
    await model.nextPage();
    expect(model.page).toBe(1);
    expect(model.models.map((m) => m.name)).toContain("resnet");
    expect(model.hasNext).toBe(false);
    await model.previousPage();
    expect(model.models[0]?.name).toBe("bulk-000");
    await model.search("RESN");
    expect(model.models.map((m) => m.name)).toEqual(["resnet"]);
    expect(model.page).toBe(0);
    model.dispose();
  });

  it("shows a model's details and versions, newest first", async () => {
    const model = new ModelsModel(source());
    await model.select("resnet");
    expect(model.detailState).toBe("ready");
    expect(model.detail?.description).toBe("an image model");
    expect(model.detail?.tags).toEqual([{ key: "team", value: "vision" }]);
    expect(model.versions.map((x) => x.version)).toEqual(["3", "2", "1"]);
    expect(model.versions[0]?.run_id).toBe(runId);
    model.dispose();
  });

  it("transitions stages (archiving the others), sets and deletes aliases and tags on the server", async () => {
    const model = new ModelsModel(source());
    await model.select("resnet");
    expect(await model.transition("1", "Production", false)).toBe(true);
    expect(await model.transition("2", "Production", true)).toBe(true);
    expect(model.message).toEqual({ kind: "success", text: expect.stringContaining("Production") });
    expect((await client.getModelVersion("resnet", "1")).current_stage).toBe("Archived");
    expect((await client.getModelVersion("resnet", "2")).current_stage).toBe("Production");
    expect(model.versions.find((x) => x.version === "2")?.current_stage).toBe("Production");

    expect(await model.setAlias("champion", "2")).toBe(true);
    expect((await client.getModelVersionByAlias("resnet", "champion")).version).toBe("2");
    expect(aliasesByVersion(model.detail, model.versions).get("2")).toEqual(["champion"]);
    expect(await model.deleteAlias("champion")).toBe(true);
    expect(model.detail?.aliases ?? []).toEqual([]);

    expect(await model.setModelTag("owner", "ana")).toBe(true);
    expect((await client.getRegisteredModel("resnet")).tags).toContainEqual({ key: "owner", value: "ana" });
    expect(await model.deleteModelTag("owner")).toBe(true);
    expect(model.detail?.tags?.some((t) => t.key === "owner")).toBe(false);

    expect(await model.setVersionTag("3", "checked", "yes")).toBe(true);
    expect((await client.getModelVersion("resnet", "3")).tags).toContainEqual({
      key: "checked",
      value: "yes",
    });
    expect(await model.deleteVersionTag("3", "checked")).toBe(true);
    expect(model.versions.find((x) => x.version === "3")?.tags?.some((t) => t.key === "checked")).toBe(false);
    model.dispose();
  });

  it("turns server errors into messages: an invalid alias, a missing version, a missing model", async () => {
    const model = new ModelsModel(source());
    await model.select("resnet");
    expect(await model.setAlias("bad alias!", "1")).toBe(false);
    expect(model.message?.kind).toBe("error");
    expect(model.message?.text).toMatch(/alias/i);
    expect(model.busy).toBe(false);
    expect(await model.setAlias("ok", "99")).toBe(false);
    expect(model.message?.kind).toBe("error");
    model.dismissMessage();
    expect(model.message).toBeNull();
    await model.select("no-such-model");
    expect(model.detailState).toBe("error");
    expect(model.detailError?.detail).toMatch(/no-such-model/);
    model.dispose();
  });
});
