// The settings validators compiled at build (app/settings-validators.cjs, used by app/settings-plugin.js):
// the schemas the real Lab server sends are those compiled, byte for byte, so the page compiles none of
// them; and for every one the precompiled validator gives exactly what JupyterLab's DefaultSchemaValidator
// gives — the same composite and user data, the same errors for bad settings (issue 19).
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ISettingRegistry } from "@jupyterlab/settingregistry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM module without types
import { startLabtrack } from "../../app/launch.mjs";

const require = createRequire(import.meta.url);
const { compiled } = require("../../app/build/settings/index.cjs") as {
  compiled: Map<string, { key: string; name: string }>;
};
const { schemaKey } = require("../../app/schema-key.cjs") as { schemaKey: (schema: unknown) => string };

type Plugin = ISettingRegistry.IPlugin;
interface Validator {
  validateData(plugin: Plugin, populate?: boolean): unknown;
}
interface Precompiled extends Validator {
  compiledInPage: Set<string>;
}

// JupyterLab's setting registry imports @lumino/commands, whose @lumino/domutils reads three browser
// globals when it is loaded (navigator, document, Element), which Node lacks; the validators use none
// of them. Minimal stand-ins, in this test file's own context, set before the import.
const browserGlobals = {
  navigator: { platform: "Linux x86_64", userAgent: "Node.js" },
  document: { createElement: () => ({}), getElementById: () => null },
  Element: class {
    matches() {
      return false;
    }
  },
};
let DefaultSchemaValidator: new () => Validator;
let PrecompiledSchemaValidator: new () => Precompiled;

let lab: { labBase: string; token: string; stop(): Promise<void> };
let dataDir: string;
let served: Plugin[];

beforeAll(async () => {
  for (const [name, value] of Object.entries(browserGlobals))
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true });
  ({ DefaultSchemaValidator } = await import("@jupyterlab/settingregistry"));
  // @ts-expect-error -- plain ESM module without types
  ({ PrecompiledSchemaValidator } = await import("../../app/settings-plugin.js"));
  dataDir = mkdtempSync(join(tmpdir(), "labtrack-settings-"));
  lab = await startLabtrack({ dataDir, trackingPort: 0, labPort: 0, quiet: true });
  const answer = await fetch(`${lab.labBase.replace(/\/$/, "")}/lab/api/settings`, {
    headers: { authorization: `token ${lab.token}` },
  });
  served = ((await answer.json()) as { settings: Plugin[] }).settings;
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** What a validator makes of one plugin: its errors, or the data it populated. */
function outcome(validator: Validator, plugin: Plugin) {
  const copy = { ...plugin, data: { composite: {}, user: {} } } as Plugin;
  const errors = validator.validateData(copy, true);
  return errors ? { errors } : { data: copy.data };
}

describe("settings validators compiled at build", () => {
  it("every schema the Lab server sends, Labtrack's included, was compiled at build", () => {
    expect(served.length).toBeGreaterThan(30);
    const ids = served.map((p) => p.id);
    expect(ids).toContain("labtrack:plugin");
    for (const plugin of served) {
      expect(compiled.get(plugin.id)?.key, plugin.id).toBe(schemaKey(plugin.schema));
    }
  });

  it("gives the registry's own results: defaults filled, user data kept, nothing compiled in the page", () => {
    const ours = new PrecompiledSchemaValidator();
    const theirs = new DefaultSchemaValidator();
    for (const plugin of served) expect(outcome(ours, plugin), plugin.id).toEqual(outcome(theirs, plugin));
    expect([...ours.compiledInPage]).toEqual([]);
    const labtrack = served.find((p) => p.id === "labtrack:plugin") as Plugin;
    const filled = outcome(ours, { ...labtrack, raw: '{ "refreshInterval": 7 } // mine' }).data;
    expect(filled?.user).toEqual({ refreshInterval: 7 });
    expect(filled?.composite.refreshInterval).toBe(7);
    expect(Object.keys(filled?.composite ?? {}).length).toBeGreaterThan(1);
  });

  it("bad settings: the same errors as the registry's validator", () => {
    const ours = new PrecompiledSchemaValidator();
    const theirs = new DefaultSchemaValidator();
    const labtrack = served.find((p) => p.id === "labtrack:plugin") as Plugin;
    const notebook = served.find((p) => p.id === "@jupyterlab/notebook-extension:tracker") as Plugin;
    const cases: Plugin[] = [
      { ...labtrack, raw: '{ "refreshInterval": "soon" }' },
      { ...labtrack, raw: "{ refreshInterval: " },
      { ...notebook, raw: '{ "kernelShutdown": "yes", "maxNumberOutputs": -1 }' },
    ];
    for (const plugin of cases) {
      const mine = outcome(ours, plugin);
      expect(mine.errors, plugin.raw).toBeDefined();
      expect(mine).toEqual(outcome(theirs, plugin));
    }
    expect([...ours.compiledInPage]).toEqual([]);
  });

  it("a schema assembled in the page (other top-level defaults, as menus and shortcuts are) needs no compiling", () => {
    const ours = new PrecompiledSchemaValidator();
    // What JupyterLab gathers from other plugins' schemas into these defaults (empty in the files),
    // with fields left to the nested defaults (a menu's `disabled` and `mnemonic`).
    const gathered: Record<string, [string, unknown[]]> = {
      "@jupyterlab/mainmenu-extension:plugin": [
        "menus",
        [{ id: "jp-mainmenu-extra", label: "Extra", items: [{ command: "extra:run", rank: 1 }] }],
      ],
      "@jupyterlab/shortcuts-extension:shortcuts": [
        "shortcuts",
        [{ command: "extra:run", keys: ["Accel Shift K"], selector: "body" }],
      ],
    };
    for (const [id, [name, value]] of Object.entries(gathered)) {
      const plugin = served.find((p) => p.id === id) as Plugin;
      const properties = plugin.schema.properties as Record<string, Record<string, unknown>>;
      expect(properties[name]?.default, id).toEqual([]);
      const assembled = {
        ...plugin,
        schema: {
          ...plugin.schema,
          properties: { ...properties, [name]: { ...properties[name], default: value } },
        },
      } as Plugin;
      for (const raw of ["{}", JSON.stringify({ [name]: [] })]) {
        const mine = outcome(ours, { ...assembled, raw });
        expect(mine, `${id} ${raw}`).toEqual(outcome(new DefaultSchemaValidator(), { ...assembled, raw }));
        expect(mine.data?.composite[name], `${id} ${raw}`).toHaveLength(raw === "{}" ? 1 : 0);
      }
    }
    expect([...ours.compiledInPage]).toEqual([]);
  });

  it("a schema other than the one compiled (overrides, another extension) is compiled in the page", () => {
    const ours = new PrecompiledSchemaValidator();
    const labtrack = served.find((p) => p.id === "labtrack:plugin") as Plugin;
    const changed = {
      ...labtrack,
      schema: { ...labtrack.schema, properties: { extra: { type: "number", default: 3 } } },
    } as Plugin;
    const result = outcome(ours, changed);
    expect(result).toEqual(outcome(new DefaultSchemaValidator(), changed));
    expect(result.data?.composite.extra).toBe(3);
    expect([...ours.compiledInPage]).toEqual(["labtrack:plugin"]);
    const notObject = { ...labtrack, schema: { ...labtrack.schema, type: "array" } } as Plugin;
    const refused = outcome(ours, notObject);
    expect(refused.errors).toBeDefined();
    expect(refused).toEqual(outcome(new DefaultSchemaValidator(), notObject));
    const unknown = { ...changed, id: "someone:else" } as Plugin;
    expect(outcome(ours, unknown)).toEqual(outcome(new DefaultSchemaValidator(), unknown));
    expect([...ours.compiledInPage]).toEqual(["labtrack:plugin", "someone:else"]);
  });
});
