// `%track metrics … --step` in a %%track cell logs once, after the cell: the note that says so, and
// points to per-step logging from the loop, in the kernel's language.
import { describe, expect, it } from "vitest";
import { parseLine } from "../../src/magics/index.js";
import type { MetricsCommand } from "../../src/magics/types.js";
import { stepNote } from "../../src/tracking/commands.js";

const metrics = (line: string): MetricsCommand => {
  const parsed = parseLine(line);
  if (!("command" in parsed) || parsed.command !== "metrics") throw new Error(`not a metrics line: ${line}`);
  return parsed;
};

const TRACKED =
  "%%track sweep\nfor epoch in range(20):\n    loss = train()\n%track metrics loss --step epoch\n";

describe("stepNote", () => {
  it("Python: says it logged once and names labtrack.log_metric with the line's own names", () => {
    expect(stepNote(metrics("%track metrics loss acc --step epoch"), "python", TRACKED, 19)).toBe(
      'labtrack: %track metrics logged once, after the cell (at step 19); for a value per step, call labtrack.log_metric("loss", loss, step=epoch) (import labtrack) inside the loop',
    );
  });

  it("TypeScript: names logMetric of the labtrack client; other kernels get both", () => {
    const c = metrics("%track metrics loss --step epoch");
    expect(stepNote(c, "javascript", TRACKED, 3)).toContain(
      'call logMetric("loss", loss, epoch) from "labtrack"',
    );
    const other = stepNote(c, "other", TRACKED, undefined) ?? "";
    expect(other).toContain('labtrack.log_metric("loss", loss, step=epoch) in Python');
    expect(other).toContain('logMetric("loss", loss, epoch) in TypeScript');
    expect(other).not.toContain("(at step");
  });

  it("says nothing without --step, outside a %%track cell, or for literals logged before the code", () => {
    expect(stepNote(metrics("%track metrics loss"), "python", TRACKED, undefined)).toBeNull();
    const plain = "for epoch in range(3):\n    pass\n%track metrics loss --step epoch\n";
    expect(stepNote(metrics("%track metrics loss --step epoch"), "python", plain, 2)).toBeNull();
    expect(stepNote(metrics("%track metrics acc=0.9 --step 10"), "python", TRACKED, 10)).toBeNull();
    expect(stepNote(metrics("%track metrics acc --step 10"), "python", TRACKED, 10)).toContain(
      'labtrack.log_metric("acc", acc, step=10)',
    );
  });
});
