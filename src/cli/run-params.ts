// Papermill's parameters: `-p name=value` typed as papermill types it (True/False, None, integers,
// floats, else text), `-r name=value` kept as text, a YAML or JSON file keeping its own types, and the
// injected cell that sets them, in the kernel's language, right after the cell tagged `parameters`.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { KernelFamily } from "../tracking/kernel-language.js";
import { UsageError } from "./store-uri.js";

export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };

/** papermill's `_resolve_type`: the text of a `-p` value as the value it means. */
export function resolveType(text: string): ParamValue {
  if (text === "True") return true;
  if (text === "False") return false;
  if (text === "None") return null;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) || /^[-+]?(inf|infinity|nan)$/i.test(text)) {
    const lower = text.toLowerCase().replace(/^\+/, "");
    if (lower === "nan" || lower === "-nan") return Number.NaN;
    if (lower === "inf" || lower === "infinity") return Infinity;
    if (lower === "-inf" || lower === "-infinity") return -Infinity;
    return Number(text);
  }
  return text;
}

/** `name=value` → [name, value]; the name must be an identifier in any kernel's language. */
export function splitAssignment(text: string, option: string): [string, string] {
  const at = text.indexOf("=");
  const name = at < 0 ? "" : text.slice(0, at).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new UsageError(`${option} wants NAME=VALUE with NAME an identifier, not "${text}"`);
  return [name, text.slice(at + 1)];
}

/** The values of a --parameters-file: a YAML (JSON is YAML) mapping of names to values. */
export function readParametersFile(path: string): Record<string, ParamValue> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read the parameters file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UsageError(
      `the parameters file ${path} is not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"}: ${(e as Error).message}`,
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new UsageError(`the parameters file ${path} must hold a mapping of names to values`);
  for (const name of Object.keys(value))
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new UsageError(`the parameters file ${path} names "${name}", which is not an identifier`);
  return value as Record<string, ParamValue>;
}

function pythonLiteral(v: ParamValue): string {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return 'float("nan")';
    if (v === Infinity) return 'float("inf")';
    if (v === -Infinity) return 'float("-inf")';
    return String(v);
  }
  // A JSON string is a valid Python string literal (\uXXXX escapes included).
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pythonLiteral).join(", ")}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}: ${pythonLiteral(x)}`)
    .join(", ")}}`;
}

function jsLiteral(v: ParamValue): string {
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (v === Infinity) return "Infinity";
    if (v === -Infinity) return "-Infinity";
  }
  return JSON.stringify(v);
}

/**
 * The injected cell's source: one assignment per parameter, as papermill writes it for Python;
 * TypeScript (tslab) declares them again with `let` (a later cell may redeclare a name there).
 */
export function injectedSource(family: KernelFamily, params: Record<string, ParamValue>): string {
  const entries = Object.entries(params);
  if (family === "python")
    return ["# Parameters", ...entries.map(([k, v]) => `${k} = ${pythonLiteral(v)}`)].join("\n");
  if (family === "javascript")
    return ["// Parameters", ...entries.map(([k, v]) => `let ${k} = ${jsLiteral(v)};`)].join("\n");
  throw new UsageError("parameters can be injected into Python and TypeScript/JavaScript kernels only");
}

/** A parameter as an MLflow param value: text as given, the rest as JSON (numbers as they read). */
export function paramText(v: ParamValue): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v);
}
