// One spec per command: its usage, help and options, and how its arguments become a command object.
// Help text and parsing read the same spec, so they cannot drift apart.
import { didYouMean, fail, show } from "./errors.js";
import {
  type Args,
  checkKey,
  choice,
  flag,
  isVariableName,
  keyValue,
  LIMITS,
  limitedName,
  list,
  metricNumber,
  nonEmpty,
  nonNegativeInt,
  type OptionSpec,
  optionValue,
  optionValues,
  optionWord,
  positionals,
  positiveInt,
  splitPair,
  uniqueKeys,
  unitInterval,
  variable,
} from "./options.js";
import { isBare, quote, sliceToken, type Token } from "./tokenize.js";
import type {
  ChartChoice,
  CompareCommand,
  FilterText,
  GroupKey,
  HelpTopic,
  KeyValue,
  LineCommand,
  MetricItem,
  ParamItem,
  RunEndStatus,
  RunOptions,
  RunRef,
  RunSelection,
  TrackCellCommand,
  XAxis,
} from "./types.js";

export interface CommandSpec<C> {
  readonly topic: HelpTopic;
  /** Other words accepted for the command (never shown in usage lines). */
  readonly aliases: readonly string[];
  /** One or more lines, `%track NAME …` form. */
  readonly usage: string;
  readonly summary: string;
  readonly details: readonly string[];
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  /** `line` is the whole magic line, for commands that keep raw text (filters). Throws UsageFailure. */
  readonly build: (args: Args, line: string) => C;
}

const span = (t: Token): number => t.end - t.start;

const noArguments = (args: Args, command: string): void => {
  const extra = positionals(args)[0];
  if (extra !== undefined) {
    fail(
      "unexpected-argument",
      `unexpected argument ${show(extra.text)}: ${command} takes none`,
      extra.start,
      span(extra),
    );
  }
};

const atMostOne = (args: Args, what: string, example: string): Token | undefined => {
  const [first, extra] = positionals(args);
  if (extra !== undefined) {
    fail(
      "unexpected-argument",
      `unexpected argument ${show(extra.text)}: ${what} with spaces needs quotes, e.g. ${example}`,
      extra.start,
      span(extra),
    );
  }
  return first;
};

const atLeastOne = (args: Args, what: string): Token[] => {
  const words = positionals(args);
  if (words.length === 0) fail("missing-argument", `missing ${what}`, args.end);
  return words;
};

// ── shared options ──────────────────────────────────────────────────────────────────────────────────

const RUN_OPTIONS: readonly OptionSpec[] = [
  { name: "name", metavar: "NAME", help: "run name (same as the RUN_NAME argument)" },
  { name: "nested", help: "open the run as a child of the notebook's open %track start run" },
  { name: "tags", metavar: "k=v,…", help: "tags to set on the run; quote a comma that belongs to a value" },
  { name: "experiment", metavar: "NAME", help: "log into this experiment instead of the notebook's" },
  { name: "description", metavar: "TEXT", help: "the run's description (shown in the MLflow UI)" },
];

const READ_OPTIONS: readonly OptionSpec[] = [
  { name: "params", metavar: "VAR,…", help: "variables to log as params" },
  { name: "metrics", metavar: "VAR,…", help: "variables to log as metrics" },
  { name: "artifacts", metavar: "PATH,…", help: "files or directories uploaded as artifacts" },
];

function runOptions(args: Args, example: string): RunOptions {
  const positional = atMostOne(args, "a run name", example);
  const option = optionValue(args, "name");
  if (positional !== undefined && option !== undefined) {
    const word = optionWord(args, "name") as Token;
    fail(
      "conflicting-options",
      "the run name is given twice: as an argument and with --name",
      word.start,
      word.end - word.start,
    );
  }
  const nameToken = positional ?? option;
  const experiment = optionValue(args, "experiment");
  const description = optionValue(args, "description");
  return {
    ...(nameToken && { name: limitedName(nameToken, "the run name", LIMITS.runNameLength) }),
    ...(experiment && {
      experiment: limitedName(experiment, "the experiment name", LIMITS.experimentNameLength),
    }),
    ...(description && { description: nonEmpty(description, "--description") }),
    nested: flag(args, "nested"),
    tags: tagList(optionValue(args, "tags")),
  };
}

function tagList(token: Token | undefined): KeyValue[] {
  if (token === undefined) return [];
  const items = list(token, "tag");
  const tags = items.map((item) => keyValue(item, "tag"));
  uniqueKeys(
    tags.map((t, i) => ({ key: t.key, token: items[i] as Token })),
    "tag",
  );
  return tags;
}

function reads(args: Args): { params: string[]; metrics: string[]; artifacts: string[] } {
  const names = (option: string): Token[] => {
    const token = optionValue(args, option);
    return token === undefined ? [] : list(token, "variable name", true);
  };
  const params = names("params");
  const metrics = names("metrics");
  for (const t of [...params, ...metrics]) variable(t);
  uniqueKeys(
    [...params, ...metrics].map((t) => ({ key: t.text, token: t })),
    "variable",
  );
  const artifacts = optionValue(args, "artifacts");
  return {
    params: params.map((t) => t.text),
    metrics: metrics.map((t) => t.text),
    artifacts: artifacts === undefined ? [] : list(artifacts, "artifact path").map((t) => t.text),
  };
}

/** Arguments as an MLflow filter, verbatim from the line (its own quoting must survive). */
function filterText(args: Args, line: string): FilterText | undefined {
  const [first, second] = args.argumentGroups;
  if (first === undefined) return undefined;
  if (second !== undefined) {
    const at = second[0] as Token;
    fail(
      "unexpected-argument",
      `unexpected argument ${show(at.text)}: the filter must be one piece, with options before or after it`,
      at.start,
      span(at),
    );
  }
  const start = (first[0] as Token).start;
  return { text: line.slice(start, (first[first.length - 1] as Token).end), column: start + 1 };
}

const FILTER_WORDS = /^(?:like|ilike|in|not|and|or)$/i;

/** A bare comparison operator or keyword anywhere makes the arguments a filter rather than run names. */
function looksLikeFilter(words: readonly Token[]): boolean {
  return words.some(
    (t) =>
      (FILTER_WORDS.test(t.text) && t.literal.every((q) => !q)) ||
      [..."=<>!"].some((c) => [...t.text].some((_, i) => isBare(t, i, c))),
  );
}

const RUN_ID = /^[0-9a-f]{32}$/;

/**
 * How a generated `%track compare` line names a run so that it reads back as that run's name: quoted
 * when it would otherwise be a filter word, hold an operator, a comma or a space; null when no
 * spelling can be a name (32 hex digits are always read as an id): the line must use the id.
 */
export function compareRunWord(name: string): string | null {
  if (name === "" || RUN_ID.test(name)) return null;
  const word = quote(name);
  if (word !== name || !(FILTER_WORDS.test(name) || /[=<>!]/.test(name))) return word;
  return `'${name}'`;
}

/**
 * A `%track compare` line for runs given by name (when `compareRunWord` can spell it) or id; what
 * `parseLine` reads back as exactly those runs and metrics.
 */
export function compareLine(o: {
  runs: readonly ({ name: string } | { id: string })[];
  metrics: readonly string[];
  experiment?: string | undefined;
  kind?: ChartChoice | undefined;
}): string {
  const words = o.runs.map((r) => ("id" in r ? r.id : (compareRunWord(r.name) ?? r.name)));
  return [
    "%track compare",
    ...words,
    "--metrics",
    o.metrics.map((m) => quote(m)).join(","),
    ...(o.kind && o.kind !== "auto" ? ["--kind", o.kind] : []),
    ...(o.experiment ? ["--experiment", quote(o.experiment)] : []),
  ].join(" ");
}

// ── the commands ────────────────────────────────────────────────────────────────────────────────────

export const TRACK_CELL: CommandSpec<TrackCellCommand> = {
  topic: "track",
  aliases: [],
  usage:
    "%%track [RUN_NAME] [--nested] [--params a,b] [--metrics x,y] [--tags k=v,…] [--artifacts path,…]\n" +
    "        [--name NAME] [--experiment NAME] [--description TEXT]",
  summary: "On a cell's first line: every execution of the cell is a new run.",
  details: [
    "The run starts before the code runs and ends FINISHED, or FAILED when the code raises (KILLED when " +
      "interrupted). MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_ID and MLFLOW_RUN_ID are set in the kernel, so " +
      "MLflow or Labtrack client calls inside the cell log into the same run.",
    "After the code ran, the variables named by --params and --metrics are read and logged by what they " +
      "hold: numbers as metrics, anything else as params (as text). %track lines inside the cell apply to " +
      "its run.",
  ],
  options: [...RUN_OPTIONS, ...READ_OPTIONS],
  examples: [
    "%%track",
    "%%track baseline --params lr,epochs --metrics loss,acc",
    "%%track 'cnn v2' --nested --tags model=cnn,stage=dev --artifacts model.pt,plots/",
  ],
  build: (args) => ({ command: "track", ...runOptions(args, '%%track "my run"'), ...reads(args) }),
};

const experiment: CommandSpec<LineCommand> = {
  topic: "experiment",
  aliases: ["exp"],
  usage: "%track experiment NAME",
  summary: "Sets the notebook's experiment (created if missing); kept in the notebook's metadata.",
  details: [],
  options: [],
  examples: ["%track experiment mnist", '%track experiment "mnist / cnn"'],
  build: (args) => {
    const name = atMostOne(args, "an experiment name", '%track experiment "my experiment"');
    if (name === undefined) fail("missing-argument", "missing the experiment NAME", args.end);
    return {
      command: "experiment",
      name: limitedName(name, "the experiment name", LIMITS.experimentNameLength),
    };
  },
};

const start: CommandSpec<LineCommand> = {
  topic: "start",
  aliases: [],
  usage:
    "%track start [RUN_NAME] [--nested] [--tags k=v,…] [--name NAME] [--experiment NAME] [--description TEXT]",
  summary: "Opens a run that spans the following cells, until %track end.",
  details: [
    "Cells run while it is open log into it (a %%track cell in between becomes its own run, nested with " +
      "--nested). If the kernel dies or the browser goes away, the run does not stay RUNNING: it is ended " +
      "KILLED.",
  ],
  options: RUN_OPTIONS,
  examples: ["%track start", "%track start sweep-1 --tags sweep=lr"],
  build: (args) => ({ command: "start", ...runOptions(args, '%track start "my run"') }),
};

const END_STATUSES: readonly RunEndStatus[] = ["FINISHED", "FAILED", "KILLED"];

const end: CommandSpec<LineCommand> = {
  topic: "end",
  aliases: [],
  usage: "%track end [--status FINISHED|FAILED|KILLED] [--params a,b] [--metrics x,y] [--artifacts path,…]",
  summary: "Ends the run opened by %track start (FINISHED unless --status says otherwise).",
  details: ["--params, --metrics and --artifacts are read and logged just before the run ends."],
  options: [
    { name: "status", metavar: "STATUS", help: "FINISHED (default), FAILED or KILLED" },
    ...READ_OPTIONS,
  ],
  examples: [
    "%track end",
    "%track end --status FAILED",
    "%track end --metrics best_acc --artifacts model.pt",
  ],
  build: (args) => {
    noArguments(args, "%track end");
    const status = optionValue(args, "status");
    return {
      command: "end",
      status: status === undefined ? "FINISHED" : choice(status, "--status", END_STATUSES),
      ...reads(args),
    };
  },
};

const params: CommandSpec<LineCommand> = {
  topic: "params",
  aliases: ["param"],
  usage: "%track params (VAR | key=value)…",
  summary: "Logs params to the current run: a bare name is a kernel variable, key=value is the literal text.",
  details: ["Variables are read after the cell ran. Quote values with spaces: lr=0.1 model='resnet 50'."],
  options: [],
  examples: ["%track params lr epochs", "%track params optimizer=adam note='first try'"],
  build: (args) => {
    const words = atLeastOne(args, "params: give variable names or key=value pairs");
    const items = words.map((word): ParamItem => {
      const pair = splitPair(word);
      if (pair !== null) return { kind: "literal", key: checkKey(pair.key, "param"), value: pair.value.text };
      return variable(word, "variable name or key=value");
    });
    uniqueKeys(
      items.map((item, i) => ({
        key: item.kind === "variable" ? item.name : item.key,
        token: words[i] as Token,
      })),
      "param",
    );
    return { command: "params", items };
  },
};

const metrics: CommandSpec<LineCommand> = {
  topic: "metrics",
  aliases: ["metric"],
  usage: "%track metrics (VAR | key=number)… [--step N|VAR]",
  summary:
    "Logs metrics to the current run, once: a bare name is a kernel variable (read after the cell ran), key=number a literal value.",
  details: [
    "nan, inf and -inf are accepted as numbers. --step takes an integer ≥ 0 or a variable holding it.",
    "It logs once, after the cell: in a training loop, --step epoch is the value epoch has when the cell " +
      "ends (the last step), so a curve gets one point. For a value per step, log from the loop itself: " +
      'labtrack.log_metric("loss", loss, step=epoch) in Python (import labtrack: nothing to install), ' +
      'logMetric("loss", loss, epoch) from "labtrack" in TypeScript (tslab).',
  ],
  options: [
    {
      name: "step",
      metavar: "N|VAR",
      help: "the step to log at (an integer ≥ 0, or a variable read once, after the cell)",
    },
  ],
  examples: ["%track metrics loss acc --step epoch", "%track metrics val_loss=0.31 --step 10"],
  build: (args) => {
    const words = atLeastOne(args, "metrics: give variable names or key=number pairs");
    const items = words.map((word): MetricItem => {
      const pair = splitPair(word);
      if (pair === null) return variable(word, "variable name or key=number");
      const key = checkKey(pair.key, "metric");
      return { kind: "literal", key, value: metricNumber(pair.value, key) };
    });
    uniqueKeys(
      items.map((item, i) => ({
        key: item.kind === "variable" ? item.name : item.key,
        token: words[i] as Token,
      })),
      "metric",
    );
    const step = optionValue(args, "step");
    if (step === undefined) return { command: "metrics", items };
    if (isVariableName(step.text)) return { command: "metrics", items, step: variable(step) };
    return { command: "metrics", items, step: nonNegativeInt(step, "--step") };
  },
};

const tag: CommandSpec<LineCommand> = {
  topic: "tag",
  aliases: ["tags"],
  usage: "%track tag key=value…",
  summary: "Sets tags on the current run.",
  details: [],
  options: [],
  examples: ["%track tag model=cnn stage=dev", '%track tag "dataset=mnist (10%)"'],
  build: (args) => {
    const words = atLeastOne(args, "tags: give key=value pairs");
    const tags = words.map((word) => keyValue(word, "tag"));
    uniqueKeys(
      tags.map((t, i) => ({ key: t.key, token: words[i] as Token })),
      "tag",
    );
    return { command: "tag", tags };
  },
};

const note: CommandSpec<LineCommand> = {
  topic: "note",
  aliases: [],
  usage: '%track note "text"',
  summary: "Sets the current run's description (Markdown, shown in the MLflow UI).",
  details: ["Several words are joined with single spaces; \\n inside double quotes is a line break."],
  options: [],
  examples: ['%track note "baseline: no augmentation"', '%track note "## Findings\\n- lr too high"'],
  build: (args) => {
    const words = atLeastOne(args, "the note text");
    const text = words.map((w) => w.text).join(" ");
    return { command: "note", text: nonEmpty({ ...(words[0] as Token), text }, "the note") };
  },
};

const runs: CommandSpec<LineCommand> = {
  topic: "runs",
  aliases: [],
  usage: "%track runs [FILTER] [--order-by TERM]… [--max N] [--experiment NAME]",
  summary: "Shows a table of the experiment's runs that match an MLflow filter.",
  details: [
    "FILTER is MLflow search syntax, typed as is (quotes included): metrics.loss < 0.3 and params.model = 'cnn'.",
    '--order-by may be repeated or take a comma list; TERM is e.g. "metrics.loss ASC".',
  ],
  options: [
    { name: "order-by", metavar: "TERM", repeatable: true, help: 'sort by, e.g. "metrics.loss ASC"' },
    { name: "max", metavar: "N", help: `at most N runs (1 to ${LIMITS.maxResults})` },
    { name: "experiment", metavar: "NAME", help: "search this experiment instead of the notebook's" },
  ],
  examples: [
    "%track runs",
    "%track runs metrics.loss < 0.3 and params.model = 'cnn' --max 20",
    '%track runs --order-by "metrics.acc DESC" --experiment mnist',
  ],
  build: (args, line) => {
    const filter = filterText(args, line);
    const max = optionValue(args, "max");
    const experiment = optionValue(args, "experiment");
    return {
      command: "runs",
      ...(filter && { filter }),
      orderBy: optionValues(args, "order-by").flatMap((t) =>
        list(t, "order-by term", true).map((term) => term.text),
      ),
      ...(max && { max: positiveInt(max, "--max", LIMITS.maxResults) }),
      ...(experiment && {
        experiment: limitedName(experiment, "the experiment name", LIMITS.experimentNameLength),
      }),
    };
  },
};

const CHART_KINDS: readonly ChartChoice[] = ["auto", "curves", "bar", "scatter", "parallel"];
const X_AXES: readonly XAxis[] = ["step", "time", "relative"];

function groupKey(token: Token): GroupKey {
  const match = /^(params?|tags?)\.(.*)$/s.exec(token.text);
  if (match === null) {
    fail(
      "bad-value",
      `--group-by must be params.KEY or tags.KEY, got ${show(token.text)}`,
      token.start,
      token.end - token.start,
    );
  }
  const prefix = match[1] as string;
  const entity = prefix.startsWith("param") ? "param" : "tag";
  const key = checkKey(sliceToken(token, prefix.length + 1), entity);
  return { entity, key };
}

const compare: CommandSpec<LineCommand> = {
  topic: "compare",
  aliases: [],
  usage:
    "%track compare [FILTER | RUN… | --last N] --metrics m1,m2 [--kind auto|curves|bar|scatter|parallel]\n" +
    "        [--x step|time|relative] [--smooth 0..1] [--log] [--group-by params.KEY] [--params p1,p2]\n" +
    "        [--experiment NAME]",
  summary: "Charts metrics of several runs inline.",
  details: [
    "Runs are chosen by an MLflow filter (any comparison makes the arguments a filter), by names or ids " +
      "(space or comma separated; 32 hex digits is an id), or by --last N (the N most recently started, " +
      "after the filter if there is one). With none of these: the experiment's runs.",
    "Without --kind the data choose: curves for metrics some run logged at several steps, the final " +
      "values (one dot per run, value written) for metrics logged once, both in one chart when they differ.",
    "--x and --smooth shape metric curves; --params adds param axes to parallel and scatter charts.",
  ],
  options: [
    { name: "metrics", metavar: "m1,m2", help: "metric keys to chart (required)" },
    { name: "last", metavar: "N", help: "only the N most recently started runs" },
    {
      name: "kind",
      metavar: "KIND",
      help: "auto (default: by the data), curves, bar (final values), scatter or parallel",
    },
    { name: "x", metavar: "AXIS", help: "curves: step (default), time or relative (seconds since start)" },
    { name: "smooth", metavar: "W", help: "curves: exponential smoothing weight from 0 (none) to 1" },
    { name: "log", help: "logarithmic metric axis" },
    { name: "group-by", metavar: "KEY", help: "colour runs by params.KEY or tags.KEY" },
    { name: "params", metavar: "p1,p2", help: "parallel / scatter: param keys as axes" },
    { name: "experiment", metavar: "NAME", help: "look in this experiment instead of the notebook's" },
  ],
  examples: [
    "%track compare --last 5 --metrics loss,val_loss --smooth 0.6",
    "%track compare baseline cnn-v2 --metrics acc --kind bar",
    "%track compare params.model = 'cnn' --metrics acc --kind parallel --params lr,batch --group-by params.lr",
  ],
  build: (args, line): CompareCommand => {
    const words = positionals(args);
    const last = optionValue(args, "last");
    let selection: RunSelection;
    if (words.length > 0 && !looksLikeFilter(words)) {
      if (last !== undefined) {
        const word = optionWord(args, "last") as Token;
        fail(
          "conflicting-options",
          "--last chooses runs itself: give either run names/ids or --last",
          word.start,
          span(word),
        );
      }
      const refs = words.flatMap((w) => list(w, "run name or id"));
      const runRefs = refs.map(
        (r): RunRef => (RUN_ID.test(r.text) ? { kind: "id", id: r.text } : { kind: "name", name: r.text }),
      );
      selection = { kind: "runs", runs: runRefs };
    } else {
      const filter = filterText(args, line);
      selection = {
        kind: "query",
        ...(filter && { filter }),
        ...(last && { last: positiveInt(last, "--last") }),
      };
    }
    const metricsToken = optionValue(args, "metrics");
    if (metricsToken === undefined) {
      fail(
        "missing-argument",
        "missing --metrics: which metrics to chart, e.g. --metrics loss,acc",
        args.end,
      );
    }
    const metricKeys = list(metricsToken, "metric key", true).map((t) => ({
      key: checkKey(t, "metric"),
      token: t,
    }));
    uniqueKeys(metricKeys, "metric");
    const paramsToken = optionValue(args, "params");
    const paramKeys = paramsToken
      ? list(paramsToken, "param key", true).map((t) => ({ key: checkKey(t, "param"), token: t }))
      : [];
    uniqueKeys(paramKeys, "param");
    const kindToken = optionValue(args, "kind");
    const chart = kindToken === undefined ? "auto" : choice(kindToken, "--kind", CHART_KINDS);
    const onlyFor = (option: string, kinds: readonly ChartChoice[], which: string): void => {
      const word = optionWord(args, option);
      if (word !== undefined && !kinds.includes(chart)) {
        fail("conflicting-options", `--${option} only applies to ${which}`, word.start, span(word));
      }
    };
    // Curves' options also shape the curves of the automatic chart.
    onlyFor("x", ["curves", "auto"], "curves: --kind curves, or no --kind");
    onlyFor("smooth", ["curves", "auto"], "curves: --kind curves, or no --kind");
    onlyFor("params", ["parallel", "scatter"], "--kind parallel or scatter");
    const x = optionValue(args, "x");
    const smooth = optionValue(args, "smooth");
    const group = optionValue(args, "group-by");
    const experimentName = optionValue(args, "experiment");
    return {
      command: "compare",
      selection,
      metrics: metricKeys.map((m) => m.key),
      params: paramKeys.map((p) => p.key),
      chart,
      x: x === undefined ? "step" : choice(x, "--x", X_AXES),
      smooth: smooth === undefined ? 0 : unitInterval(smooth, "--smooth"),
      log: flag(args, "log"),
      ...(group && { groupBy: groupKey(group) }),
      ...(experimentName && {
        experiment: limitedName(experimentName, "the experiment name", LIMITS.experimentNameLength),
      }),
    };
  },
};

const status: CommandSpec<LineCommand> = {
  topic: "status",
  aliases: [],
  usage: "%track status",
  summary: "Shows the tracking server, the notebook's experiment and the open run.",
  details: [],
  options: [],
  examples: ["%track status"],
  build: (args) => {
    noArguments(args, "%track status");
    return { command: "status" };
  },
};

const help: CommandSpec<LineCommand> = {
  topic: "help",
  aliases: [],
  usage: "%track help [COMMAND]",
  summary: "Shows how to use all commands, or one (also: %track COMMAND --help).",
  details: [],
  options: [],
  examples: ["%track help", "%track help compare", "%track help %%track"],
  build: (args) => {
    const [word, extra] = positionals(args);
    if (extra !== undefined) {
      fail(
        "unexpected-argument",
        `unexpected argument ${show(extra.text)}: help takes one command`,
        extra.start,
        span(extra),
      );
    }
    if (word === undefined) return { command: "help" };
    const spec = findTopic(word.text);
    if (spec === undefined) {
      fail(
        "unknown-command",
        `no command ${show(word.text)}${suggestCommand(word.text)}`,
        word.start,
        span(word),
      );
    }
    return { command: "help", topic: spec.topic };
  },
};

export const LINE_COMMANDS: readonly CommandSpec<LineCommand>[] = [
  experiment,
  start,
  end,
  params,
  metrics,
  tag,
  note,
  runs,
  compare,
  status,
  help,
];

export function findCommand(word: string): CommandSpec<LineCommand> | undefined {
  const lower = word.toLowerCase();
  return LINE_COMMANDS.find((c) => c.topic === lower || c.aliases.includes(lower));
}

/** A command, or the cell magic under any spelling a user would try. */
export function findTopic(
  word: string,
): CommandSpec<LineCommand> | CommandSpec<TrackCellCommand> | undefined {
  const bare = word.replace(/^%{1,2}track$/i, "track").replace(/^%track\s+/i, "");
  return bare.toLowerCase() === "track" ? TRACK_CELL : findCommand(bare);
}

export function suggestCommand(word: string): string {
  return didYouMean(
    word,
    LINE_COMMANDS.map((c) => c.topic),
  );
}

/** The list shown when the command itself is missing or unknown. */
export const COMMAND_LIST = `%track ${LINE_COMMANDS.map((c) => c.topic).join("|")} …`;
