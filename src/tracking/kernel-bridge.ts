// Talks to the cell's kernel on Labtrack's behalf, without ever writing into the cell's output or the
// kernel's history: set MLFLOW_* variables, read variables after the code ran, flush the client.
import {
  flushClientCode,
  fromJsonValue,
  type KernelFamily,
  kernelFamily,
  PYTHON_BEFORE_EXPRESSION,
  PYTHON_ENV_SETUP,
  PYTHON_FLUSH_EXPRESSION,
  parseDisplayedValue,
  readVariablesCode,
  setEnvCode,
  setEnvExpression,
  variablesFromOutput,
} from "./kernel-language.js";
import type { ExecuteContent, ExecuteReply, IOPubMessage, TrackingKernel } from "./types.js";

export type VariableValue = number | string | null;

/** The user_expressions key that flushes the `labtrack` Python module (evaluated first). */
export const FLUSH_KEY = "__labtrack_flush__";
/** The user_expressions key under which the environment is reset after a tracked cell. */
export const ENV_KEY = "__labtrack_env__";

/** The user_expressions key under which the values before the cell (the marker line's snapshot) are read. */
export const BEFORE_KEY = "__labtrack_before__";

/**
 * What `afterCell` read, why buffered values could not be sent (null when they all were), and, when
 * asked, the watched values as they were before the cell ran (null where the kernel has no snapshot).
 */
export interface AfterCell {
  values: Record<string, VariableValue>;
  flushError: string | null;
  before: Record<string, VariableValue> | null;
}

type ExpressionResult = { status?: string; ename?: string; evalue?: string; data?: Record<string, unknown> };

/** The message of one user expression's error (else its name), or null when it evaluated or was not asked. */
export function expressionError(reply: ExecuteReply | undefined, key: string): string | null {
  const r = reply?.user_expressions?.[key] as ExpressionResult | undefined;
  if (r?.status !== "error") return null;
  return r.evalue || r.ename || "Error";
}

/** Kernels found not to answer user_expressions (by kernel id), so the fallback is used at once. */
const noUserExpressions = new Set<string>();

/**
 * ipykernel aborts every execute request that reaches it while it is still aborting after a cell's
 * error (its `stop_on_error` window: until its event loop's next turn by default). Labtrack's own request
 * sent as soon as the failed cell's reply arrives (the variables and the snapshot read back) can land
 * in it: answered "aborted", it read nothing, and the kernel was then taken for one that ignores user
 * expressions, the failed run logging its stale metrics (seen once in three runs of `test/run` under
 * load). Such a request is sent again, a few times, after a short pause.
 */
const ABORTED_RETRIES = 5;
const ABORTED_PAUSE_MS = 10;

/** Kernels where the IPython env transformer is installed; a restart forgets it. */
const transformerInstalled = new WeakMap<TrackingKernel, Promise<boolean>>();

export class KernelBridge {
  constructor(private readonly kernel: TrackingKernel) {}

  async family(): Promise<KernelFamily> {
    return kernelFamily(await this.kernel.language());
  }

  get kernelName(): string {
    return this.kernel.name;
  }

  /** Runs code invisibly; resolves with the reply and every iopub message it caused. */
  async quietly(
    code: string,
    extra: Partial<ExecuteContent> = {},
  ): Promise<{ reply: ExecuteReply; iopub: IOPubMessage[] }> {
    for (let attempt = 0; ; attempt++) {
      const iopub: IOPubMessage[] = [];
      const reply = await this.kernel.execute(
        { code, silent: false, store_history: false, allow_stdin: false, stop_on_error: false, ...extra },
        (msg) => {
          iopub.push(msg);
        },
      );
      if (reply.status !== "aborted" || attempt >= ABORTED_RETRIES) return { reply, iopub };
      await new Promise((resolve) => setTimeout(resolve, ABORTED_PAUSE_MS * (attempt + 1)));
    }
  }

  /**
   * A reply without the user expressions asked for: the kernel does not evaluate them, and the
   * fallback is used from then on. Not an aborted reply: it says nothing about the kernel (see
   * ABORTED_RETRIES).
   */
  private answeredNoExpressions(reply: ExecuteReply): void {
    if (reply.status !== "aborted") noUserExpressions.add(this.kernel.id);
  }

  /**
   * Sends the request at once (before returning), so a request sent right after it is run after it;
   * resolves with whether it worked.
   */
  sendEnv(family: KernelFamily, vars: Record<string, string | null>): Promise<boolean> {
    // Python: as a user expression of an empty request, which ipykernel evaluates without running a
    // cell (a few ms instead of a full execution). Where user expressions are not evaluated (tslab),
    // the code itself.
    const expression = setEnvExpression(family, vars);
    const code = expression === null ? setEnvCode(family, vars) : "";
    if (code === null) return Promise.resolve(false);
    const done = this.kernel.execute({
      code,
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false,
      user_expressions: expression === null ? {} : { env: expression },
    });
    return done.then(
      (reply) =>
        reply.status === "ok" &&
        (expression === null ||
          (reply.user_expressions?.env as { status?: string } | undefined)?.status === "ok"),
      () => false,
    );
  }

  /**
   * Makes sure the IPython env transformer is in the kernel: sent at once (before returning) when it
   * is not, so that a cell sent right after finds it. Resolves with whether it is installed.
   */
  ensurePythonEnvTransformer(): Promise<boolean> {
    const kernel = this.kernel;
    const known = transformerInstalled.get(kernel);
    if (known) return known;
    const done = kernel.execute({
      code: PYTHON_ENV_SETUP,
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false,
    });
    const installed = done.then(
      (reply) => reply.status === "ok",
      () => false,
    );
    transformerInstalled.set(kernel, installed);
    kernel.onReset(() => transformerInstalled.delete(kernel));
    void installed.then((ok) => {
      if (!ok) transformerInstalled.delete(kernel);
    });
    return installed;
  }

  async setEnv(vars: Record<string, string | null>): Promise<boolean> {
    const code = setEnvCode(await this.family(), vars);
    if (code === null) return false;
    const { reply } = await this.quietly(code, { silent: true });
    return reply.status === "ok";
  }

  /**
   * After a tracked cell, in one request where the kernel allows: the client flushed, the environment
   * set to `env`, the variables `names` read, and with `before` the values the marker line noted
   * before the code ran (pythonEnvLine). IPython: all as user_expressions of an empty request, so a
   * flush that raises neither hides the variables nor keeps the environment from being reset. Other
   * kernels: the flush and the env as code before the variables are printed (no snapshot there).
   */
  async afterCell(
    env: Record<string, string | null>,
    names: readonly string[],
    before = false,
  ): Promise<AfterCell> {
    const family = await this.family();
    const envExpression = setEnvExpression(family, env);
    if (family === "python" && envExpression !== null && !noUserExpressions.has(this.kernel.id)) {
      const expressions = {
        [FLUSH_KEY]: PYTHON_FLUSH_EXPRESSION,
        ...Object.fromEntries(names.map((n) => [n, n])),
        [ENV_KEY]: envExpression,
        ...(before ? { [BEFORE_KEY]: PYTHON_BEFORE_EXPRESSION } : {}),
      };
      const { reply } = await this.quietly("", { silent: true, user_expressions: expressions });
      // The env and flush keys too: a kernel that answered none of them does not evaluate expressions.
      const read = KernelBridge.valuesFrom(reply, [...names, FLUSH_KEY, ENV_KEY]);
      if (read) {
        const values = Object.fromEntries(names.map((n) => [n, read[n] ?? null]));
        return {
          values,
          flushError: expressionError(reply, FLUSH_KEY),
          before: before ? KernelBridge.snapshotFrom(reply) : null,
        };
      }
      this.answeredNoExpressions(reply);
    }
    const prelude = [flushClientCode(family), setEnvCode(family, env)]
      .filter((c): c is string => c !== null)
      .join("\n");
    if (names.length === 0) {
      if (!prelude) return { values: {}, flushError: null, before: null };
      const { reply } = await this.quietly(prelude, { silent: true });
      return {
        values: {},
        flushError: reply.status === "error" ? reply.evalue || reply.ename || "Error" : null,
        before: null,
      };
    }
    return { values: await this.readVariables(names, prelude), flushError: null, before: null };
  }

  /** The marker line's snapshot from an execute_reply (BEFORE_KEY), or null when there is none. */
  static snapshotFrom(reply: ExecuteReply | undefined): Record<string, VariableValue> | null {
    const r = reply?.user_expressions?.[BEFORE_KEY] as ExpressionResult | undefined;
    const text = r?.status === "ok" ? r.data?.["text/plain"] : undefined;
    if (typeof text !== "string") return null;
    // The JSON text, shown as a Python string's repr.
    const json = parseDisplayedValue(text);
    if (typeof json !== "string") return null;
    let shown: unknown;
    try {
      shown = JSON.parse(json);
    } catch {
      return null;
    }
    if (!shown || typeof shown !== "object") return null;
    const out: Record<string, VariableValue> = {};
    for (const [name, value] of Object.entries(shown))
      if (typeof value === "string") out[name] = parseDisplayedValue(value);
    return out;
  }

  /** Values from an execute_reply's user_expressions; null when the kernel did not answer them all. */
  static valuesFrom(
    reply: ExecuteReply | undefined,
    names: readonly string[],
  ): Record<string, VariableValue> | null {
    const answered = reply?.user_expressions;
    if (!answered || names.some((n) => !(n in answered))) return null;
    const out: Record<string, VariableValue> = {};
    for (const name of names) {
      const r = answered[name] as { status?: string; data?: Record<string, unknown> } | undefined;
      const text = r?.status === "ok" ? r.data?.["text/plain"] : undefined;
      out[name] = typeof text === "string" ? parseDisplayedValue(text) : null;
    }
    return out;
  }

  /** Sends what Labtrack's clients in the kernel buffered; resolves with why it failed, or null. */
  async flushClient(): Promise<string | null> {
    const code = flushClientCode(await this.family());
    if (!code) return null;
    const { reply } = await this.quietly(code, { silent: true });
    return reply.status === "error" ? reply.evalue || reply.ename || "Error" : null;
  }

  /**
   * Values of kernel variables: user_expressions where the kernel answers them (ipykernel), else one
   * invisible execution of a language-specific expression (tslab ignores user_expressions).
   */
  async readVariables(names: readonly string[], prelude = ""): Promise<Record<string, VariableValue>> {
    if (names.length === 0) return {};
    const out: Record<string, VariableValue> = {};
    if (!noUserExpressions.has(this.kernel.id)) {
      const expressions = Object.fromEntries(names.map((n) => [n, n]));
      const { reply } = await this.quietly(prelude, { silent: true, user_expressions: expressions });
      // The prelude ran, unless the request was aborted.
      if (reply.status !== "aborted") prelude = "";
      const answered = reply.user_expressions;
      if (answered && Object.keys(answered).length > 0) {
        for (const name of names) {
          const r = answered[name] as { status?: string; data?: Record<string, unknown> } | undefined;
          const text = r?.status === "ok" ? r.data?.["text/plain"] : undefined;
          out[name] = typeof text === "string" ? parseDisplayedValue(text) : null;
        }
        return out;
      }
      this.answeredNoExpressions(reply);
    }
    const code = readVariablesCode(await this.family(), names);
    if (code === null) throw new Error(`cannot read variables from a ${this.kernel.name} kernel`);
    const { iopub } = await this.quietly(prelude ? `${prelude}\n${code}` : code);
    const stdout = iopub
      .filter((m) => m.msg_type === "stream")
      .map((m) => String(m.content.text ?? ""))
      .join("");
    const parsed = variablesFromOutput(stdout);
    if (!parsed)
      throw new Error(`the ${this.kernel.name} kernel did not report the variables ${names.join(", ")}`);
    for (const name of names) out[name] = fromJsonValue(parsed[name]);
    return out;
  }
}
