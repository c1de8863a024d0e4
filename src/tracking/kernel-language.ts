// What Labtrack must say to a kernel in its own language: setting MLFLOW_* in its environment, reading
// variables when the kernel does not answer user_expressions, flushing Labtrack's client. Pure.

export type KernelFamily = "python" | "javascript" | "other";

export function kernelFamily(languageName: string | undefined): KernelFamily {
  const name = (languageName ?? "").toLowerCase();
  if (name === "python" || name === "ipython" || name.startsWith("python")) return "python";
  if (name === "typescript" || name === "javascript" || name === "js" || name === "ts") return "javascript";
  return "other";
}

/**
 * One line of code that sets (or, for null values, removes) environment variables in the kernel
 * process. One line, because it takes the place of the blanked `%%track` line.
 */
export function setEnvCode(family: KernelFamily, vars: Record<string, string | null>): string | null {
  const entries = Object.entries(vars);
  if (family === "python") {
    const set = entries
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    const unset = entries.filter(([, v]) => v === null).map(([k]) => JSON.stringify(k));
    return (
      `import os as _labtrack_os; _labtrack_os.environ.update({${set.join(", ")}}); ` +
      `[_labtrack_os.environ.pop(_labtrack_k, None) for _labtrack_k in [${unset.join(", ")}]]; ` +
      "del _labtrack_os"
    );
  }
  if (family === "javascript") {
    return entries
      .map(([k, v]) =>
        v === null
          ? `delete process.env[${JSON.stringify(k)}];`
          : `process.env[${JSON.stringify(k)}] = ${JSON.stringify(v)};`,
      )
      .join(" ");
  }
  return null;
}

/**
 * The same as an expression, for kernels that evaluate user_expressions (Python): it runs after the
 * cell's code, in the cell's own request.
 */
export function setEnvExpression(family: KernelFamily, vars: Record<string, string | null>): string | null {
  if (family !== "python") return null;
  const entries = Object.entries(vars);
  const set = entries
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const unset = entries.filter(([, v]) => v === null).map(([k]) => JSON.stringify(k));
  return (
    `(__import__("os").environ.update({${set.join(", ")}}), ` +
    `[__import__("os").environ.pop(k, None) for k in [${unset.join(", ")}]])`
  );
}

/**
 * IPython kernels: a marker line in place of the blanked `%%track` line carries MLFLOW_* and the names
 * the cell logs; an input transformer (installed once per kernel by PYTHON_ENV_SETUP) applies the
 * variables, notes the names' values as they are before the code runs, and blanks the line before the
 * cell is compiled: the cell's own request sets the environment and takes that snapshot (no request
 * of its own), and tracebacks show only the user's code.
 */
export const PYTHON_ENV_MARKER = "# labtrack:env ";

export function pythonEnvLine(vars: Record<string, string | null>, watch: readonly string[] = []): string {
  return PYTHON_ENV_MARKER + JSON.stringify({ env: vars, watch });
}

/**
 * The snapshot the marker line took: the watched names' values before the code ran, as their
 * text/plain (what user_expressions answer), names then undefined left out. Evaluates to one JSON
 * text; raises where no tracked cell took one (the transformer is missing).
 */
export const PYTHON_BEFORE_EXPRESSION = '__import__("json").dumps(get_ipython()._labtrack_before)';

export const PYTHON_ENV_SETUP = `def _labtrack_install():
    import json, os
    ip = get_ipython()
    def _labtrack_env(lines):
        if lines and lines[0].startswith(${JSON.stringify(PYTHON_ENV_MARKER)}):
            state = json.loads(lines[0][${PYTHON_ENV_MARKER.length}:])
            # An older front end sharing the kernel sends the variables alone.
            env = state["env"] if "watch" in state else state
            for k, v in env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            before = {}
            for name in state.get("watch", []):
                try:
                    value = eval(name, ip.user_global_ns, ip.user_ns)
                    before[name] = ip.display_formatter.format(value, include=("text/plain",))[0]["text/plain"]
                except Exception:
                    pass
            ip._labtrack_before = before
            return ["\\n"] + lines[1:]
        return lines
    ip.input_transformers_cleanup[:] = [t for t in ip.input_transformers_cleanup if getattr(t, "__name__", "") != "_labtrack_env"] + [_labtrack_env]
_labtrack_install(); del _labtrack_install`;

/** Marks the line carrying the variables in the kernel's stdout (kernels differ in how they echo values). */
export const VARIABLES_MARKER = "__labtrack_variables__";

/**
 * Code that prints the JSON of the named variables after VARIABLES_MARKER, for kernels that ignore
 * user_expressions. Missing variables become null rather than an error.
 */
export function readVariablesCode(family: KernelFamily, names: readonly string[]): string | null {
  if (family === "javascript") {
    const fields = names.map(
      (n) => `${JSON.stringify(n)}: (() => { try { return ${n}; } catch { return null; } })()`,
    );
    return `console.log(${JSON.stringify(VARIABLES_MARKER)} + JSON.stringify({ ${fields.join(", ")} }));`;
  }
  if (family === "python") {
    const fields = names.map((n) => `${JSON.stringify(n)}: globals().get(${JSON.stringify(n)})`);
    return `print(${JSON.stringify(VARIABLES_MARKER)} + __import__("json").dumps({${fields.join(", ")}}, default=str))`;
  }
  return null;
}

/** The variables' JSON from what the kernel printed, or null when the marker line is missing. */
export function variablesFromOutput(stdout: string): Record<string, unknown> | null {
  const line = stdout.split("\n").find((l) => l.startsWith(VARIABLES_MARKER));
  if (!line) return null;
  return JSON.parse(line.slice(VARIABLES_MARKER.length)) as Record<string, unknown>;
}

/**
 * Python: sends what the `labtrack` Python module (python/labtrack, standard library only) has queued,
 * evaluated as a user_expression of the tracked cell's execute request. It evaluates to None when
 * everything is on the server, and raises `labtrack.UnsentDataError` when some data could not be sent
 * or was refused, so the user_expression's status is "error" with that ename and an evalue naming
 * what was not sent and the server's message. It never imports labtrack: when the kernel did not
 * import it (the module is not in sys.modules) it is None at once. It may take as long as the
 * module's retries (MLFLOW_HTTP_REQUEST_MAX_RETRIES; ~15 s by default) when the server is down.
 */
export const PYTHON_FLUSH_EXPRESSION =
  'getattr(__import__("sys").modules.get("labtrack"), "flush", lambda: None)()';

/**
 * A statement that sends what Labtrack's client in the kernel has buffered, if the kernel uses it:
 * the TypeScript client (tslab) or the `labtrack` Python module (the PYTHON_FLUSH_EXPRESSION as a
 * statement, raising `labtrack.UnsentDataError` when data could not be sent). A no-op when the
 * kernel never loaded the client; null for kernels without one.
 */
export function flushClientCode(family: KernelFamily): string | null {
  if (family === "javascript") return "await globalThis.__labtrackFlush?.();";
  if (family === "python") return PYTHON_FLUSH_EXPRESSION;
  return null;
}

/**
 * A value as the kernel printed it (text/plain of a repr) → a number when it is one, else the text.
 * Handles Python reprs of strings and numpy scalars, and JavaScript's display of strings.
 */
export function parseDisplayedValue(text: string): number | string {
  const t = text.trim();
  const numeric =
    /^(?:np\.\w+\()?(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|nan|inf|-inf|NaN|Infinity|-Infinity)\)?$/i.exec(t);
  if (numeric?.[1]) {
    const v = numeric[1].toLowerCase();
    if (v === "nan") return Number.NaN;
    if (v === "inf" || v === "infinity") return Infinity;
    if (v === "-inf" || v === "-infinity") return -Infinity;
    return Number(numeric[1]);
  }
  const quoted = /^(['"])([\s\S]*)\1$/.exec(t);
  if (quoted?.[2] !== undefined) return unescapeRepr(quoted[2]);
  return t;
}

function unescapeRepr(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e[0] === "x" || e[0] === "u") return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    return ({ n: "\n", t: "\t", r: "\r", "0": "\0" } as Record<string, string>)[e] ?? e;
  });
}

/** The value of a variable read as JSON (the fallback path): numbers stay numbers, the rest text. */
export function fromJsonValue(value: unknown): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return String(value);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
