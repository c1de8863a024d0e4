// The Traces section: the traces recorded while the run was active (`@mlflow.trace`, `start_span`,
// autologgers), newest first. Opening one reads its spans and shows them as a tree: name, type,
// duration with a bar placing it within the trace, status, and the inputs/outputs as text.
import { spanDurationMs, type TraceSpan, type TraceTree, valueText } from "../../client/trace-data.js";
import type { WireTraceInfo } from "../../client/wire.js";
import { el } from "../dom.js";
import { formatDuration, formatTime } from "../format.js";
import { __ } from "../i18n.js";
import { MAX_TRACES, traceName } from "../run-outputs.js";
import type { RunDetailsModel } from "./model.js";
import { problemNode } from "./preview.js";

/** Inputs/outputs longer than this are clipped; the full text is one click away. */
const CLIP_CHARS = 2000;

export class TracesSection {
  readonly node = el("div", { className: "lt-RunDetails-traces" });
  private shown = "";

  constructor(private readonly model: RunDetailsModel) {}

  get relevant(): boolean {
    const listing = this.model.traces;
    return listing !== null && listing.kind !== "unsupported";
  }

  /** Renders when the list changed: an opened trace stays open while the same traces are listed. */
  update(): void {
    const listing = this.model.traces;
    const signature = JSON.stringify(listing);
    if (signature === this.shown) return;
    this.shown = signature;
    const open = new Set(
      [...this.node.querySelectorAll<HTMLDetailsElement>("details.lt-Trace[open]")].map(
        (d) => d.dataset.requestId ?? "",
      ),
    );
    if (listing === null) {
      this.node.replaceChildren(el("p", { className: "lt-RunDetails-muted" }, __("Reading traces…")));
      return;
    }
    if (listing.kind === "unsupported") {
      this.node.replaceChildren(
        el("p", { className: "lt-RunDetails-muted" }, __("This tracking server does not keep traces.")),
      );
      return;
    }
    if (listing.kind === "error") {
      this.node.replaceChildren(problemNode(__("Cannot read the run's traces:"), listing.problem.detail));
      return;
    }
    if (listing.items.length === 0) {
      this.node.replaceChildren(el("p", { className: "lt-RunDetails-muted" }, __("No traces.")));
      return;
    }
    this.node.replaceChildren(
      ...listing.items.map((t) => this.trace(t, open.has(t.request_id))),
      listing.more
        ? el("p", { className: "lt-RunDetails-muted" }, __("Showing the newest %1 traces.", MAX_TRACES))
        : "",
    );
  }

  private trace(info: WireTraceInfo, open: boolean): HTMLElement {
    const status = info.status ?? "TRACE_STATUS_UNSPECIFIED";
    const body = el("div", { className: "lt-Trace-body" });
    const details = el(
      "details",
      { className: "lt-Trace", dataset: { requestId: info.request_id } },
      el(
        "summary",
        { className: "lt-Trace-summary" },
        el("span", { className: "lt-Trace-name" }, traceName(info)),
        el("span", { className: "lt-Trace-status", dataset: { status } }, statusText(status)),
        el("span", { className: "lt-RunDetails-muted" }, formatDuration(info.execution_time_ms)),
        el("span", { className: "lt-RunDetails-muted" }, formatTime(info.timestamp_ms)),
        el("span", { className: "lt-RunDetails-muted lt-Trace-id" }, info.request_id),
      ),
      body,
    );
    let loaded = false;
    const load = async () => {
      loaded = true;
      body.replaceChildren(el("p", { className: "lt-RunDetails-muted" }, __("Reading the spans…")));
      const result = await this.model.outputs.traceTree(info.request_id);
      if (!result.ok) {
        loaded = false;
        body.replaceChildren(problemNode(__("Cannot read the trace's spans:"), result.problem.detail));
        return;
      }
      body.replaceChildren(spanTree(result.value));
    };
    details.addEventListener("toggle", () => {
      if (details.open && !loaded) void load();
    });
    if (open) details.open = true;
    return details;
  }
}

function statusText(status: string): string {
  if (status === "OK") return __("OK");
  if (status === "ERROR") return __("error");
  if (status === "IN_PROGRESS") return __("in progress");
  return __("unknown");
}

/** The spans of a trace, nested; each with a bar placing it within the whole trace. */
export function spanTree(tree: TraceTree): HTMLElement {
  if (tree.count === 0)
    return el("p", { className: "lt-RunDetails-muted" }, __("This trace has no spans (yet)."));
  const all: TraceSpan[] = [];
  const collect = (s: TraceSpan) => {
    all.push(s);
    s.children.forEach(collect);
  };
  tree.roots.forEach(collect);
  const starts = all.map((s) => s.startNs).filter((n): n is number => n !== null);
  const ends = all.map((s) => s.endNs).filter((n): n is number => n !== null);
  const t0 = starts.length ? Math.min(...starts) : 0;
  const span = Math.max(1, (ends.length ? Math.max(...ends) : t0) - t0);
  const render = (s: TraceSpan, depth: number): HTMLElement => {
    const duration = spanDurationMs(s);
    const left = s.startNs === null ? 0 : ((s.startNs - t0) / span) * 100;
    const width = s.startNs === null || s.endNs === null ? 100 - left : ((s.endNs - s.startNs) / span) * 100;
    const bar = el("span", { className: "lt-Span-timeline" }, el("span", { className: "lt-Span-bar" }));
    const fill = bar.firstElementChild as HTMLElement;
    fill.style.marginLeft = `${Math.min(100, Math.max(0, left))}%`;
    fill.style.width = `${Math.min(100, Math.max(0.5, width))}%`;
    const summary = el(
      "summary",
      { className: "lt-Span-summary" },
      el("span", { className: "lt-Span-name" }, s.name),
      el("span", { className: "lt-Span-type" }, s.spanType),
      el(
        "span",
        { className: "lt-RunDetails-muted lt-Span-duration" },
        duration === null ? __("running") : formatDuration(duration),
      ),
      // Always one element per grid column, so the bars line up whether or not a span failed.
      s.status === "ERROR"
        ? el("span", { className: "lt-Trace-status", dataset: { status: "ERROR" } }, __("error"))
        : el("span"),
      bar,
    );
    // Only the name is indented: the timeline column stays aligned across depths, as a waterfall.
    summary.style.setProperty("--lt-span-depth", String(depth));
    const node = el(
      "details",
      { className: "lt-Span", dataset: { spanId: s.spanId, status: s.status } },
      summary,
      el(
        "div",
        { className: "lt-Span-body" },
        s.statusMessage ? el("p", { className: "lt-Span-error" }, s.statusMessage) : null,
        io(__("Inputs"), s.inputs),
        io(__("Outputs"), s.outputs),
        Object.keys(s.attributes).length > 0 ? io(__("Attributes"), s.attributes) : null,
        ...s.events.map((e) =>
          io(e.name === "exception" ? __("Exception") : e.name, eventText(e.attributes)),
        ),
      ),
    );
    node.lastElementChild?.setAttribute("style", `padding-left: ${depth * 16 + 16}px`);
    return el("li", {}, node, ...(s.children.length ? [list(s.children, depth + 1)] : []));
  };
  const list = (spans: TraceSpan[], depth: number): HTMLElement =>
    el("ul", { className: "lt-Span-list" }, ...spans.map((s) => render(s, depth)));
  return list(tree.roots, 0);
}

/** An exception event as Python prints it (its stack trace ends with the message); others as JSON. */
function eventText(attributes: Record<string, unknown>): unknown {
  const stack = attributes["exception.stacktrace"];
  return typeof stack === "string" && stack ? stack : attributes;
}

/** One of a span's values as preformatted text, clipped with a Show all. */
function io(label: string, value: unknown): HTMLElement | null {
  const text = valueText(value);
  if (!text) return null;
  const pre = el(
    "pre",
    { className: "lt-Span-value" },
    text.length > CLIP_CHARS ? `${text.slice(0, CLIP_CHARS)}…` : text,
  );
  const more =
    text.length > CLIP_CHARS
      ? el("button", { className: "lt-RunDetails-linkButton", attrs: { type: "button" } }, __("Show all"))
      : null;
  more?.addEventListener("click", () => {
    pre.textContent = text;
    more.remove();
  });
  return el("div", { className: "lt-Span-io" }, el("h4", {}, label), pre, more);
}
