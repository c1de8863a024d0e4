// The `%track` grammar: text in, commands or usage errors out. Pure — no DOM, no JupyterLab, no Node
// APIs — so the Lab extension, tests and any other front end share one definition of the language.
//
// Entry points
//   parseCell(source)      a cell → { kind: "plain" } or its magic lines + the code for the kernel
//   parseLine(line)        one `%track …` line → LineCommand | UsageError
//   parseCellMagic(line)   one `%%track …` line → TrackCellCommand | UsageError
//   helpText(command?)     usage of every command, or of one
//   formatUsageError(e)    an error as text with a caret, for a cell's error output
//   quote(word)            spells a word so the parser reads it back unchanged (for generated lines)
//   compareLine(…)         a `%track compare` line naming runs by name (or id) that reads back as those
// None of them throws on any input.
//
// Decisions worth knowing (also in `%track help`)
// - Positions: `line` is 1-based within the cell; `column` is 1-based in UTF-16 units within the line.
// - Only long options. `--opt value` ≡ `--opt=value`; `--` ends options; `--help` anywhere → help.
// - `key=value` splits at the first `=` even when quoted (`'note=a b'`), like `env`: keys cannot hold `=`.
// - Comma lists: for values (tags, artifact paths) only bare commas split, so a quoted comma stays in the
//   value; for keys and variable names (which cannot hold commas) every comma splits.
// - Keys follow the tracking server's rules (src/store/rules.ts): letters, digits, _ - . / : space,
//   a clean relative path, ≤ 250 characters. Variables are dotted identifiers and double as keys.
// - Beyond the minimum: `--name`, `--experiment`, `--description` on %%track / start;
//   `--params/--metrics/--artifacts` on `end`; `--step VAR`; aliases param, metric, tags, exp;
//   `compare --params` (parallel/scatter axes). `--x` / `--smooth` are curves-only, `--params`
//   parallel/scatter-only, and saying otherwise is an error rather than silently ignored.
// - `runs` / `compare` filters are kept verbatim (MLflow's grammar has its own quoting) and validated by
//   the server. In `compare`, arguments containing a bare comparison (= < > != LIKE IN AND …) are a
//   filter; otherwise they are run names or ids.
export { parseCell } from "./cell.js";
export { compareLine, compareRunWord } from "./commands.js";
export { formatUsageError, isUsageError } from "./errors.js";
export { helpText } from "./help.js";
export { parseCellMagic, parseLine } from "./parse.js";
export { quote } from "./tokenize.js";
export type * from "./types.js";
