// schema/plugin.json against the code: the context menus, key bindings and toolbar items it declares
// (which the Settings Editor shows and users rebind) name commands that exist, and the settings'
// defaults the Lab falls back to are the schema's.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CommandIds } from "../../src/lab/command-ids.js";
import { DEFAULT_SETTINGS, readSettings } from "../../src/lab/settings.js";

const ROOT = resolve(import.meta.dirname, "../..");

interface Entry {
  command?: unknown;
  selector?: unknown;
  keys?: unknown;
}

interface Schema {
  properties: Record<string, { default?: unknown; minimum?: number; maximum?: number }>;
  "jupyter.lab.menus"?: { context?: Entry[] };
  "jupyter.lab.shortcuts"?: Entry[];
  "jupyter.lab.toolbars"?: Record<string, Entry[]>;
}

const schema = JSON.parse(readFileSync(join(ROOT, "schema/plugin.json"), "utf8")) as Schema;
const commands = new Set<string>(Object.values(CommandIds));

describe("schema/plugin.json", () => {
  const context = schema["jupyter.lab.menus"]?.context ?? [];
  const shortcuts = schema["jupyter.lab.shortcuts"] ?? [];
  const toolbars = Object.values(schema["jupyter.lab.toolbars"] ?? {}).flat();

  it("declares the context menus and key bindings", () => {
    expect(context.length).toBeGreaterThan(0);
    expect(shortcuts.length).toBeGreaterThan(0);
  });

  it.each([
    ["context menu entries", context],
    ["key bindings", shortcuts],
    ["toolbar items", toolbars],
  ])("its %s name existing commands, each on a selector", (_, entries) => {
    const unknown = entries.filter((e) => typeof e.command !== "string" || !commands.has(e.command));
    expect(unknown).toEqual([]);
    const unplaced = entries.filter(
      (e) => e !== undefined && "selector" in e && (typeof e.selector !== "string" || !e.selector.trim()),
    );
    expect(unplaced).toEqual([]);
  });

  it("binds each key once per selector", () => {
    const keys = shortcuts.map((s) => `${String(s.selector)} ${JSON.stringify(s.keys)}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(shortcuts.every((s) => Array.isArray(s.keys) && s.keys.length > 0)).toBe(true);
  });

  it("every command of the table is distinct", () => {
    expect(commands.size).toBe(Object.keys(CommandIds).length);
  });

  it("is where the settings' defaults and limits come from", () => {
    const p = schema.properties;
    expect(DEFAULT_SETTINGS).toEqual({
      trackingUri: p.trackingUri?.default,
      defaultExperiment: p.defaultExperiment?.default,
      refreshIntervalS: p.refreshInterval?.default,
      requestTimeoutS: p.requestTimeout?.default,
    });
    const over = (p.requestTimeout?.maximum ?? 0) + 1;
    const { settings, problems } = readSettings({ requestTimeout: over });
    expect(settings.requestTimeoutS).toBe(p.requestTimeout?.default);
    expect(problems.join(" ")).toContain(
      `between ${p.requestTimeout?.minimum} and ${p.requestTimeout?.maximum}`,
    );
  });
});

describe("command ids", () => {
  /** Every .ts file of src/lab. */
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );

  it("are written only in src/lab/command-ids.ts: the code registers and runs them by name", () => {
    const literal = /\b(?:addCommand|execute|hasCommand|notifyCommandChanged|addItem)\(\s*["'`]labtrack:/;
    const command = /\bcommand:\s*["'`]labtrack:/;
    const offenders = files(join(ROOT, "src/lab"))
      .filter((f) => !f.endsWith("command-ids.ts"))
      .filter((f) => {
        const text = readFileSync(f, "utf8");
        return literal.test(text) || command.test(text);
      })
      .map((f) => f.slice(ROOT.length + 1));
    expect(offenders).toEqual([]);
  });
});
