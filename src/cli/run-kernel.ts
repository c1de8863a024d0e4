// A Jupyter kernel started and spoken to directly, as nbclient does: the kernelspec's argv with a
// connection file, and the Jupyter messaging protocol over ZeroMQ (HMAC-SHA256 signed). No Jupyter
// server: nothing listens on HTTP, no token, and the kernel is this process's own child, so it is
// always ours to interrupt, shut down and, if it will not go, kill with everything it started.
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecuteContent, ExecuteReply, IOPubMessage, TrackingKernel } from "../tracking/types.js";

export interface KernelSpec {
  name: string;
  dir: string;
  argv: string[];
  display_name: string;
  language: string;
  env?: Record<string, string> | undefined;
  interrupt_mode?: "signal" | "message" | undefined;
}

/** Where Jupyter looks for kernelspecs, in its order (jupyter_core's jupyter_path("kernels")). */
export function kernelDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const data = env.JUPYTER_DATA_DIR || join(homedir(), ".local", "share", "jupyter");
  const extra = (env.JUPYTER_PATH ?? "").split(":").filter(Boolean);
  return [data, ...extra, "/usr/local/share/jupyter", "/usr/share/jupyter"].map((d) => join(d, "kernels"));
}

/** Every installed kernelspec by name (the first found wins, as in Jupyter). */
export function findKernelSpecs(env: NodeJS.ProcessEnv = process.env): Map<string, KernelSpec> {
  const specs = new Map<string, KernelSpec>();
  for (const dir of kernelDirs(env)) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name, "kernel.json");
      if (specs.has(name.toLowerCase()) || !existsSync(file)) continue;
      try {
        const spec = JSON.parse(readFileSync(file, "utf8")) as Omit<KernelSpec, "name" | "dir">;
        if (Array.isArray(spec.argv) && spec.argv.length > 0)
          specs.set(name.toLowerCase(), { ...spec, name: name.toLowerCase(), dir: join(dir, name) });
      } catch {
        // A broken kernelspec is skipped, as Jupyter does.
      }
    }
  }
  return specs;
}

interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

interface Message {
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

const DELIMITER = "<IDS|MSG>";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Thrown for requests still waiting when the kernel died or was shut down. */
export class KernelLostError extends Error {
  override name = "KernelLostError";
}

type ZmqSocket = import("zeromq").Dealer | import("zeromq").Subscriber;

interface Pending {
  reply?: Record<string, unknown>;
  idle: boolean;
  onIOPub?: ((msg: IOPubMessage) => void) | undefined;
  resolve(reply: Record<string, unknown>): void;
  reject(e: Error): void;
}

export class ZmqKernel implements TrackingKernel {
  readonly id = randomUUID();
  private readonly session = randomUUID();
  private readonly pending = new Map<string, Pending>();
  private sendChain: Promise<unknown> = Promise.resolve();
  private resetCallbacks: (() => void)[] = [];
  private exited: Promise<void>;
  private alive = true;
  private languageName: string | undefined;
  /** What the kernel process wrote to stderr (the start of it), for a kernel that fails to start. */
  stderr = "";

  private constructor(
    readonly spec: KernelSpec,
    private readonly child: ChildProcess,
    private readonly key: string,
    private readonly shell: import("zeromq").Dealer,
    private readonly control: import("zeromq").Dealer,
    private readonly iopub: import("zeromq").Subscriber,
    private readonly connectionDir: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", () => {
        this.alive = false;
        this.lose("the kernel process exited");
        resolve();
      });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      if (this.stderr.length < 20_000) this.stderr += chunk.toString();
    });
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /**
   * Starts the kernel of `spec` in `cwd` with `env` added to its environment, and waits until it
   * answers on shell and publishes on iopub (a subscription takes a moment to join: asked again until
   * both are seen, as jupyter_client does).
   */
  static async start(
    spec: KernelSpec,
    options: { cwd: string; env: Record<string, string>; startTimeoutMs?: number },
  ): Promise<ZmqKernel> {
    const zmq = await import("zeromq");
    const key = randomBytes(32).toString("hex");
    const [shellPort, iopubPort, stdinPort, controlPort, hbPort] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    const dir = mkdtempSync(join(tmpdir(), "labtrack-kernel-"));
    const connectionFile = join(dir, "kernel.json");
    writeFileSync(
      connectionFile,
      JSON.stringify({
        shell_port: shellPort,
        iopub_port: iopubPort,
        stdin_port: stdinPort,
        control_port: controlPort,
        hb_port: hbPort,
        ip: "127.0.0.1",
        key,
        transport: "tcp",
        signature_scheme: "hmac-sha256",
        kernel_name: spec.name,
      }),
      { mode: 0o600 },
    );
    const argv = spec.argv.map((a) =>
      a.replace("{connection_file}", connectionFile).replace("{resource_dir}", spec.dir),
    );
    // A process group of its own: the terminal's Ctrl-C reaches only labtrack, which interrupts the
    // kernel itself; and the whole group (a kernel's own children too) can be killed at the end.
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: options.cwd,
      env: { ...process.env, ...spec.env, ...options.env },
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    const shell = new zmq.Dealer({ linger: 0 });
    const control = new zmq.Dealer({ linger: 0 });
    const iopub = new zmq.Subscriber({ linger: 0 });
    shell.connect(`tcp://127.0.0.1:${shellPort}`);
    control.connect(`tcp://127.0.0.1:${controlPort}`);
    iopub.connect(`tcp://127.0.0.1:${iopubPort}`);
    iopub.subscribe();
    const kernel = new ZmqKernel(spec, child, key, shell, control, iopub, dir);
    const spawned = new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    try {
      await spawned;
    } catch (e) {
      await kernel.closeSockets();
      throw new Error(`could not start kernel "${spec.name}" (${argv[0]}): ${(e as Error).message}`);
    }
    kernel.listen(shell);
    kernel.listen(control);
    kernel.listen(iopub);
    try {
      await kernel.waitReady(options.startTimeoutMs ?? 60_000);
    } catch (e) {
      await kernel.shutdown();
      throw e;
    }
    return kernel;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive)
        throw new Error(`kernel "${this.spec.name}" exited while starting${this.stderrTail()}`);
      const msgId = this.send(this.shell, "kernel_info_request", {});
      const answered = await this.waitFor(msgId, 1000);
      if (answered) {
        const info = answered.language_info as { name?: string } | undefined;
        this.languageName = info?.name ?? this.spec.language;
        return;
      }
      this.pending.delete(msgId);
    }
    throw new Error(
      `kernel "${this.spec.name}" did not answer within ${timeoutMs / 1000} s${this.stderrTail()}`,
    );
  }

  private stderrTail(): string {
    const tail = this.stderr.trim().split("\n").slice(-5).join("\n");
    return tail ? `:\n${tail}` : "";
  }

  /** The reply of `msgId` once its iopub idle came too, or null after `ms`. */
  private waitFor(msgId: string, ms: number): Promise<Record<string, unknown> | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), ms);
      this.pending.set(msgId, {
        idle: false,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: () => {
          clearTimeout(timer);
          resolve(null);
        },
      });
    });
  }

  private sign(parts: string[]): string {
    const hmac = createHmac("sha256", this.key);
    for (const p of parts) hmac.update(p);
    return hmac.digest("hex");
  }

  /** Queues a message (sockets take one send at a time; the queue keeps their order). */
  private send(socket: import("zeromq").Dealer, msgType: string, content: object): string {
    const header: Header = {
      msg_id: randomUUID(),
      session: this.session,
      username: "labtrack",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: "5.3",
    };
    const parts = [JSON.stringify(header), "{}", "{}", JSON.stringify(content)];
    const frames = [DELIMITER, this.sign(parts), ...parts];
    this.sendChain = this.sendChain.then(() => socket.send(frames)).catch(() => undefined);
    return header.msg_id;
  }

  private listen(socket: ZmqSocket): void {
    void (async () => {
      try {
        for await (const frames of socket) this.dispatch(frames.map((f) => f.toString("utf8")));
      } catch {
        // The socket was closed: the kernel is being shut down.
      }
    })();
  }

  private dispatch(frames: string[]): void {
    const at = frames.indexOf(DELIMITER);
    if (at < 0 || frames.length < at + 6) return;
    const [signature, header, parent, metadata, content] = frames.slice(at + 1, at + 6) as [
      string,
      string,
      string,
      string,
      string,
    ];
    // Messages not signed with this kernel's key are not this kernel's: ignored.
    if (signature !== this.sign([header, parent, metadata, content])) return;
    const msg: Message = {
      header: JSON.parse(header) as Header,
      parent_header: JSON.parse(parent) as Partial<Header>,
      metadata: JSON.parse(metadata) as Record<string, unknown>,
      content: JSON.parse(content) as Record<string, unknown>,
    };
    const waiting = msg.parent_header.msg_id ? this.pending.get(msg.parent_header.msg_id) : undefined;
    if (!waiting) return;
    const type = msg.header.msg_type;
    if (type.endsWith("_reply")) waiting.reply = msg.content;
    else if (type === "status") {
      if (msg.content.execution_state === "idle") waiting.idle = true;
    } else waiting.onIOPub?.({ msg_type: type, content: msg.content });
    if (waiting.reply && waiting.idle && msg.parent_header.msg_id) {
      this.pending.delete(msg.parent_header.msg_id);
      waiting.resolve(waiting.reply);
    }
  }

  private lose(reason: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new KernelLostError(reason));
    }
    const callbacks = this.resetCallbacks;
    this.resetCallbacks = [];
    for (const c of callbacks) c();
  }

  async language(): Promise<string | undefined> {
    return this.languageName;
  }

  execute(content: ExecuteContent, onIOPub?: (msg: IOPubMessage) => void): Promise<ExecuteReply> {
    if (!this.alive) return Promise.reject(new KernelLostError("the kernel is not running"));
    const full = {
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
      ...content,
    };
    const msgId = this.send(this.shell, "execute_request", full);
    return new Promise((resolve, reject) => {
      this.pending.set(msgId, {
        idle: false,
        onIOPub,
        resolve: (reply) => resolve(reply as unknown as ExecuteReply),
        reject,
      });
    });
  }

  onReset(callback: () => void): void {
    this.resetCallbacks.push(callback);
  }

  /** Interrupts what the kernel runs: SIGINT to its process, or an interrupt_request when its spec says so. */
  interrupt(): void {
    if (!this.alive) return;
    if (this.spec.interrupt_mode === "message") {
      this.send(this.control, "interrupt_request", {});
      return;
    }
    try {
      if (this.child.pid) process.kill(this.child.pid, "SIGINT");
    } catch {
      // Gone meanwhile.
    }
  }

  /**
   * A shutdown_request, then, after `graceMs` (or at once when `force`), SIGKILL to the kernel's
   * process group: nothing it started is left. Always closes the sockets and the connection file.
   */
  async shutdown(options: { graceMs?: number; force?: boolean } = {}): Promise<void> {
    const grace = options.force ? 0 : (options.graceMs ?? 5000);
    if (this.alive && grace > 0) {
      this.send(this.control, "shutdown_request", { restart: false });
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, grace))]);
    }
    const pid = this.child.pid;
    if (pid) {
      // The group too: a kernel's children (tslab's workers) share it and may outlive it.
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // No such group: all gone.
      }
    }
    if (this.alive) await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    this.lose("the kernel was shut down");
    await this.closeSockets();
  }

  private async closeSockets(): Promise<void> {
    await this.sendChain;
    for (const s of [this.shell, this.control, this.iopub]) if (!s.closed) s.close();
    rmSync(this.connectionDir, { recursive: true, force: true });
  }
}
