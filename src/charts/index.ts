// Pure Vega-Lite spec builders (data in, spec out) shared by the `%track compare` magic and the panel.
// Nothing here touches the DOM, the network or vega itself: vega-lite is imported for its types only.
import type { TopLevelSpec } from "vega-lite";
import { autoSpec } from "./auto.js";
import { barSpec } from "./bar.js";
import { curvesSpec } from "./curves.js";
import { parallelSpec } from "./parallel.js";
import { scatterSpec } from "./scatter.js";
import type { ChartRequest } from "./types.js";

export { type AutoPlan, autoSpec, planAuto } from "./auto.js";
export { barSpec, latestMetricKeys, paddedDomain, valueLabels } from "./bar.js";
export {
  assignColors,
  assignRunColors,
  type ColorKey,
  hashString,
  RUN_PALETTE,
  runColor,
  runDashes,
} from "./colors.js";
export { columnLabel, columnValues, metricGoal, rawColumnValue } from "./columns.js";
export {
  differingParams,
  lackingText,
  RUN_SELECTION,
  runLabels,
  THEME_COLORS,
  themeConfig,
  VEGA_LITE_SCHEMA,
} from "./common.js";
export {
  aggregateSeries,
  curvesSpec,
  DEFAULT_MAX_POINTS,
  DEFAULT_MAX_TOTAL_POINTS,
  pointsPerSeries,
  prepareCurves,
} from "./curves.js";
export { downsample, downsampleIndices } from "./downsample.js";
export { defaultParallelColumns, parallelSpec } from "./parallel.js";
export { scatterSpec } from "./scatter.js";
export { smoothEma } from "./smooth.js";
export { pearson, textSummary } from "./summary.js";
export type * from "./types.js";

/** The spec of any chart kind. */
export function buildChart(req: ChartRequest): TopLevelSpec {
  switch (req.kind) {
    case "auto":
      return autoSpec(req);
    case "curves":
      return curvesSpec(req);
    case "bar":
      return barSpec(req);
    case "scatter":
      return scatterSpec(req);
    case "parallel":
      return parallelSpec(req);
  }
}
