// The commands the `%track` / `%%track` grammar produces. Everything here is plain data (JSON-safe apart
// from NaN/±Infinity metric literals) so the extension can log it, diff it in tests and send it anywhere.

/** Every `%track` line command, by its canonical name (aliases resolve to these). */
export type CommandName =
  | "experiment"
  | "start"
  | "end"
  | "params"
  | "metrics"
  | "tag"
  | "note"
  | "runs"
  | "compare"
  | "status"
  | "help";

/** What `%track help TOPIC` can explain: every line command plus the `%%track` cell magic. */
export type HelpTopic = CommandName | "track";

/** How a run may end when the user closes it with `%track end --status …`. */
export type RunEndStatus = "FINISHED" | "FAILED" | "KILLED";

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/**
 * A kernel variable to read after (or, for `start`, when) the command runs. `name` is a dotted identifier
 * (`lr`, `config.lr`) and is also the key it is logged under, so it is always a valid MLflow key.
 */
export interface VariableRef {
  readonly kind: "variable";
  readonly name: string;
}

export type ParamItem =
  | { readonly kind: "literal"; readonly key: string; readonly value: string }
  | VariableRef;

/** Literal metric values may be NaN or ±Infinity (`loss=nan`), which MLflow accepts. */
export type MetricItem =
  | { readonly kind: "literal"; readonly key: string; readonly value: number }
  | VariableRef;

/** Options shared by everything that opens a run: `%%track` and `%track start`. */
export interface RunOptions {
  /** The run name (positional RUN_NAME or `--name`); absent: the executor picks one. */
  readonly name?: string;
  /** Log into this experiment instead of the notebook's. */
  readonly experiment?: string;
  /** Becomes the run's description (the `mlflow.note.content` tag). */
  readonly description?: string;
  /** Open the run as a child of the notebook's open `%track start` run. */
  readonly nested: boolean;
  readonly tags: readonly KeyValue[];
}

/** `%%track …` on a cell's first line: the cell's execution is one run. */
export interface TrackCellCommand extends RunOptions {
  readonly command: "track";
  /** Variables read after the cell ran and logged as params (non-numbers) or metrics (numbers). */
  readonly params: readonly string[];
  readonly metrics: readonly string[];
  /** Files or directories (relative to the kernel's working directory) uploaded after the cell ran. */
  readonly artifacts: readonly string[];
}

export interface ExperimentCommand {
  readonly command: "experiment";
  readonly name: string;
}

export interface StartCommand extends RunOptions {
  readonly command: "start";
}

/** `%track end` can also read variables and upload files, since they exist only at the end. */
export interface EndCommand {
  readonly command: "end";
  readonly status: RunEndStatus;
  readonly params: readonly string[];
  readonly metrics: readonly string[];
  readonly artifacts: readonly string[];
}

export interface ParamsCommand {
  readonly command: "params";
  readonly items: readonly ParamItem[];
}

export interface MetricsCommand {
  readonly command: "metrics";
  readonly items: readonly MetricItem[];
  /** A literal step, or a variable holding it (`--step epoch`); absent: the executor's default. */
  readonly step?: number | VariableRef;
}

export interface TagCommand {
  readonly command: "tag";
  readonly tags: readonly KeyValue[];
}

export interface NoteCommand {
  readonly command: "note";
  readonly text: string;
}

/**
 * An MLflow filter exactly as typed (quotes kept, since the filter grammar has its own quoting), with the
 * 1-based column where it starts so a server error position can be mapped back onto the magic line.
 */
export interface FilterText {
  readonly text: string;
  readonly column: number;
}

export interface RunsCommand {
  readonly command: "runs";
  readonly filter?: FilterText;
  /** MLflow order_by terms, e.g. `metrics.loss ASC`; empty: the server's default order. */
  readonly orderBy: readonly string[];
  readonly max?: number;
  readonly experiment?: string;
}

/** A 32-hex-digit word is a run id; anything else is looked up as a run name. */
export type RunRef =
  | { readonly kind: "id"; readonly id: string }
  | { readonly kind: "name"; readonly name: string };

export type RunSelection =
  /** Runs matching `filter` (all of the experiment's without one), optionally only the `last` N started. */
  | { readonly kind: "query"; readonly filter?: FilterText; readonly last?: number }
  /** Exactly these runs, in this order. */
  | { readonly kind: "runs"; readonly runs: readonly RunRef[] };

export type ChartKind = "curves" | "bar" | "scatter" | "parallel";
/** `--kind`: a chart kind, or "auto" (the default) to let the data choose curves or final values. */
export type ChartChoice = ChartKind | "auto";
export type XAxis = "step" | "time" | "relative";

/** `--group-by params.lr` / `tags.model`: colour (and aggregate) runs by one param or tag. */
export interface GroupKey {
  readonly entity: "param" | "tag";
  readonly key: string;
}

export interface CompareCommand {
  readonly command: "compare";
  readonly selection: RunSelection;
  readonly metrics: readonly string[];
  /** Param axes for `--kind parallel` / `scatter`. */
  readonly params: readonly string[];
  /**
   * `--kind`; default "auto": curves for the metrics some run logged at several steps, final values
   * for the others.
   */
  readonly chart: ChartChoice;
  /** Curves (and auto) only; default "step". */
  readonly x: XAxis;
  /** Exponential moving average weight for curves, 0 (none, the default) … 1. */
  readonly smooth: number;
  readonly log: boolean;
  readonly groupBy?: GroupKey;
  readonly experiment?: string;
}

export interface StatusCommand {
  readonly command: "status";
}

export interface HelpCommand {
  readonly command: "help";
  readonly topic?: HelpTopic;
}

export type LineCommand =
  | ExperimentCommand
  | StartCommand
  | EndCommand
  | ParamsCommand
  | MetricsCommand
  | TagCommand
  | NoteCommand
  | RunsCommand
  | CompareCommand
  | StatusCommand
  | HelpCommand;

/** What went wrong, for code that reacts to kinds of mistakes (tests, editor diagnostics). */
export type UsageErrorCode =
  | "not-a-magic"
  | "missing-command"
  | "unknown-command"
  | "unknown-option"
  | "missing-value"
  | "unexpected-value"
  | "duplicate-option"
  | "missing-argument"
  | "unexpected-argument"
  | "conflicting-options"
  | "bad-key"
  | "duplicate-key"
  | "bad-number"
  | "bad-value"
  | "unterminated-quote"
  | "trailing-backslash"
  | "misplaced-cell-magic";

/**
 * A malformed magic line. `column`/`length` are in UTF-16 code units (what editors use), `column` 1-based,
 * relative to the line as given (leading indentation included).
 */
export interface UsageError {
  readonly kind: "usage-error";
  readonly code: UsageErrorCode;
  /** One sentence naming the problem, e.g. `--max must be a positive integer, got "0"`. */
  readonly message: string;
  readonly column: number;
  /** How many characters the problem spans (≥ 1), for underlining. */
  readonly length: number;
  /** 1-based line in the cell; set by `parseCell` only. */
  readonly line?: number;
  /** The command the line was for, when the parser got that far. */
  readonly topic?: HelpTopic;
  /** The usage line of that command, or the list of commands when it is unknown. */
  readonly usage: string;
  /** The offending line, without its line terminator. */
  readonly source: string;
}

export interface LineCommandAt {
  /** 1-based line in the cell. */
  readonly line: number;
  readonly command: LineCommand;
}

export type CellParse =
  | { readonly kind: "plain" }
  | {
      readonly kind: "magic";
      /** Present when line 1 is a valid `%%track` line. */
      readonly cellMagic?: TrackCellCommand;
      /** The valid `%track` lines, in order. */
      readonly lineCommands: readonly LineCommandAt[];
      /** The source with every magic line emptied (terminators kept), so kernel line numbers still match. */
      readonly code: string;
      /** One per malformed magic line; when non-empty the cell must not run. */
      readonly errors: readonly UsageError[];
    };
