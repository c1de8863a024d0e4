// The runs table's pure parts: filter completion, CSV, grouping, the tree of nested runs, quick filters
// and the kept view. Text/rows in, answers out.
import { describe, expect, it } from "vitest";
import { keyColumn } from "../../src/lab/runs-table/columns.js";
import {
  applySuggestion,
  type CompletionSource,
  complete,
  operatorsFor,
  readKey,
  writeKey,
} from "../../src/lab/runs-table/completion.js";
import { csvField, csvValue, toCsv } from "../../src/lab/runs-table/csv.js";
import { columnWindow, type GridLayout, SELECT_WIDTH } from "../../src/lab/runs-table/grid.js";
import { groupRows, metricStats } from "../../src/lab/runs-table/grouping.js";
import { combineFilter, quickClauses, quoteValue } from "../../src/lab/runs-table/quick-filters.js";
import type { TableRow } from "../../src/lab/runs-table/rows.js";
import { buildTree, PARENT_TAG, parentLinks } from "../../src/lab/runs-table/tree.js";
import { parseViewState, type ViewState, webStorageStore } from "../../src/lab/runs-table/view-state.js";

function row(id: string, extra: Partial<TableRow> = {}): TableRow {
  return {
    runId: id,
    name: `run-${id}`,
    status: "FINISHED",
    deleted: false,
    userId: "ana",
    startTime: 1_700_000_000_000,
    endTime: 1_700_000_005_000,
    params: {},
    metrics: {},
    tags: {},
    ...extra,
  };
}

const source: CompletionSource = {
  keys: [
    "metrics.loss",
    "metrics.train/acc",
    "params.lr",
    "params.optimizer",
    "tags.team",
    "tags.mlflow.user",
  ],
  values: (key) =>
    key === "params.optimizer"
      ? ["adam", "sgd", "it's"]
      : key === "tags.team"
        ? ["vision", "nlp"]
        : key === "attributes.status"
          ? ["RUNNING", "FINISHED"]
          : [],
};

const labels = (text: string, cursor = text.length) =>
  complete(text, cursor, source)?.items.map((i) => i.label);

describe("filter completion", () => {
  it("offers the kinds of keys, then keys, on an empty box or a new clause", () => {
    expect(labels("")?.slice(0, 4)).toEqual(["attributes.", "metrics.", "params.", "tags."]);
    expect(labels("met")).toEqual(["metrics.loss", "metrics.train/acc"]);
    expect(labels("params.")).toEqual(["params.lr", "params.optimizer"]);
    // Matches on the key after its prefix, then anywhere.
    expect(labels("opt")).toEqual(["params.optimizer"]);
    expect(labels("user")?.[0]).toBe("attributes.user_id");
    expect(labels("user")).toContain("tags.mlflow.user");
    expect(labels("metrics.loss < 1 AND pa")).toEqual(["params.lr", "params.optimizer"]);
    expect(labels("metrics.loss < 1 and  tags.t")).toEqual(["tags.team"]);
    expect(labels("zzz")).toBeUndefined();
  });

  it("writes keys the grammar needs quoted with backticks, and reads them back", () => {
    const c = complete("metrics.tr", 10, source);
    expect(c?.items[0]?.insert).toBe("metrics.`train/acc` ");
    expect(c?.from).toBe(0);
    expect(writeKey("tags.mlflow.user")).toBe("tags.mlflow.user");
    expect(readKey("metrics.`train/acc`")).toBe("metrics.train/acc");
    expect(labels("metrics.`train/acc` ")).toEqual(["=", "!=", "<", "<=", ">", ">="]);
  });

  it("offers the operators that fit the key", () => {
    expect(labels("metrics.loss ")).toEqual(["=", "!=", "<", "<=", ">", ">="]);
    expect(labels("params.lr ")).toEqual(["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"]);
    expect(labels("params.lr l")).toEqual(["LIKE"]);
    expect(labels("params.lr NOT ")).toEqual(["NOT IN"]);
    expect(labels("metrics.loss <")).toEqual(["<", "<="]);
    expect(operatorsFor("attributes.start_time")).toContain(">=");
    expect(operatorsFor("attributes.run_id")).toEqual(["=", "!=", "IN", "NOT IN"]);
  });

  it("offers values of a param or tag seen in the loaded runs, quoted", () => {
    expect(labels("params.optimizer = ")).toEqual(["adam", "sgd", "it's"]);
    expect(labels("params.optimizer = 's")).toEqual(["sgd", "it's"]);
    const c = complete("params.optimizer = 'i", 21, source);
    expect(c?.items.map((i) => i.insert)).toEqual(["'it''s' "]);
    expect(c?.from).toBe(19);
    expect(labels("tags.team != v")).toEqual(["vision"]);
    expect(labels("attributes.status = ")).toEqual(["RUNNING", "FINISHED"]);
    // No values for metrics, times, or inside an IN list.
    expect(labels("metrics.loss < ")).toBeUndefined();
    expect(labels("params.optimizer IN (")).toBeUndefined();
  });

  it("offers AND after a whole value", () => {
    expect(labels("params.optimizer = 'adam' ")).toEqual(["AND"]);
    expect(labels("params.optimizer = 'adam' a")).toEqual(["AND"]);
    expect(labels("metrics.loss < 0.5 ")).toEqual(["AND"]);
    expect(labels("params.optimizer = 'adam' x")).toBeUndefined();
    expect(labels("params.optimizer = 'adam'")).toBeUndefined();
  });

  it("does not take AND inside a quoted value for the end of a clause", () => {
    expect(labels("params.optimizer = 'a and b' AND tags.t")).toEqual(["tags.team"]);
    expect(labels("params.optimizer = 'a and b' AND ta")?.slice(0, 2)).toEqual([
      "tags.team",
      "tags.mlflow.user",
    ]);
    expect(labels("params.optimizer = 'a and ")).toBeUndefined();
  });

  it("completes the word under the cursor, in the middle of the text", () => {
    const text = "params.op = 'adam'";
    const c = complete(text, 9, source);
    expect(c).toMatchObject({ from: 0, to: 9 });
    const applied = applySuggestion(text, c!, c!.items[0]!);
    expect(applied).toEqual({ text: "params.optimizer = 'adam'", cursor: 17 });
  });

  it("applies a suggestion and moves the cursor after it", () => {
    const c = complete("metrics.lo", 10, source)!;
    expect(applySuggestion("metrics.lo", c, c.items[0]!)).toEqual({ text: "metrics.loss ", cursor: 13 });
    const v = complete("params.optimizer = ", 19, source)!;
    expect(applySuggestion("params.optimizer = ", v, v.items[1]!).text).toBe("params.optimizer = 'sgd' ");
    const k = complete("metrics.loss < 1 A", 18, source)!;
    expect(applySuggestion("metrics.loss < 1 A", k, k.items[0]!).text).toBe("metrics.loss < 1 AND ");
  });

  it("caps the suggestions", () => {
    const many: CompletionSource = {
      keys: Array.from({ length: 500 }, (_, i) => `params.p${i}`),
      values: () => [],
    };
    expect(complete("params.p", 8, many, 20)?.items).toHaveLength(20);
  });
});

describe("CSV", () => {
  it("quotes fields per RFC 4180 and defuses formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField(" padded ")).toBe('" padded "');
    expect(csvField("")).toBe("");
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField("@cmd")).toBe("'@cmd");
    expect(csvField("-0.5")).toBe("-0.5");
    expect(csvField("+1e3")).toBe("+1e3");
  });

  it("writes the run id and the shown columns, raw values, CRLF lines", () => {
    const columns = [
      {
        id: "attributes.run_name",
        kind: "attribute" as const,
        key: "run_name",
        label: "Run",
        orderKey: null,
      },
      {
        id: "attributes.start_time",
        kind: "attribute" as const,
        key: "start_time",
        label: "",
        orderKey: null,
      },
      { id: "attributes.duration", kind: "attribute" as const, key: "duration", label: "", orderKey: null },
      keyColumn("metric", "loss"),
      keyColumn("param", "lr"),
      keyColumn("tag", "note"),
    ];
    const rows = [
      row("a", {
        name: "<img src=x>",
        metrics: { loss: 0.123456789 },
        params: { lr: "0.1" },
        tags: { note: "a,b" },
      }),
      row("b", { endTime: undefined }),
    ];
    expect(toCsv(rows, columns)).toBe(
      "run_id,attributes.run_name,attributes.start_time,attributes.duration,metrics.loss,params.lr,tags.note\r\n" +
        'a,<img src=x>,2023-11-14T22:13:20.000Z,5,0.123456789,0.1,"a,b"\r\n' +
        "b,run-b,2023-11-14T22:13:20.000Z,,,,\r\n",
    );
    expect(csvValue(row("c", { status: "RUNNING" }), columns[0]!)).toBe("run-c");
  });
});

describe("grouping", () => {
  const rows = [
    row("1", { params: { opt: "adam" }, metrics: { loss: 1 } }),
    row("2", { params: { opt: "sgd" }, metrics: { loss: 4 } }),
    row("3", { params: { opt: "adam" }, metrics: { loss: 3 } }),
    row("4", { metrics: { loss: 10 } }),
    row("5", { params: { opt: "adam" }, metrics: { loss: Number.NaN } }),
    row("6", { params: { opt: "sgd" } }),
  ];

  it("groups in order of first appearance, runs without the key last, with metric aggregates", () => {
    const groups = groupRows(rows, "params.opt", "metrics.loss");
    expect(groups.map((g) => [g.value, g.rows.map((r) => r.runId)])).toEqual([
      ["adam", ["1", "3", "5"]],
      ["sgd", ["2", "6"]],
      [null, ["4"]],
    ]);
    expect(groups[0]?.stats).toEqual({ count: 2, min: 1, mean: 2, max: 3 });
    expect(groups[1]?.stats).toEqual({ count: 1, min: 4, mean: 4, max: 4 });
    expect(groups[2]?.stats).toEqual({ count: 1, min: 10, mean: 10, max: 10 });
  });

  it("groups by tags, counts only without a metric, and copes with nothing", () => {
    const tagged = [row("a", { tags: { team: "x" } }), row("b", { tags: { team: "x" } })];
    expect(groupRows(tagged, "tags.team", null)).toEqual([{ value: "x", rows: tagged, stats: null }]);
    expect(groupRows([], "params.opt", "metrics.loss")).toEqual([]);
    expect(metricStats(rows, "metrics.absent")).toBeNull();
    expect(groupRows(rows, "attributes.status", null)).toEqual([{ value: null, rows, stats: null }]);
  });
});

describe("nested runs", () => {
  const child = (id: string, parent: string) => row(id, { tags: { [PARENT_TAG]: parent } });

  it("puts children under their loaded parent, in load order, shown when expanded", () => {
    const rows = [
      row("p"),
      child("c1", "p"),
      row("q"),
      child("c2", "p"),
      child("g", "c1"),
      child("o", "absent"),
    ];
    expect(buildTree(rows, new Set()).map((t) => [t.row.runId, t.depth, t.childCount])).toEqual([
      ["p", 0, 2],
      ["q", 0, 0],
      ["o", 0, 0],
    ]);
    const open = buildTree(rows, new Set(["p", "c1"]));
    expect(open.map((t) => `${"  ".repeat(t.depth)}${t.row.runId}${t.expanded ? "-" : ""}`)).toEqual([
      "p-",
      "  c1-",
      "    g",
      "  c2",
      "q",
      "o",
    ]);
    // A child listed before its parent still goes under it.
    expect(buildTree([child("c", "p"), row("p")], new Set(["p"])).map((t) => t.row.runId)).toEqual([
      "p",
      "c",
    ]);
    // Expanding a run without children changes nothing.
    expect(buildTree([row("x")], new Set(["x"]))[0]).toMatchObject({ expanded: false, childCount: 0 });
  });

  it("keeps runs of a parent cycle or a self-parent at the top level", () => {
    const rows = [child("a", "b"), child("b", "a"), child("s", "s")];
    const tree = buildTree(rows, new Set(["a", "b"]));
    expect(new Set(tree.map((t) => t.row.runId))).toEqual(new Set(["a", "b", "s"]));
    expect(parentLinks(rows).has("s")).toBe(false);
    expect(parentLinks([row("x")]).size).toBe(0);
  });
});

describe("quick filters", () => {
  it("makes clauses of status, time range and user, joined with AND after the typed filter", () => {
    const now = Date.parse("2024-05-01T12:34:56Z");
    expect(quickClauses({ status: "", timeRange: "", user: null }, now)).toEqual([]);
    expect(quickClauses({ status: "RUNNING", timeRange: "1h", user: "o'brien" }, now)).toEqual([
      "attributes.status = 'RUNNING'",
      `attributes.start_time >= ${Date.parse("2024-05-01T11:34:00Z")}`,
      "tags.mlflow.user = 'o''brien'",
    ]);
    expect(quickClauses({ status: "", timeRange: "7d", user: null }, now)).toEqual([
      `attributes.start_time >= ${Date.parse("2024-04-24T12:34:00Z")}`,
    ]);
    expect(combineFilter(" metrics.x < 1 ", ["a = 1", "b = 2"])).toBe("metrics.x < 1 AND a = 1 AND b = 2");
    expect(combineFilter("", ["a = 1"])).toBe("a = 1");
    expect(combineFilter("", [])).toBe("");
    expect(quoteValue("x")).toBe("'x'");
  });
});

describe("kept view state", () => {
  const defaults: ViewState = {
    visible: {},
    order: [],
    widths: {},
    pinned: ["attributes.run_name"],
    sort: { columnId: "attributes.start_time", direction: "DESC" },
    status: "",
    timeRange: "",
    mine: false,
    viewType: "ACTIVE_ONLY",
    groupBy: null,
    groupMetric: null,
  };

  it("takes back what it wrote, and drops what is malformed", () => {
    const state: ViewState = {
      ...defaults,
      visible: { "tags.team": true },
      order: ["metrics.b", "metrics.a"],
      widths: { "metrics.a": 150 },
      pinned: ["metrics.a"],
      sort: { columnId: "metrics.a", direction: "ASC" },
      status: "FAILED",
      timeRange: "24h",
      mine: true,
      viewType: "ALL",
      groupBy: "params.opt",
      groupMetric: "metrics.a",
    };
    expect(parseViewState({ version: 1, ...state }, defaults)).toEqual(state);
    expect(parseViewState(null, defaults)).toBe(defaults);
    expect(parseViewState({ version: 2 }, defaults)).toBe(defaults);
    const bad = parseViewState(
      {
        version: 1,
        visible: { a: "yes", b: false },
        order: ["x", 3],
        widths: { a: -1, b: 1e9, c: 80, d: "1" },
        pinned: "x",
        sort: { columnId: "x", direction: "sideways" },
        status: "<img>",
        timeRange: "1y",
        mine: "no",
        viewType: "EVERYTHING",
        groupBy: "metrics.x",
        groupMetric: "params.y",
      },
      defaults,
    );
    expect(bad).toEqual({ ...defaults, visible: { b: false }, order: ["x"], widths: { c: 80 }, pinned: [] });
  });

  it("round-trips through Web Storage and survives garbage there", async () => {
    const map = new Map<string, string>();
    const storage = {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
    };
    const store = webStorageStore(storage);
    await store.save("k", { version: 1, mine: true });
    expect(await store.fetch("k")).toEqual({ version: 1, mine: true });
    expect(await store.fetch("absent")).toBeUndefined();
    map.set("bad", "{not json");
    expect(await store.fetch("bad")).toBeUndefined();
    const full = webStorageStore({
      getItem: () => null,
      setItem: () => {
        throw new Error("quota");
      },
    });
    await expect(full.save("k", {})).resolves.toBeUndefined();
  });
});

describe("columnWindow", () => {
  // Two pinned columns, then 60 scrolling ones, all 100 px wide.
  const columns = Array.from({ length: 62 }, (_, i) => keyColumn("metric", `m${i}`));
  const layout: GridLayout = {
    columns,
    widths: columns.map(() => 100),
    stickyLeft: columns.map((_, i) => (i < 2 ? SELECT_WIDTH + i * 100 : undefined)),
    totalWidth: SELECT_WIDTH + 62 * 100,
    key: "k",
  };

  it("holds the columns in view and a viewport's width on each side, in chunks of 6", () => {
    const start = columnWindow(layout, 0, 1000);
    // In view: x 0..1000; kept: up to 3000 → columns 2..19, rounded out to the chunk 2..20.
    expect(start).toEqual({ from: 2, to: 20, skipped: 0 });
    const middle = columnWindow(layout, 3000, 1000);
    // In view: x 3000..4000; kept: 2000..5000 → columns 19..49, rounded out to chunks: 14..50.
    expect(middle.from).toBe(14);
    expect(middle.to).toBe(50);
    expect(middle.skipped).toBe((middle.from - 2) * 100);
    const lefts = (i: number) => SELECT_WIDTH + i * 100;
    expect(lefts(middle.from)).toBeLessThanOrEqual(2000);
    expect(lefts(middle.to - 1) + 100).toBeGreaterThanOrEqual(5000);
  });

  it("scrolling within a chunk keeps the same window (rows are not rebuilt)", () => {
    expect(columnWindow(layout, 3000, 1000)).toEqual(columnWindow(layout, 3010, 1000));
    expect(columnWindow(layout, 3000, 1000)).toEqual(columnWindow(layout, 2950, 1000));
  });

  it("copes with no scrolling columns and with every column pinned", () => {
    const pinnedOnly: GridLayout = { ...layout, stickyLeft: columns.map((_, i) => SELECT_WIDTH + i * 100) };
    expect(columnWindow(pinnedOnly, 500, 1000)).toEqual({ from: 62, to: 62, skipped: 0 });
    const none: GridLayout = { ...layout, columns: [], widths: [], stickyLeft: [] };
    expect(columnWindow(none, 0, 1000)).toEqual({ from: 0, to: 0, skipped: 0 });
  });
});
