// Proves a spec is valid and renders: compiled with vega-lite 6 and rendered to SVG headlessly with vega
// 6, and the same with the vega-lite 5 / vega 5 that JupyterLab's built-in renderer of
// application/vnd.vegalite.v5+json uses (the saved notebook is shown with those).
import { createRequire } from "node:module";
import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import { compile } from "vega-lite";

const requireLab = createRequire(
  new URL("../../node_modules/@jupyterlab/vega5-extension/package.json", import.meta.url),
);
const vl5 = requireLab("vega-lite") as typeof import("vega-lite");
const vega5 = requireLab("vega") as typeof import("vega");

export interface Rendered {
  svg: string;
  view: vega.View;
  warnings: string[];
}

function logger(warnings: string[]) {
  const push = (...args: unknown[]) => {
    warnings.push(args.map(String).join(" "));
  };
  return { level: () => logger(warnings), warn: push, info: () => {}, debug: () => {}, error: push } as any;
}

export async function render(spec: TopLevelSpec): Promise<Rendered> {
  const warnings: string[] = [];
  const compiled = compile(structuredClone(spec), { logger: logger(warnings) });
  const view = new vega.View(vega.parse(compiled.spec), { renderer: "none" });
  const svg = await view.toSVG();
  return { svg, view, warnings };
}

export async function renderV5(spec: TopLevelSpec): Promise<string> {
  const compiled = vl5.compile(structuredClone(spec) as any);
  const view = new vega5.View(vega5.parse(compiled.spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Mark nodes of a type in the scenegraph (one per drawn line for multi-series lines). */
export function marksOf(view: vega.View, type: string): any[] {
  const out: any[] = [];
  const visit = (mark: any) => {
    if (!mark) return;
    if (mark.marktype === type) out.push(mark);
    if (mark.marktype === "group") for (const g of mark.items ?? []) for (const m of g.items ?? []) visit(m);
  };
  visit((view.scenegraph() as any).root);
  return out;
}

/** Every rendered item of a mark type. */
export function itemsOf(view: vega.View, type: string): any[] {
  return marksOf(view, type).flatMap((m) => m.items ?? []);
}

/** Renders with vega-lite 6 + vega 6 and vega-lite 5 + vega 5; fails on any vega-lite warning. */
export async function check(spec: TopLevelSpec): Promise<Rendered> {
  const r = await render(spec);
  if (r.warnings.length > 0) throw new Error(`vega-lite warnings: ${r.warnings.join("; ")}`);
  if (!r.svg.startsWith("<svg")) throw new Error("no SVG");
  const svg5 = await renderV5(spec);
  if (!svg5.startsWith("<svg")) throw new Error("no SVG from vega 5");
  return r;
}
