// The client entry must load in a browser: nothing it imports statically, however deep, may be a
// node:* module (Node-only helpers load theirs on demand).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../src/client/index.ts");

function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  // `import type` and `export type` vanish at compile time; only value imports reach a bundle.
  const re = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?["']([^"']+)["']/gm;
  for (const m of text.matchAll(re)) specifiers.push(m[1] as string);
  return specifiers;
}

it("src/client/index.ts reaches no node:* module statically", () => {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else external.add(spec);
    }
  };
  visit(ROOT);
  expect(seen.size).toBeGreaterThan(10);
  expect([...external].sort()).toEqual(["yaml"]);
});
