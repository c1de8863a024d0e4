// The layering DEVELOPERS.md promises, enforced: every import between src/'s top-level folders (and
// files) must be one the "may import" column of its Layout table allows. The allow-list is read from
// that table, so the document and the check cannot drift apart.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

/** `src/lab/` → `lab`, `src/errors.ts` → `errors`: the unit the table speaks of. */
function unitOfEntry(entry: string): string {
  const m = /^src\/([\w-]+)(\/|\.ts)$/.exec(entry);
  if (!m?.[1])
    throw new Error(`DEVELOPERS.md's Layout table names ${entry}: expected src/<folder>/ or src/<file>.ts`);
  return m[1];
}

/** The Layout table: unit → the units it may import. */
function allowedImports(markdown: string): Map<string, Set<string>> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith("Layout"));
  if (!section) throw new Error("DEVELOPERS.md has no '## Layout' section");
  const allowed = new Map<string, Set<string>>();
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `src/")) continue;
    const cells = line.split(" | ");
    const first = cells[0]?.slice(2) ?? "";
    const last =
      cells
        .at(-1)
        ?.replace(/\s*\|\s*$/, "")
        .trim() ?? "";
    const units = [...first.matchAll(/`([^`]+)`/g)].map((m) => unitOfEntry(m[1] ?? ""));
    const may =
      last === "–" || last === "-"
        ? []
        : last.split(",").map((name) => {
            const n = name.trim();
            if (!/^[\w-]+$/.test(n)) throw new Error(`"may import" of ${first}: cannot read "${n}"`);
            return n;
          });
    for (const unit of units) allowed.set(unit, new Set(may));
  }
  return allowed;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The unit of a path inside src/ (null outside it). */
function unitOf(path: string): string | null {
  const rel = relative(SRC, path);
  if (rel.startsWith("..")) return null;
  const [head = "", ...rest] = rel.split(sep);
  return rest.length ? head : head.replace(/\.(ts|js|json)$/, "");
}

interface Edge {
  file: string;
  specifier: string;
  from: string;
  to: string;
}

/** Every relative import (static, dynamic, type-only, re-export) that crosses from one unit to another. */
function crossingImports(): { edges: Edge[]; outside: Edge[]; jupyterlab: string[] } {
  const edges: Edge[] = [];
  const outside: Edge[] = [];
  const jupyterlab: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file) ?? "";
    const rel = relative(ROOT, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith(".")) {
        if (specifier.startsWith("@jupyterlab/") && from !== "lab") jupyterlab.push(`${rel}: ${specifier}`);
        continue;
      }
      const target = resolve(dirname(file), specifier);
      const to = unitOf(target);
      if (to === null) outside.push({ file: rel, specifier, from, to: relative(ROOT, target) });
      else if (to !== from) edges.push({ file: rel, specifier, from, to });
    }
  }
  return { edges, outside, jupyterlab };
}

describe("layering (DEVELOPERS.md, Layout)", () => {
  const allowed = allowedImports(readFileSync(join(ROOT, "DEVELOPERS.md"), "utf8"));
  const { edges, outside, jupyterlab } = crossingImports();

  it("the table covers every folder and file of src/", () => {
    const units = new Set(sourceFiles(SRC).map((f) => unitOf(f) ?? ""));
    expect([...units].filter((u) => !allowed.has(u)).sort()).toEqual([]);
    expect([...allowed.keys()].filter((u) => !units.has(u)).sort()).toEqual([]);
  });

  it("names only units of src/ in its 'may import' column", () => {
    const unknown = [...allowed].flatMap(([unit, may]) =>
      [...may].filter((m) => !allowed.has(m)).map((m) => `${unit} → ${m}`),
    );
    expect(unknown).toEqual([]);
  });

  it("every import between units is one the table allows", () => {
    const forbidden = edges
      .filter((e) => !allowed.get(e.from)?.has(e.to))
      .map((e) => `${e.file} imports ${e.specifier} (${e.from} may not import ${e.to})`);
    expect(forbidden).toEqual([]);
    // The check sees the imports it is meant to judge.
    expect(edges.some((e) => e.from === "server" && e.to === "store")).toBe(true);
  });

  it("src/ reaches outside itself only for package.json and the settings schema", () => {
    const stray = outside
      .filter((e) => e.to !== "package.json" && !e.to.startsWith(`schema${sep}`))
      .map((e) => `${e.file} imports ${e.specifier}`);
    expect(stray).toEqual([]);
  });

  it("only src/lab imports @jupyterlab/*", () => {
    expect(jupyterlab).toEqual([]);
  });

  it("fails for a folder that imports one it may not", () => {
    const table = [
      "## Layout",
      "",
      "| folder | what lives there | may import |",
      "|---|---|---|",
      "| `src/server/` | routes | store, auth |",
      "| `src/auth/` | users | store |",
      "| `src/errors.ts`, `src/version.ts` | shared | – |",
      "",
      "## Next",
    ].join("\n");
    const rules = allowedImports(table);
    expect(rules.get("server")).toEqual(new Set(["store", "auth"]));
    expect(rules.get("auth")?.has("server")).toBe(false);
    expect(rules.get("errors")).toEqual(new Set());
    expect(rules.get("version")).toEqual(new Set());
    expect(() => allowedImports("## Layout\n| `src/x/` | y | store or search |")).toThrow(/cannot read/);
  });
});
