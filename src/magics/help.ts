// Help is rendered from the command specs, so `%track help` always describes what the parser accepts.
import { type CommandSpec, findTopic, LINE_COMMANDS, TRACK_CELL } from "./commands.js";
import { show } from "./errors.js";
import type { LineCommand, TrackCellCommand } from "./types.js";

type AnySpec = CommandSpec<LineCommand> | CommandSpec<TrackCellCommand>;

const QUOTING = [
  "Arguments are read like a shell command line: 'single quotes' are literal, \"double quotes\" know",
  '\\" \\\\ \\n \\t, a backslash escapes one character, a word starting with # begins a comment, and --',
  "ends the options. --opt value and --opt=value are the same. In comma lists, quote a comma that",
  "belongs to a value: --tags note='a, b',stage=dev.",
];

/** The first usage line of a spec, for error messages. */
export const usageOf = (spec: AnySpec): string => spec.usage;

const WIDTH = 100;

/** Greedy word wrap; `first` and `rest` prefix the first and the following lines. */
function wrap(text: string, first: string, rest = " ".repeat(first.length)): string[] {
  const lines: string[] = [];
  let current = first;
  let empty = true;
  for (const word of text.split(" ")) {
    if (!empty && current.length + 1 + word.length > WIDTH) {
      lines.push(current);
      current = rest + word;
    } else {
      current += (empty ? "" : " ") + word;
    }
    empty = false;
  }
  lines.push(current);
  return lines;
}

function overview(): string {
  const rows: [string, string][] = [
    ["%%track [RUN_NAME] [options]", TRACK_CELL.summary],
    ...LINE_COMMANDS.map((c): [string, string] => [
      (c.usage.split("\n")[0] as string).replace(/ \[--.*$/, " [options]"),
      c.summary,
    ]),
  ];
  // A usage too long for the column gets its summary on the next line rather than a ragged table.
  const column = 38;
  return [
    "Labtrack magics: track notebook cells as MLflow runs.",
    "",
    ...rows.flatMap(([usage, summary]) =>
      usage.length + 4 <= column
        ? wrap(summary, `  ${usage.padEnd(column - 2)}`)
        : [`  ${usage}`, ...wrap(summary, " ".repeat(column))],
    ),
    "",
    ...QUOTING,
    "",
    'Run "%track help COMMAND" (or "%track COMMAND --help") for one command\'s options.',
  ].join("\n");
}

function detailed(spec: AnySpec): string {
  const lines = [`Usage: ${spec.usage.split("\n").join("\n       ")}`, "", ...wrap(spec.summary, "")];
  for (const paragraph of spec.details) lines.push("", ...wrap(paragraph, ""));
  if (spec.options.length > 0) {
    const labels = spec.options.map(
      (o) => `--${o.name}${o.metavar ? ` ${o.metavar}` : ""}${o.repeatable ? " …" : ""}`,
    );
    const width = Math.max(...labels.map((l) => l.length)) + 2;
    lines.push(
      "",
      "Options:",
      ...spec.options.flatMap((o, i) => wrap(o.help, `  ${(labels[i] as string).padEnd(width)}`)),
    );
  }
  if (spec.aliases.length > 0) lines.push("", `Also spelled: ${spec.aliases.join(", ")}`);
  lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

/**
 * Usage of every command, or of one: `command` may be a command name or alias, "track" / "%%track" for
 * the cell magic. An unknown name gets the overview, prefixed with a line saying so.
 */
export function helpText(command?: string): string {
  if (command === undefined || command.trim() === "") return overview();
  const spec = findTopic(command.trim());
  if (spec === undefined) return `No command ${show(command)}.\n\n${overview()}`;
  return detailed(spec);
}
