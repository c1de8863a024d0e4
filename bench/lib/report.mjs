// BENCHMARKS.md is made of sections, one per suite, each between markers. A run of some suites
// replaces their sections and keeps the others, so suites can be run (and added) independently.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const START = (id) => `<!-- bench:${id} -->`;
const END = (id) => `<!-- /bench:${id} -->`;
const SECTION = /<!-- bench:([\w-]+) -->\n([\s\S]*?)\n<!-- \/bench:\1 -->/g;
/**
 * Notes written by hand in a section (what was profiled, A/B runs, why a row misses), between these
 * markers: a new run of the suite keeps them after its table (they are dated, so a reader can tell
 * how old they are), instead of dropping them with the old figures.
 */
const NOTES = /<!-- notes -->\n[\s\S]*?\n<!-- \/notes -->/;

/**
 * The sections of an existing report, in their order: [{ id, body }]. A report written before the
 * markers existed is split at its \`## \` headings, matched to suites by `titles` (id → heading).
 */
export function readSections(file, titles = {}) {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const marked = [...text.matchAll(SECTION)].map((m) => ({ id: m[1], body: m[2] }));
  if (marked.length > 0) return marked;
  return text
    .split(/^(?=## )/m)
    .slice(1)
    .map((body) => {
      const heading = body.slice(3, body.indexOf("\n")).trim();
      const id = Object.keys(titles).find((k) => heading.startsWith(titles[k].split(" (")[0]));
      return { id: id ?? heading.toLowerCase().replace(/\W+/g, "-"), body: body.trim() };
    });
}

/**
 * Writes `header` and the sections: those in `order` first (updated ones replaced, their notes kept),
 * then any other section already in the file (e.g. written by a suite this checkout does not know).
 */
export function writeReport(file, header, updates, order, titles = {}) {
  const sections = new Map(readSections(file, titles).map((s) => [s.id, s.body]));
  for (const [id, body] of updates) {
    const fresh = body.trim();
    const notes = sections.get(id)?.match(NOTES)?.[0];
    sections.set(id, notes && !NOTES.test(fresh) ? `${fresh}\n\n${notes}` : fresh);
  }
  const ids = [
    ...order.filter((id) => sections.has(id)),
    ...[...sections.keys()].filter((id) => !order.includes(id)),
  ];
  const parts = ids.map((id) => `${START(id)}\n${sections.get(id)}\n${END(id)}`);
  writeFileSync(file, `${header.trim()}\n\n${parts.join("\n\n")}\n`);
}

/** A markdown table from rows and columns `{ title, value(row) }`. */
export function table(rows, columns) {
  const cell = (v) =>
    String(v ?? "")
      .replaceAll("|", "\\|")
      .replaceAll("\n", " ");
  const head = `| ${columns.map((c) => c.title).join(" | ")} |\n|${columns.map(() => "---").join("|")}|`;
  return [head, ...rows.map((r) => `| ${columns.map((c) => cell(c.value(r))).join(" | ")} |`)].join("\n");
}

/** A suite's rows on the console: met or not, the figure and its target. */
export function printRows(rows) {
  for (const r of rows) console.log(`  ${r.pass ? "✓" : "✗"} ${r.name}: ${r.value} (target ${r.target})`);
}

/** The table of a suite's rows against their targets: `first` names the rows' column. */
export function targetTable(rows, { first = "workload", notes = false } = {}) {
  return table(rows, [
    { title: first, value: (r) => r.name },
    { title: "target", value: (r) => r.target },
    { title: "Labtrack", value: (r) => `${r.value} ${r.pass ? "✓" : "✗"}` },
    ...(notes ? [{ title: "notes", value: (r) => r.note ?? "" }] : []),
  ]);
}
