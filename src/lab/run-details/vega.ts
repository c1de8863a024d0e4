// Draws a Vega-Lite spec with vega, loaded on first use. Specs may come from artifacts (user data), so
// the view loads nothing from elsewhere (no data URLs, images or links) and draws on a canvas.
import { type ChartTheme, themeConfig } from "../../charts/index.js";

export const currentTheme = (): ChartTheme =>
  document.body.dataset.jpThemeLight === "false" ? "dark" : "light";

export interface Drawn {
  finalize(): void;
}

/** Draws `spec` into `holder` (replacing its content); rejects when vega cannot compile or run it. */
export async function drawVegaLite(spec: object, holder: HTMLElement): Promise<Drawn> {
  const [vl, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  const own = (spec as { config?: object }).config ?? {};
  const themed = { ...spec, config: { ...themeConfig(currentTheme()), ...own } };
  const compiled = vl.compile(themed as Parameters<typeof vl.compile>[0]).spec;
  const loader = vega.loader();
  const refuse = (): Promise<never> =>
    Promise.reject(new Error("Charts in Labtrack's previews load no data from elsewhere"));
  loader.load = refuse;
  loader.sanitize = refuse;
  const target = document.createElement("div");
  const view = new vega.View(vega.parse(compiled), {
    renderer: "canvas",
    container: target,
    hover: true,
    loader,
    // Problems become the caller's message, not console errors.
    logLevel: vega.None,
  });
  try {
    await view.runAsync();
  } catch (e) {
    view.finalize();
    throw e;
  }
  holder.replaceChildren(target);
  return { finalize: () => view.finalize() };
}
