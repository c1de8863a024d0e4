// The small inline curve next to each metric: points in, an SVG path out (pure), and the SVG element
// built with createElementNS (no markup parsed).
export interface SparkPoint {
  step: number;
  value: number;
}

export const SPARK_WIDTH = 120;
export const SPARK_HEIGHT = 24;

/**
 * The path's `d` for the finite points sorted by step, scaled into width × height with a 1 px margin
 * (y grows downwards). A flat series is drawn through the middle; no finite point gives "".
 */
export function sparklinePath(
  points: readonly SparkPoint[],
  width = SPARK_WIDTH,
  height = SPARK_HEIGHT,
): string {
  const finite = points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.step));
  if (finite.length === 0) return "";
  const sorted = [...finite].sort((a, b) => a.step - b.step);
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const p of sorted) {
    minX = Math.min(minX, p.step);
    maxX = Math.max(maxX, p.step);
    minY = Math.min(minY, p.value);
    maxY = Math.max(maxY, p.value);
  }
  const m = 1;
  const w = width - 2 * m;
  const h = height - 2 * m;
  const round = (n: number) => Math.round(n * 10) / 10;
  const x = (s: number) => round(m + (maxX === minX ? w / 2 : ((s - minX) / (maxX - minX)) * w));
  const y = (v: number) => round(m + (maxY === minY ? h / 2 : (1 - (v - minY) / (maxY - minY)) * h));
  if (sorted.length === 1) {
    const p = sorted[0] as SparkPoint;
    // One point: a short horizontal tick, so it is visible.
    return `M${round(x(p.step) - 2)},${y(p.value)}L${round(x(p.step) + 2)},${y(p.value)}`;
  }
  return sorted.map((p, i) => `${i ? "L" : "M"}${x(p.step)},${y(p.value)}`).join("");
}

const SVG = "http://www.w3.org/2000/svg";

export function sparklineSvg(points: readonly SparkPoint[], label: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", String(SPARK_WIDTH));
  svg.setAttribute("height", String(SPARK_HEIGHT));
  svg.setAttribute("viewBox", `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`);
  svg.setAttribute("class", "lt-RunDetails-sparkline");
  svg.setAttribute("role", "img");
  const title = document.createElementNS(SVG, "title");
  title.textContent = label;
  svg.setAttribute("aria-label", label);
  svg.append(title);
  const d = sparklinePath(points);
  if (d) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    path.setAttribute("fill", "none");
    svg.append(path);
  }
  return svg;
}
