import { describe, expect, it } from "vitest";
import type { Filter } from "../../src/search/ast.js";
import {
  parseExperimentFilter,
  parseExperimentOrderBy,
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
  parseRunFilter,
  parseRunOrderBy,
  SearchError,
} from "../../src/search/index.js";

const c = (entity: string, key: string, comparator: string, value: unknown) => ({
  kind: "comparison",
  entity,
  key,
  comparator,
  value,
});

// [filter, expected AST]
const VALID_RUN_FILTERS: [string, Filter | null][] = [
  ["", null],
  ["   ", null],
  ["metrics.acc > 0.9", c("metric", "acc", ">", 0.9) as Filter],
  ["metric.acc >= 1", c("metric", "acc", ">=", 1) as Filter],
  ["metrics.acc < -1.5", c("metric", "acc", "<", -1.5) as Filter],
  ["metrics.acc <= 1e-3", c("metric", "acc", "<=", 0.001) as Filter],
  ["metrics.acc = 2E+2", c("metric", "acc", "=", 200) as Filter],
  ["metrics.acc != 0", c("metric", "acc", "!=", 0) as Filter],
  ["metrics.acc=.5", c("metric", "acc", "=", 0.5) as Filter],
  ["metrics.a.b > 1", c("metric", "a.b", ">", 1) as Filter],
  ["metrics.`val loss` < 2", c("metric", "val loss", "<", 2) as Filter],
  ['metrics."val loss" < 2', c("metric", "val loss", "<", 2) as Filter],
  ["`metrics`.`val loss` < 2", c("metric", "val loss", "<", 2) as Filter],
  ["`metrics`.acc < 2", c("metric", "acc", "<", 2) as Filter],
  ["METRICS.acc < 2", c("metric", "acc", "<", 2) as Filter],
  ["metrics.train/loss < 2", null as unknown as Filter], // replaced below: '/' needs quoting
  ["params.lr = '0.01'", c("param", "lr", "=", "0.01") as Filter],
  ['params.lr = "0.01"', c("param", "lr", "=", "0.01") as Filter],
  ["param.lr = '0.01'", c("param", "lr", "=", "0.01") as Filter],
  ["parameter.lr = '0.01'", c("param", "lr", "=", "0.01") as Filter],
  ["parameters.lr = '0.01'", c("param", "lr", "=", "0.01") as Filter],
  ["params.lr != ''", c("param", "lr", "!=", "") as Filter],
  ["params.model LIKE 'cnn%'", c("param", "model", "LIKE", "cnn%") as Filter],
  ["params.model like 'cnn%'", c("param", "model", "LIKE", "cnn%") as Filter],
  ["params.model ILIKE '%CNN_'", c("param", "model", "ILIKE", "%CNN_") as Filter],
  ["params.model ilike '%cnn'", c("param", "model", "ILIKE", "%cnn") as Filter],
  ["params.`p-dash` = 'd2'", c("param", "p-dash", "=", "d2") as Filter],
  ["params.\"p-dash\" = 'd2'", c("param", "p-dash", "=", "d2") as Filter],
  ["params.lang = '日本語'", c("param", "lang", "=", "日本語") as Filter],
  ["params.言語 = 'x'", c("param", "言語", "=", "x") as Filter],
  ["params.x = 'it''s'", c("param", "x", "=", "it''s") as Filter],
  ['params.x = "say ""hi"""', c("param", "x", "=", 'say ""hi""') as Filter],
  ['params.x = "O\'Brien"', c("param", "x", "=", "O'Brien") as Filter],
  ["params.x = 'a AND b'", c("param", "x", "=", "a AND b") as Filter],
  ["params.x = 'a OR b'", c("param", "x", "=", "a OR b") as Filter],
  ["params.x = '(x)'", c("param", "x", "=", "(x)") as Filter],
  ["params.x = '   '", c("param", "x", "=", "   ") as Filter],
  ["tags.note LIKE '%first%'", c("tag", "note", "LIKE", "%first%") as Filter],
  ["tag.note = 'x'", c("tag", "note", "=", "x") as Filter],
  ["tags.mlflow.runName = 'a03'", c("tag", "mlflow.runName", "=", "a03") as Filter],
  ["tags.\"mlflow.source.type\" = 'NOTEBOOK'", c("tag", "mlflow.source.type", "=", "NOTEBOOK") as Filter],
  ["tags.`user name` = 'x'", c("tag", "user name", "=", "x") as Filter],
  ["attributes.status = 'FINISHED'", c("attribute", "status", "=", "FINISHED") as Filter],
  ["attribute.status = 'FINISHED'", c("attribute", "status", "=", "FINISHED") as Filter],
  ["attr.status = 'KILLED'", c("attribute", "status", "=", "KILLED") as Filter],
  ["run.status = 'KILLED'", c("attribute", "status", "=", "KILLED") as Filter],
  ["status = 'RUNNING'", c("attribute", "status", "=", "RUNNING") as Filter],
  ["run_name = 'x'", c("attribute", "run_name", "=", "x") as Filter],
  ["attributes.run_name ILIKE '%base%'", c("attribute", "run_name", "ILIKE", "%base%") as Filter],
  ["`run name` = 'x'", c("attribute", "run_name", "=", "x") as Filter],
  ["\"Run name\" = 'x'", c("attribute", "run_name", "=", "x") as Filter],
  ["attributes.`Run Name` = 'x'", c("attribute", "run_name", "=", "x") as Filter],
  ["created > 1700000000000", c("attribute", "start_time", ">", 1700000000000) as Filter],
  ["Created > 1", c("attribute", "start_time", ">", 1) as Filter],
  ["attributes.start_time <= 1700000003000", c("attribute", "start_time", "<=", 1700000003000) as Filter],
  ["attributes.end_time = 1700000000500", c("attribute", "end_time", "=", 1700000000500) as Filter],
  ["attributes.user_id = 'alice'", c("attribute", "user_id", "=", "alice") as Filter],
  [
    "attributes.artifact_uri LIKE 'mlflow-artifacts:%'",
    c("attribute", "artifact_uri", "LIKE", "mlflow-artifacts:%") as Filter,
  ],
  ["attributes.run_id = 'abc'", c("attribute", "run_id", "=", "abc") as Filter],
  ["attributes.run_id IN ('a', 'b')", c("attribute", "run_id", "IN", ["a", "b"]) as Filter],
  ["attributes.run_id in ('a')", c("attribute", "run_id", "IN", ["a"]) as Filter],
  ["run_id NOT IN ('a','b')", c("attribute", "run_id", "NOT IN", ["a", "b"]) as Filter],
  ["run_id not in ('a')", c("attribute", "run_id", "NOT IN", ["a"]) as Filter],
  ["datasets.name = 'iris'", c("dataset", "name", "=", "iris") as Filter],
  ["dataset.name LIKE 'w%'", c("dataset", "name", "LIKE", "w%") as Filter],
  ["dataset.digest = 'abc'", c("dataset", "digest", "=", "abc") as Filter],
  ["dataset.context = 'training'", c("dataset", "context", "=", "training") as Filter],
  ["dataset.name IN ('iris', 'wine')", c("dataset", "name", "IN", ["iris", "wine"]) as Filter],
  ["dataset.context NOT IN ('eval')", c("dataset", "context", "NOT IN", ["eval"]) as Filter],
  [
    "metrics.acc > 0.2 and metrics.loss < 0.3",
    { kind: "and", clauses: [c("metric", "acc", ">", 0.2), c("metric", "loss", "<", 0.3)] } as Filter,
  ],
  [
    "metrics.acc > 0.2 AND params.x = 'y' AND tags.t = 'z'",
    {
      kind: "and",
      clauses: [c("metric", "acc", ">", 0.2), c("param", "x", "=", "y"), c("tag", "t", "=", "z")],
    } as Filter,
  ],
  [
    "metrics.a > 1 OR metrics.b > 2",
    { kind: "or", clauses: [c("metric", "a", ">", 1), c("metric", "b", ">", 2)] } as Filter,
  ],
  [
    "metrics.a > 1 or metrics.b > 2 and metrics.c > 3",
    {
      kind: "or",
      clauses: [
        c("metric", "a", ">", 1),
        { kind: "and", clauses: [c("metric", "b", ">", 2), c("metric", "c", ">", 3)] },
      ],
    } as Filter,
  ],
  [
    "(metrics.a > 1 or metrics.b > 2) and metrics.c > 3",
    {
      kind: "and",
      clauses: [
        { kind: "or", clauses: [c("metric", "a", ">", 1), c("metric", "b", ">", 2)] },
        c("metric", "c", ">", 3),
      ],
    } as Filter,
  ],
  ["((metrics.a > 1))", c("metric", "a", ">", 1) as Filter],
  [
    "params.lr = '0.1' and (metrics.acc > 0.9 or tags.keep = 'yes')",
    {
      kind: "and",
      clauses: [
        c("param", "lr", "=", "0.1"),
        { kind: "or", clauses: [c("metric", "acc", ">", 0.9), c("tag", "keep", "=", "yes")] },
      ],
    } as Filter,
  ],
  ["  metrics.acc   >   1  ", c("metric", "acc", ">", 1) as Filter],
  ["metrics.acc>1", c("metric", "acc", ">", 1) as Filter],
  ["params.android = 'x'", c("param", "android", "=", "x") as Filter],
  ["params.order = 'x'", c("param", "order", "=", "x") as Filter],
];
VALID_RUN_FILTERS.splice(15, 1, ["metrics.`train/loss` < 2", c("metric", "train/loss", "<", 2) as Filter]);
// A backslash-escaped or doubled quote does not end a string; MLflow keeps both as written.
VALID_RUN_FILTERS.push(
  ["params.note = 'it\\'s'", c("param", "note", "=", "it\\'s") as Filter],
  ["params.note = 'it''s'", c("param", "note", "=", "it''s") as Filter],
  ["params.path = 'C:\\\\'", c("param", "path", "=", "C:\\\\") as Filter],
);

// [filter, code, fragment of the message]
const INVALID_RUN_FILTERS: [string, string, string][] = [
  ["foo.acc > 1", "INVALID_PARAMETER_VALUE", "Invalid entity type 'foo'"],
  ["metrics.acc", "INVALID_PARAMETER_VALUE", "comparator"],
  ["metrics.acc >", "INVALID_PARAMETER_VALUE", "numeric"],
  ["metrics.acc > 'x'", "INVALID_PARAMETER_VALUE", "numeric"],
  ["metrics.acc > abc", "INVALID_PARAMETER_VALUE", "numeric"],
  ["metrics.acc > 1abc", "INVALID_PARAMETER_VALUE", "numeric"],
  ["metrics.acc LIKE '1'", "INVALID_PARAMETER_VALUE", "comparator"],
  ["metrics.acc ILIKE '1'", "INVALID_PARAMETER_VALUE", "comparator"],
  ["metrics.acc IN ('1')", "INVALID_PARAMETER_VALUE", "IN"],
  ["params.opt = adam", "INVALID_PARAMETER_VALUE", "quoted string"],
  ["params.opt = 1", "INVALID_PARAMETER_VALUE", "quoted string"],
  ["params.opt > 'a'", "INVALID_PARAMETER_VALUE", "comparator"],
  ["params.opt IN ('adam')", "INVALID_PARAMETER_VALUE", "IN"],
  ["tags.grp < 'b'", "INVALID_PARAMETER_VALUE", "comparator"],
  ["tags.grp NOT IN ('b')", "INVALID_PARAMETER_VALUE", "NOT IN"],
  ["attributes.status IN ('KILLED', 'SCHEDULED')", "INVALID_PARAMETER_VALUE", "IN"],
  ["attributes.run_id IN 'x'", "BAD_REQUEST", "parenthesized list"],
  ["attributes.run_id IN ()", "INVALID_PARAMETER_VALUE", "single-quoted"],
  ['attributes.run_id IN ("a")', "INVALID_PARAMETER_VALUE", "single-quoted"],
  ["attributes.run_id IN ('a' 'b')", "INVALID_PARAMETER_VALUE", "',' or ')'"],
  ["attributes.run_id IN ('a',", "INVALID_PARAMETER_VALUE", "single-quoted"],
  ["attributes.nope = 'x'", "INVALID_PARAMETER_VALUE", "Invalid attribute key 'nope'"],
  ["experiment_id = '1'", "INVALID_PARAMETER_VALUE", "Invalid attribute key"],
  ["lifecycle_stage = 'active'", "INVALID_PARAMETER_VALUE", "Invalid attribute key"],
  ["attributes.start_time > 'x'", "INVALID_PARAMETER_VALUE", "numeric"],
  ["attributes.start_time LIKE '1%'", "INVALID_PARAMETER_VALUE", "comparator"],
  ["attributes.status > 'A'", "INVALID_PARAMETER_VALUE", "comparator"],
  ["dataset.nope = 'x'", "INVALID_PARAMETER_VALUE", "Invalid dataset attribute"],
  ["dataset.name > 'x'", "INVALID_PARAMETER_VALUE", "comparator"],
  ["metrics.a > 1 AND", "INVALID_PARAMETER_VALUE", "comparison is missing"],
  ["metrics.a > 1 OR", "INVALID_PARAMETER_VALUE", "comparison is missing"],
  ["AND metrics.a > 1", "INVALID_PARAMETER_VALUE", "AND"],
  ["NOT metrics.a > 1", "INVALID_PARAMETER_VALUE", "NOT"],
  ["metrics.a > 1 metrics.b > 2", "INVALID_PARAMETER_VALUE", "unexpected"],
  ["metrics.a > 1;", "INVALID_PARAMETER_VALUE", "unexpected ';'"],
  ["metrics.a > 1; DROP TABLE runs", "INVALID_PARAMETER_VALUE", "unexpected"],
  ["(metrics.a > 1", "INVALID_PARAMETER_VALUE", "Missing ')'"],
  ["metrics.a > 1)", "INVALID_PARAMETER_VALUE", "unexpected ')'"],
  ["()", "INVALID_PARAMETER_VALUE", "expected a key"],
  ["params.x = 'unterminated", "INVALID_PARAMETER_VALUE", "Unterminated"],
  ["params.`x = 'y'", "INVALID_PARAMETER_VALUE", "Unterminated"],
  ["params.x IS NULL", "INVALID_PARAMETER_VALUE", "comparator"],
  ["metrics.x BETWEEN 1 AND 2", "INVALID_PARAMETER_VALUE", "comparator"],
  ["metrics.x <> 1", "INVALID_PARAMETER_VALUE", "Unknown operator '<>' (did you mean '!='?)"],
  ["metrics.x == 1", "INVALID_PARAMETER_VALUE", "Unknown operator '==' (did you mean '='?)"],
  ["metrics.x >> 1", "INVALID_PARAMETER_VALUE", "Unknown operator '>>'"],
  ["metrics.x => 1", "INVALID_PARAMETER_VALUE", "Unknown operator '=>'"],
  // The first problem is the one named, at its own position: the operator, not a "numeric" value.
  [
    "metrics.accuracy >> 0.9 and (params.lr = '0.1'",
    "INVALID_PARAMETER_VALUE",
    "Unknown operator '>>': use one of =, !=, <, <=, >, >=, LIKE, ILIKE, IN (at position 17)",
  ],
  [
    "metrics.accuracy > 0.9 and (params.lr = '0.1'",
    "INVALID_PARAMETER_VALUE",
    "Missing ')' to close the '(' opened (at position 27)",
  ],
  [
    "params.lr IN ('0.1', '0.2')",
    "INVALID_PARAMETER_VALUE",
    "write the alternatives with OR instead: (params.lr = 'a' OR params.lr = 'b')",
  ],
  ["params. = 'x'", "INVALID_PARAMETER_VALUE", "Missing key"],
  ["= 'x'", "INVALID_PARAMETER_VALUE", "expected a key"],
  ["'x' = params.a", "INVALID_PARAMETER_VALUE", "expected a key"],
  ["params.x = 'a' OR OR params.y = 'b'", "INVALID_PARAMETER_VALUE", "OR"],
  ["metrics.x > --1", "INVALID_PARAMETER_VALUE", "numeric"],
];

const parseError = (fn: () => unknown): SearchError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof SearchError) return e;
    throw e;
  }
  throw new Error("expected a SearchError");
};

describe("runs filter: valid", () => {
  it.each(VALID_RUN_FILTERS)("%s", (text, expected) => {
    expect(parseRunFilter(text)).toEqual(expected);
  });
  it("undefined is no filter", () => expect(parseRunFilter(undefined)).toBeNull());
});

describe("runs filter: invalid", () => {
  it.each(INVALID_RUN_FILTERS)("%s", (text, code, fragment) => {
    const e = parseError(() => parseRunFilter(text));
    expect(e.code).toBe(code);
    expect(e.message).toContain(fragment);
  });

  it("points at the position of the problem", () => {
    expect(parseError(() => parseRunFilter("metrics.acc > 1 AND params.x = y")).position).toBe(31);
    expect(parseError(() => parseRunFilter("bogus.acc > 1")).position).toBe(0);
    expect(parseError(() => parseRunFilter("metrics.a > 1 AND params.x LIKE 1")).position).toBe(32);
    expect(parseError(() => parseRunFilter("metrics.a > 1 junk")).position).toBe(14);
    expect(parseError(() => parseRunFilter("(metrics.a > 1")).position).toBe(0);
  });
});

describe("experiments filter", () => {
  it.each([
    ["name = 'x'", c("attribute", "name", "=", "x")],
    ["attribute.name LIKE '%beta'", c("attribute", "name", "LIKE", "%beta")],
    ["attributes.name ILIKE '%BETA'", c("attribute", "name", "ILIKE", "%BETA")],
    ["name like 'p-%'", c("attribute", "name", "LIKE", "p-%")],
    ["creation_time > 1700000000000", c("attribute", "creation_time", ">", 1700000000000)],
    ["last_update_time <= 5", c("attribute", "last_update_time", "<=", 5)],
    ["tags.team = 'ml'", c("tag", "team", "=", "ml")],
    ["tag.team != 'ml'", c("tag", "team", "!=", "ml")],
    ["tags.`team name` LIKE 'm%'", c("tag", "team name", "LIKE", "m%")],
    ["tags.`owner's` = 'x'", c("tag", "owner's", "=", "x")],
    ["tags.\"owner's\" = 'x'", c("tag", "owner's", "=", "x")],
    ["name = 'ünï'", c("attribute", "name", "=", "ünï")],
  ])("%s", (text, expected) => expect(parseExperimentFilter(text)).toEqual(expected));

  it.each([
    ["metrics.a > 1", "Invalid entity type"],
    ["params.a = 'x'", "Invalid entity type"],
    ["attr.name = 'x'", "Invalid entity type"],
    ["run_name = 'x'", "Invalid attribute key"],
    ["experiment_id = '1'", "Invalid attribute key"],
    ["name > 'x'", "comparator"],
    ["name IN ('x')", "IN"],
    ["creation_time = 'x'", "numeric"],
    ["name = ", "quoted string"],
    ["tags.team < 'x'", "comparator"],
  ])("rejects %s", (text, fragment) => {
    expect(parseError(() => parseExperimentFilter(text)).message).toContain(fragment);
  });
});

describe("registry filters", () => {
  it.each([
    ["name = 'm'", c("attribute", "name", "=", "m")],
    ["name LIKE 'm%'", c("attribute", "name", "LIKE", "m%")],
    ["name ilike 'M%'", c("attribute", "name", "ILIKE", "M%")],
    ["tags.validated = 'true'", c("tag", "validated", "=", "true")],
    ["tag.k != 'v'", c("tag", "k", "!=", "v")],
  ])("registered models: %s", (text, expected) => expect(parseRegisteredModelFilter(text)).toEqual(expected));

  it.each([
    [
      "name = 'm' AND version_number > 3",
      { kind: "and", clauses: [c("attribute", "name", "=", "m"), c("attribute", "version_number", ">", 3)] },
    ],
    ["run_id IN ('abc','def')", c("attribute", "run_id", "IN", ["abc", "def"])],
    ["run_id = 'abc'", c("attribute", "run_id", "=", "abc")],
    ["source_path LIKE 's3://%'", c("attribute", "source_path", "LIKE", "s3://%")],
    ["tags.k = 'v'", c("tag", "k", "=", "v")],
    ["version_number = 1", c("attribute", "version_number", "=", 1)],
    // MLflow takes the version quoted as well.
    ["version_number = '1'", c("attribute", "version_number", "=", 1)],
  ])("model versions: %s", (text, expected) => expect(parseModelVersionFilter(text)).toEqual(expected));

  it.each([
    [parseRegisteredModelFilter, "run_id = 'x'", "Invalid attribute key"],
    [parseRegisteredModelFilter, "metrics.x > 1", "Invalid entity type"],
    [parseRegisteredModelFilter, "name IN ('a')", "IN"],
    [parseModelVersionFilter, "creation_timestamp > 0", "Invalid attribute key"],
    [parseModelVersionFilter, "run_id NOT IN ('a')", "NOT IN"],
    [parseModelVersionFilter, "version_number = 'one'", "numeric"],
    [parseModelVersionFilter, "name > 'x'", "comparator"],
  ] as const)("rejects %#: %s", (parse, text, fragment) => {
    expect(parseError(() => parse(text)).message).toContain(fragment);
  });
});

describe("order_by", () => {
  it.each([
    [["metrics.acc"], [{ entity: "metric", key: "acc", ascending: true }]],
    [["metrics.acc DESC"], [{ entity: "metric", key: "acc", ascending: false }]],
    [["metrics.acc desc"], [{ entity: "metric", key: "acc", ascending: false }]],
    [["metrics.acc ASC"], [{ entity: "metric", key: "acc", ascending: true }]],
    [["metrics.`val loss` DESC"], [{ entity: "metric", key: "val loss", ascending: false }]],
    [
      ["params.lr", "tags.t DESC"],
      [
        { entity: "param", key: "lr", ascending: true },
        { entity: "tag", key: "t", ascending: false },
      ],
    ],
    [["attributes.start_time"], [{ entity: "attribute", key: "start_time", ascending: true }]],
    [["start_time ASC"], [{ entity: "attribute", key: "start_time", ascending: true }]],
    [["created DESC"], [{ entity: "attribute", key: "start_time", ascending: false }]],
    [["`Run Name`"], [{ entity: "attribute", key: "run_name", ascending: true }]],
    [["attr.status"], [{ entity: "attribute", key: "status", ascending: true }]],
    [[""], []],
    [[], []],
  ])("runs %j", (items, expected) => expect(parseRunOrderBy(items)).toEqual(expected));

  it.each([
    [["attributes.nope"], "Invalid attribute key 'nope' in the runs order_by"],
    [["metrics.acc sideways"], "Invalid order_by clause"],
    [["metrics.acc", "metrics.acc DESC"], "duplicate"],
    [["start_time", "created"], "duplicate"],
    [["dataset.name"], "Cannot order"],
    [["bogus.x"], "Invalid entity type"],
  ])("rejects runs %j", (items, fragment) => {
    expect(parseError(() => parseRunOrderBy(items)).message).toContain(fragment);
  });

  it("experiments, registered models and model versions have their own keys", () => {
    expect(parseExperimentOrderBy(["name DESC", "experiment_id"])).toEqual([
      { entity: "attribute", key: "name", ascending: false },
      { entity: "attribute", key: "experiment_id", ascending: true },
    ]);
    expect(parseRegisteredModelOrderBy(["timestamp DESC"])).toEqual([
      { entity: "attribute", key: "timestamp", ascending: false },
    ]);
    expect(parseModelVersionOrderBy(["version_number DESC", "creation_timestamp"])).toHaveLength(2);
    expect(() => parseExperimentOrderBy(["bogus ASC"])).toThrow(SearchError);
    expect(() => parseExperimentOrderBy(["metrics.a"])).toThrow(SearchError);
    expect(() => parseRegisteredModelOrderBy(["creation_timestamp"])).toThrow(SearchError);
    expect(() => parseModelVersionOrderBy(["run_id"])).toThrow(SearchError);
  });
});
