// `--output` of `labtrack run`: papermill's {name} placeholders, a folder, and the bad input refused
// before anything runs (an unknown name, sweep points that would overwrite one file).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sweepGrid } from "../../src/cli/run.js";
import { outputPaths } from "../../src/cli/run-output.js";

const dir = mkdtempSync(join(tmpdir(), "labtrack-run-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const nb = join(dir, "train.ipynb");

/** The points of a sweep as run.ts makes them: the fixed parameters, then the point's values. */
const points = (fixed: Record<string, string | number>, ...sweeps: string[]) =>
  sweepGrid(sweeps).map((point) => ({ params: { ...fixed, ...point }, swept: point }));

describe("--output", () => {
  it("formats {name} with each point's parameters, as papermill formats its output path", () => {
    const paths = outputPaths(
      join(dir, "out/{lr}-{batch}.ipynb"),
      nb,
      points({ epochs: 3 }, "lr=0.1,0.2", "batch=32"),
    );
    expect(paths).toEqual([join(dir, "out/0.1-32.ipynb"), join(dir, "out/0.2-32.ipynb")]);
    // Parameters that are not swept can be named too; {{ and }} are braces.
    expect(outputPaths(join(dir, "{{e{epochs}}}.ipynb"), nb, points({ epochs: 3 }))).toEqual([
      join(dir, "{e3}.ipynb"),
    ]);
  });

  it("a plain file for one execution, relative to the current folder", () => {
    expect(outputPaths("executed.ipynb", nb, points({}))).toEqual([join(process.cwd(), "executed.ipynb")]);
  });

  it("a folder (existing, or ending in \"/\") receives the notebook's name, plus the point's values in a sweep", () => {
    expect(outputPaths(dir, nb, points({}))).toEqual([join(dir, "train.ipynb")]);
    expect(outputPaths(join(dir, "new/"), nb, points({ k: 1 }, "lr=0.1,0.2", "opt=adam"))).toEqual([
      join(dir, "new/train_lr=0.1_opt=adam.ipynb"),
      join(dir, "new/train_lr=0.2_opt=adam.ipynb"),
    ]);
  });

  it("values never leave the folder: separators and names of dots are replaced", () => {
    const paths = outputPaths(join(dir, "x/{a}/{b}.ipynb"), nb, points({}, "a=../up,..", "b=c/d"));
    expect(paths).toEqual([join(dir, "x/.._up/c_d.ipynb"), join(dir, "x/__/c_d.ipynb")]);
  });

  it("refuses an unknown name, a malformed placeholder, and points that would overwrite one file", () => {
    expect(() => outputPaths("out/{nope}.ipynb", nb, points({ lr: 1 }))).toThrow(
      'no parameter named "nope" (given: lr)',
    );
    expect(() => outputPaths("out/{lr:.2f}.ipynb", nb, points({ lr: 1 }))).toThrow(
      "is not a parameter placeholder",
    );
    expect(() => outputPaths("out/lr}.ipynb", nb, points({ lr: 1 }))).toThrow('a lone "}"');
    expect(() => outputPaths("out.ipynb", nb, points({}, "lr=1,2"))).toThrow(
      'names the same file (out.ipynb) for both sweep points: give a folder (ending in "/") or put the swept parameters in it ({lr})'.replace(
        "(out.ipynb)",
        `(${join(process.cwd(), "out.ipynb")})`,
      ),
    );
    expect(() => outputPaths("out/{lr}.ipynb", nb, points({}, "lr=1,2", "batch=3,4"))).toThrow(
      "for several sweep points",
    );
  });
});
