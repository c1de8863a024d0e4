// Every command's valid forms → the exact command object.
import { describe, expect, it } from "vitest";
import type { CompareCommand } from "../../src/magics/index.js";
import { compareLine, compareRunWord, parseCellMagic, parseLine } from "../../src/magics/index.js";

const run = { nested: false, tags: [] };
const reads = { params: [], metrics: [], artifacts: [] };
const compareDefaults = { params: [], chart: "auto", x: "step", smooth: 0, log: false };

describe("%%track", () => {
  it.each([
    ["%%track", { ...run, ...reads }],
    ["  %%track  ", { ...run, ...reads }],
    ["%%track baseline", { ...run, ...reads, name: "baseline" }],
    ["%%track 'cnn v2'", { ...run, ...reads, name: "cnn v2" }],
    ["%%track --name=cnn\\ v2", { ...run, ...reads, name: "cnn v2" }],
    ["%%track --nested", { ...run, ...reads, nested: true }],
    [
      "%%track --params lr,epochs --metrics loss,acc",
      { ...run, ...reads, params: ["lr", "epochs"], metrics: ["loss", "acc"] },
    ],
    ["%%track --params=cfg.lr", { ...run, ...reads, params: ["cfg.lr"] }],
    ['%%track --params "lr, epochs"', { ...run, ...reads, params: ["lr", "epochs"] }],
    [
      "%%track --tags model=cnn,'note=a, b',empty=",
      {
        ...run,
        ...reads,
        tags: [
          { key: "model", value: "cnn" },
          { key: "note", value: "a, b" },
          { key: "empty", value: "" },
        ],
      },
    ],
    [
      "%%track --artifacts model.pt,plots/,'my file.csv'",
      { ...run, ...reads, artifacts: ["model.pt", "plots/", "my file.csv"] },
    ],
    ["%%track --experiment 'mnist / cnn'", { ...run, ...reads, experiment: "mnist / cnn" }],
    [
      '%%track --description "first try\\nwith notes"',
      { ...run, ...reads, description: "first try\nwith notes" },
    ],
    ["%%track -- --weird-name", { ...run, ...reads, name: "--weird-name" }],
    ["%%track r # --params ignored", { ...run, ...reads, name: "r" }],
    ["%%track r\r\n", { ...run, ...reads, name: "r" }],
    [
      "%%track exp1 --nested --params lr --metrics loss --tags a=1 --artifacts out --experiment e --description d",
      {
        name: "exp1",
        nested: true,
        params: ["lr"],
        metrics: ["loss"],
        tags: [{ key: "a", value: "1" }],
        artifacts: ["out"],
        experiment: "e",
        description: "d",
      },
    ],
  ])("%s", (line, expected) => {
    expect(parseCellMagic(line)).toEqual({ command: "track", ...expected });
  });
});

describe("%track line commands", () => {
  it.each([
    ["%track experiment mnist", { command: "experiment", name: "mnist" }],
    ["%track experiment 'my exp'", { command: "experiment", name: "my exp" }],
    ["%track exp mnist", { command: "experiment", name: "mnist" }],
    ["    %track experiment x", { command: "experiment", name: "x" }],
    ["%track EXPERIMENT x", { command: "experiment", name: "x" }],

    ["%track start", { command: "start", ...run }],
    [
      "%track start sweep-1 --tags sweep=lr",
      { command: "start", ...run, name: "sweep-1", tags: [{ key: "sweep", value: "lr" }] },
    ],
    [
      "%track start --name s --nested --experiment e",
      { command: "start", ...run, name: "s", nested: true, experiment: "e" },
    ],

    ["%track end", { command: "end", status: "FINISHED", ...reads }],
    ["%track end --status FAILED", { command: "end", status: "FAILED", ...reads }],
    ["%track end --status=killed", { command: "end", status: "KILLED", ...reads }],
    [
      "%track end --metrics best --artifacts model.pt",
      { command: "end", status: "FINISHED", ...reads, metrics: ["best"], artifacts: ["model.pt"] },
    ],

    [
      "%track params lr epochs",
      {
        command: "params",
        items: [
          { kind: "variable", name: "lr" },
          { kind: "variable", name: "epochs" },
        ],
      },
    ],
    ["%track params lr=0.1", { command: "params", items: [{ kind: "literal", key: "lr", value: "0.1" }] }],
    [
      '%track params model="resnet 50"',
      { command: "params", items: [{ kind: "literal", key: "model", value: "resnet 50" }] },
    ],
    [
      "%track params 'model=resnet 50'",
      { command: "params", items: [{ kind: "literal", key: "model", value: "resnet 50" }] },
    ],
    [
      "%track params expr=a=b",
      { command: "params", items: [{ kind: "literal", key: "expr", value: "a=b" }] },
    ],
    ["%track params empty=", { command: "params", items: [{ kind: "literal", key: "empty", value: "" }] }],
    [
      "%track params cfg.optim.lr",
      { command: "params", items: [{ kind: "variable", name: "cfg.optim.lr" }] },
    ],
    ["%track params größe", { command: "params", items: [{ kind: "variable", name: "größe" }] }],
    [
      "%track params 'a key/with:chars-1.0'=x",
      { command: "params", items: [{ kind: "literal", key: "a key/with:chars-1.0", value: "x" }] },
    ],
    ["%track param lr", { command: "params", items: [{ kind: "variable", name: "lr" }] }],

    [
      "%track metrics loss acc",
      {
        command: "metrics",
        items: [
          { kind: "variable", name: "loss" },
          { kind: "variable", name: "acc" },
        ],
      },
    ],
    [
      "%track metrics loss --step 3",
      { command: "metrics", items: [{ kind: "variable", name: "loss" }], step: 3 },
    ],
    [
      "%track metrics loss --step=0",
      { command: "metrics", items: [{ kind: "variable", name: "loss" }], step: 0 },
    ],
    [
      "%track metrics --step epoch loss",
      {
        command: "metrics",
        items: [{ kind: "variable", name: "loss" }],
        step: { kind: "variable", name: "epoch" },
      },
    ],
    [
      "%track metrics acc=0.9 n=-3 e=1e-3 p=+.5",
      {
        command: "metrics",
        items: [
          { kind: "literal", key: "acc", value: 0.9 },
          { kind: "literal", key: "n", value: -3 },
          { kind: "literal", key: "e", value: 0.001 },
          { kind: "literal", key: "p", value: 0.5 },
        ],
      },
    ],
    [
      "%track metrics a=nan b=inf c=-inf d=Infinity",
      {
        command: "metrics",
        items: [
          { kind: "literal", key: "a", value: Number.NaN },
          { kind: "literal", key: "b", value: Number.POSITIVE_INFINITY },
          { kind: "literal", key: "c", value: Number.NEGATIVE_INFINITY },
          { kind: "literal", key: "d", value: Number.POSITIVE_INFINITY },
        ],
      },
    ],
    ["%track metric loss", { command: "metrics", items: [{ kind: "variable", name: "loss" }] }],

    [
      "%track tag model=cnn stage=dev",
      {
        command: "tag",
        tags: [
          { key: "model", value: "cnn" },
          { key: "stage", value: "dev" },
        ],
      },
    ],
    [
      '%track tag "dataset=mnist (10%)"',
      { command: "tag", tags: [{ key: "dataset", value: "mnist (10%)" }] },
    ],
    ["%track tags a=1,2", { command: "tag", tags: [{ key: "a", value: "1,2" }] }],

    ['%track note "baseline: no augmentation"', { command: "note", text: "baseline: no augmentation" }],
    ["%track note several plain words", { command: "note", text: "several plain words" }],
    ['%track note "## Findings\\n- lr too high"', { command: "note", text: "## Findings\n- lr too high" }],
    ["%track note 'it''s' fine", { command: "note", text: "its fine" }],

    ["%track status", { command: "status" }],
    ["%track help", { command: "help" }],
    ["%track help compare", { command: "help", topic: "compare" }],
    ["%track help tags", { command: "help", topic: "tag" }],
    ["%track help %%track", { command: "help", topic: "track" }],
    ["%track --help", { command: "help" }],
    ["%track runs --help", { command: "help", topic: "runs" }],
    ["%track compare --bogus --help", { command: "help", topic: "compare" }],
  ])("%s", (line, expected) => {
    expect(parseLine(line)).toEqual(expected);
  });
});

describe("%track runs", () => {
  it.each([
    ["%track runs", { orderBy: [] }],
    [
      "%track runs metrics.loss < 0.3 and params.model = 'cnn' --max 20",
      { filter: { text: "metrics.loss < 0.3 and params.model = 'cnn'", column: 13 }, orderBy: [], max: 20 },
    ],
    [
      "%track runs --max=5 tags.\"mlflow.runName\" LIKE '%cnn%'",
      { filter: { text: "tags.\"mlflow.runName\" LIKE '%cnn%'", column: 21 }, orderBy: [], max: 5 },
    ],
    [
      "%track runs metrics.delta > -0.5",
      { filter: { text: "metrics.delta > -0.5", column: 13 }, orderBy: [] },
    ],
    [
      "%track runs params.x = '--max 3'",
      { filter: { text: "params.x = '--max 3'", column: 13 }, orderBy: [] },
    ],
    [
      "%track runs  metrics.a<1   and  metrics.b>2",
      { filter: { text: "metrics.a<1   and  metrics.b>2", column: 14 }, orderBy: [] },
    ],
    ["%track runs -- --x = 1", { filter: { text: "--x = 1", column: 16 }, orderBy: [] }],
    [
      '%track runs --order-by "metrics.loss ASC" --order-by params.lr',
      { orderBy: ["metrics.loss ASC", "params.lr"] },
    ],
    [
      '%track runs --order-by "metrics.loss ASC, start_time DESC"',
      { orderBy: ["metrics.loss ASC", "start_time DESC"] },
    ],
    ["%track runs --experiment 'my exp' --max 50000", { orderBy: [], experiment: "my exp", max: 50000 }],
  ])("%s", (line, expected) => {
    expect(parseLine(line)).toEqual({ command: "runs", ...expected });
  });
});

describe("%track compare", () => {
  const id = "0123456789abcdef0123456789abcdef";
  it.each([
    ["%track compare --metrics loss", { selection: { kind: "query" }, metrics: ["loss"] }],
    [
      '%track compare --metrics "loss, val loss"',
      { selection: { kind: "query" }, metrics: ["loss", "val loss"] },
    ],
    [
      "%track compare --last 5 --metrics loss,val_loss",
      { selection: { kind: "query", last: 5 }, metrics: ["loss", "val_loss"] },
    ],
    [
      "%track compare params.model = 'cnn' --last 3 --metrics acc",
      {
        selection: { kind: "query", filter: { text: "params.model = 'cnn'", column: 16 }, last: 3 },
        metrics: ["acc"],
      },
    ],
    [
      "%track compare metrics.acc>0.9 --metrics acc",
      { selection: { kind: "query", filter: { text: "metrics.acc>0.9", column: 16 } }, metrics: ["acc"] },
    ],
    [
      "%track compare params.model LIKE 'c%' --metrics acc",
      {
        selection: { kind: "query", filter: { text: "params.model LIKE 'c%'", column: 16 } },
        metrics: ["acc"],
      },
    ],
    [
      `%track compare baseline 'cnn v2' ${id} --metrics acc`,
      {
        selection: {
          kind: "runs",
          runs: [
            { kind: "name", name: "baseline" },
            { kind: "name", name: "cnn v2" },
            { kind: "id", id },
          ],
        },
        metrics: ["acc"],
      },
    ],
    [
      "%track compare a,b --metrics acc",
      {
        selection: {
          kind: "runs",
          runs: [
            { kind: "name", name: "a" },
            { kind: "name", name: "b" },
          ],
        },
        metrics: ["acc"],
      },
    ],
    [
      "%track compare 'x=y' --metrics acc",
      { selection: { kind: "runs", runs: [{ kind: "name", name: "x=y" }] }, metrics: ["acc"] },
    ],
    [
      "%track compare --metrics loss --x time --smooth 0.6 --log",
      { selection: { kind: "query" }, metrics: ["loss"], x: "time", smooth: 0.6, log: true },
    ],
    [
      "%track compare --metrics loss --smooth 1",
      { selection: { kind: "query" }, metrics: ["loss"], smooth: 1 },
    ],
    [
      "%track compare --metrics loss --x=relative --smooth=0",
      { selection: { kind: "query" }, metrics: ["loss"], x: "relative" },
    ],
    [
      "%track compare --metrics acc --kind bar",
      { selection: { kind: "query" }, metrics: ["acc"], chart: "bar" },
    ],
    [
      "%track compare --metrics loss --kind curves --x time",
      { selection: { kind: "query" }, metrics: ["loss"], chart: "curves", x: "time" },
    ],
    [
      "%track compare --metrics loss,acc --kind auto --smooth 0.5",
      { selection: { kind: "query" }, metrics: ["loss", "acc"], smooth: 0.5 },
    ],
    [
      "%track compare --metrics acc --kind parallel --params lr,batch --group-by params.lr",
      {
        selection: { kind: "query" },
        metrics: ["acc"],
        chart: "parallel",
        params: ["lr", "batch"],
        groupBy: { entity: "param", key: "lr" },
      },
    ],
    [
      "%track compare --metrics acc --kind SCATTER --group-by tags.model --experiment e",
      {
        selection: { kind: "query" },
        metrics: ["acc"],
        chart: "scatter",
        groupBy: { entity: "tag", key: "model" },
        experiment: "e",
      },
    ],
  ])("%s", (line, expected) => {
    expect(parseLine(line)).toEqual({ command: "compare", ...compareDefaults, ...expected });
  });
});

describe("generated %track compare lines", () => {
  const id = "0123456789abcdef0123456789abcdef";
  const names = [
    "logreg #2",
    "baseline",
    "x=y",
    "and",
    "a,b",
    "--last",
    "it's",
    'say "hi"',
    "lr<0.1",
    "#3",
    "Ünïcode 名前",
  ];

  it("read back as the same runs by name (or id), metrics and experiment", () => {
    const line = compareLine({
      runs: [...names.map((name) => ({ name })), { id }],
      metrics: ["accuracy", "final loss"],
      experiment: "my demo",
    });
    const parsed = parseLine(line) as CompareCommand;
    expect(parsed.command).toBe("compare");
    expect(parsed.selection).toEqual({
      kind: "runs",
      runs: [...names.map((name) => ({ kind: "name", name })), { kind: "id", id }],
    });
    expect(parsed.metrics).toEqual(["accuracy", "final loss"]);
    expect(parsed.experiment).toBe("my demo");
    expect(parsed.chart).toBe("auto");
  });

  it("write plain names bare and quote only what needs it", () => {
    expect(compareLine({ runs: [{ name: "logreg #2" }, { name: "cnn-v2" }], metrics: ["acc"] })).toBe(
      "%track compare 'logreg #2' cnn-v2 --metrics acc",
    );
    expect(compareRunWord("x=y")).toBe("'x=y'");
    expect(compareRunWord("OR")).toBe("'OR'");
    // 32 hex digits are always an id: such a name cannot be written as a name.
    expect(compareRunWord(id)).toBeNull();
    expect(compareRunWord("")).toBeNull();
  });
});
