// Flushing on process exit. Node fires "beforeExit" when the event loop runs dry, and waits for any
// work the handler starts: that is when queued data is sent and active runs are ended. `process.exit()`
// and fatal signals skip it and cannot wait for I/O: call `await flush()` / `endRun()` before them.
interface ExitAware {
  readonly wantsExitHook: boolean;
  readonly hasWork: boolean;
  shutdown(): Promise<void>;
}

const live = new Set<ExitAware>();
let installed = false;

function onBeforeExit(): void {
  const busy = [...live].filter((t) => t.hasWork);
  // Each tracker gets one attempt, so an unreachable server cannot keep the process alive forever.
  live.clear();
  for (const tracker of busy) {
    tracker.shutdown().catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      globalThis.console?.error(`labtrack: could not send the last tracking data before exit: ${message}`);
    });
  }
}

export function registerForExit(tracker: ExitAware): void {
  if (!tracker.wantsExitHook) return;
  live.add(tracker);
  if (installed) return;
  const proc = globalThis.process;
  if (typeof proc?.on !== "function") return;
  proc.on("beforeExit", onBeforeExit);
  installed = true;
}

export function unregisterForExit(tracker: ExitAware): void {
  live.delete(tracker);
}
