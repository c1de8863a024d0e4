// Help text: complete, and consistent with what the parser accepts.
import { describe, expect, it } from "vitest";
import { LINE_COMMANDS, TRACK_CELL } from "../../src/magics/commands.js";
import { helpText, isUsageError, parseCellMagic, parseLine } from "../../src/magics/index.js";

const specs = [TRACK_CELL, ...LINE_COMMANDS];

describe("helpText", () => {
  it("lists every command in the overview, with the quoting rules", () => {
    const text = helpText();
    expect(text).toMatch(/^Labtrack magics/);
    expect(text).toContain("%%track [RUN_NAME] [options]");
    for (const c of LINE_COMMANDS) expect(text).toContain(`%track ${c.topic}`);
    expect(text).toContain("'single quotes' are literal");
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });

  it.each(specs.map((s) => [s.topic, s]))(
    "describes %s with its usage, options and examples",
    (topic, spec) => {
      const text = helpText(topic);
      expect(text.startsWith(`Usage: ${spec.usage.split("\n")[0]}`)).toBe(true);
      for (const o of spec.options) expect(text).toContain(`--${o.name}`);
      for (const e of spec.examples) expect(text).toContain(e);
    },
  );

  it.each([
    ["%%track", "Usage: %%track"],
    ["track", "Usage: %%track"],
    ["%track runs", "Usage: %track runs"],
    [" tags ", "Usage: %track tag "],
    ["PARAM", "Usage: %track params"],
  ])("accepts %j as a topic", (topic, start) => {
    expect(helpText(topic).startsWith(start)).toBe(true);
  });

  it("metrics: says it logs once, after the cell, and how to log per step from the loop", () => {
    const text = helpText("metrics");
    expect(text).toContain("It logs once, after the cell");
    expect(text).toContain('labtrack.log_metric("loss", loss, step=epoch) in Python');
    expect(text).toContain('logMetric("loss", loss, epoch) from "labtrack" in TypeScript');
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });

  it("says so for an unknown topic and shows the overview", () => {
    expect(helpText("nope")).toMatch(/^No command "nope"\.\n\nLabtrack magics/);
  });

  it.each(specs.map((s) => [s.topic, s]))(
    "%s: usage names every option and the parser knows each",
    (_topic, spec) => {
      for (const o of spec.options) expect(spec.usage).toContain(`--${o.name}`);
      for (const flag of spec.usage.match(/--[a-z-]+/g) ?? []) {
        expect(spec.options.map((o) => `--${o.name}`)).toContain(flag);
      }
    },
  );

  it.each(specs.flatMap((s) => s.examples.map((e) => [e])))("example %s parses", (example) => {
    const result = example.startsWith("%%") ? parseCellMagic(example) : parseLine(example);
    expect(isUsageError(result)).toBe(false);
  });
});
