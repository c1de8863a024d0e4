// Where `--output` writes each execution's notebook. Papermill formats its output path with the
// parameters (`papermill in.ipynb "out/{lr}-{batch}.ipynb" -p lr 0.1`, Python's str.format), so a
// path with `{name}` placeholders is formatted with each execution's parameters — one file per sweep
// point, the way papermill users already write it. A folder (one that exists, or a path ending in
// "/") receives the notebook under its own name, and in a sweep under the name plus the point's
// values (`train_lr=0.1_batch=32.ipynb`), as nbconvert's --output-dir keeps names. Checked before
// anything runs: an unknown placeholder, or two points that would write the same file, is bad input.
import { statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { type ParamValue, paramText } from "./run-params.js";
import { UsageError } from "./store-uri.js";

/** One execution: all its parameters, and the values its sweep point sets (empty outside a sweep). */
export interface OutputPoint {
  params: Record<string, ParamValue>;
  swept: Record<string, ParamValue>;
}

/**
 * A parameter's text as part of a file name: the text its param is logged with, with what would
 * leave the file's folder (path separators, a name of dots only) or cannot be in a name replaced.
 */
function fileText(v: ParamValue): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const text = paramText(v).replace(/[/\\\u0000-\u001f]/g, "_");
  return /^\.*$/.test(text) ? text.replace(/\./g, "_") || "_" : text;
}

/** The placeholders of a path pattern (`{name}`; `{{` and `}}` are literal braces), in order. */
function placeholders(pattern: string): (string | { name: string })[] {
  const parts: (string | { name: string })[] = [];
  let text = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if ((c === "{" || c === "}") && pattern[i + 1] === c) {
      text += c;
      i++;
      continue;
    }
    if (c === "}")
      throw new UsageError(`--output ${pattern}: a lone "}" (write "}}" for a brace in the name)`);
    if (c !== "{") {
      text += c;
      continue;
    }
    const end = pattern.indexOf("}", i);
    const name = end < 0 ? "" : pattern.slice(i + 1, end);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new UsageError(
        `--output ${pattern}: "${end < 0 ? pattern.slice(i) : pattern.slice(i, end + 1)}" is not a parameter placeholder ({name}; "{{" for a brace in the name)`,
      );
    if (text) parts.push(text);
    text = "";
    parts.push({ name });
    i = end;
  }
  if (text) parts.push(text);
  return parts;
}

function isFolder(output: string): boolean {
  if (/[/\\]$/.test(output)) return true;
  try {
    return statSync(output).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The executed notebook's path for each point (absolute), or a UsageError: an unknown placeholder, a
 * sweep whose points would overwrite one file.
 */
export function outputPaths(output: string, notebookFile: string, points: readonly OutputPoint[]): string[] {
  const stem = basename(notebookFile, extname(notebookFile));
  let paths: string[];
  if (isFolder(output)) {
    paths = points.map(({ swept }) => {
      const values = Object.entries(swept).map(([k, v]) => `_${k}=${fileText(v)}`);
      return resolve(join(output, `${stem}${values.join("")}.ipynb`));
    });
  } else {
    const parts = placeholders(output);
    paths = points.map(({ params }) =>
      resolve(
        parts
          .map((p) => {
            if (typeof p === "string") return p;
            if (!(p.name in params))
              throw new UsageError(
                `--output ${output}: no parameter named "${p.name}" (given: ${Object.keys(params).join(", ") || "none"})`,
              );
            return fileText(params[p.name] as ParamValue);
          })
          .join(""),
      ),
    );
  }
  const seen = new Set<string>();
  for (const [i, path] of paths.entries()) {
    if (!seen.has(path)) {
      seen.add(path);
      continue;
    }
    const swept = Object.keys(points[i]?.swept ?? {});
    throw new UsageError(
      `--output ${output} names the same file (${path}) for ${points.length > 2 ? "several" : "both"} sweep points: ` +
        `give a folder (ending in "/") or put the swept parameters in it (${swept.map((n) => `{${n}}`).join(", ")})`,
    );
  }
  return paths;
}
