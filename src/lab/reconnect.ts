// Brings the connection back by itself once the tracking server answers again (`npm start` restarts a
// tracking server that died): while the status is an error, the server is asked quietly every few
// seconds, and the first answer triggers a full check that turns the status bar green. No DOM, so the
// process tests drive it against a real Lab and a tracking server that is killed and restarted.
import type { ILabtrackConnection } from "./tokens.js";

export const RECONNECT_INTERVAL_MS = 5000;

export class Reconnector {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private probing = false;
  private disposed = false;

  constructor(
    private readonly connection: ILabtrackConnection,
    private readonly intervalMs = RECONNECT_INTERVAL_MS,
  ) {
    connection.changed.connect(this.onChanged, this);
    this.onChanged();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.connection.changed.disconnect(this.onChanged, this);
    this.cancel();
  }

  private onChanged(): void {
    // "checking" is transient: keep a scheduled probe until it settles.
    const state = this.connection.status.state;
    if (state === "connected") this.cancel();
    else if (state === "error" && this.timer === null && !this.probing)
      this.timer = setTimeout(() => void this.probe(), this.intervalMs);
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Asks for one experiment without touching the status (no "checking…" flicker while it is down). */
  private async probe(): Promise<void> {
    this.timer = null;
    if (this.disposed || this.connection.status.state !== "error") return;
    this.probing = true;
    let answered = true;
    try {
      await this.connection.client.searchExperiments({ maxResults: 1 });
    } catch {
      answered = false;
    }
    this.probing = false;
    if (this.disposed) return;
    // A check re-reads the defaults and sets the status; if it fails again, onChanged schedules anew.
    if (answered) void this.connection.check();
    else this.onChanged();
  }
}
