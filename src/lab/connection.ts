// The connection to the tracking server as the Lab sees it: requests go to the Jupyter server's
// /labtrack/proxy (same origin, credentials added there), naming the tracking URI from the settings.
// No DOM and no @jupyterlab imports: the status bar, the panel and the magics observe this model, and
// the unit tests drive it against real HTTP servers.
import { type ISignal, Signal } from "@lumino/signaling";
import { RestClient } from "../client/rest.js";
import { describeError, type Problem } from "./describe-error.js";
import { __ } from "./i18n.js";
import { DEFAULT_SETTINGS, type LabtrackSettings } from "./settings.js";
import type { ILabtrackConnection } from "./tokens.js";

export type ConnectionState = "checking" | "connected" | "error";

export interface ConnectionStatus {
  state: ConnectionState;
  /** The tracking server requests go to, as the user knows it. */
  uri: string;
  problem?: Problem | undefined;
  /** Problems with the settings themselves (ignored values). */
  settingsProblems: readonly string[];
  checkedAt?: number | undefined;
}

/** The Jupyter server's Labtrack config (GET /labtrack/config). */
export interface ServerDefaults {
  trackingUri: string;
  fromEnvironment: boolean;
  credentials: boolean;
  /** The OS user the Jupyter server runs as: what MLflow's clients record as mlflow.user. */
  user?: string | null;
}

export interface ConnectionOptions {
  /** Absolute or same-origin URL of the Jupyter server's Labtrack routes, without trailing slash. */
  proxyBase: string;
  /** fetch that authenticates to the Jupyter server (token, XSRF); global fetch by default. */
  fetch?: typeof fetch | undefined;
}

export const TRACKING_URI_HEADER = "X-Labtrack-Tracking-Uri";

export class TrackingConnection implements ILabtrackConnection {
  private readonly _changed = new Signal<this, ConnectionStatus>(this);
  private _settings: LabtrackSettings = DEFAULT_SETTINGS;
  private _settingsProblems: readonly string[] = [];
  private _defaults: ServerDefaults | null = null;
  private _defaultsRequest: Promise<ServerDefaults> | null = null;
  private _client: RestClient;
  private _status: ConnectionStatus;
  private _generation = 0;

  constructor(private readonly options: ConnectionOptions) {
    this._client = this.makeClient();
    this._status = { state: "checking", uri: "", settingsProblems: [] };
  }

  /** Emits the new status whenever it changes. */
  get changed(): ISignal<this, ConnectionStatus> {
    return this._changed;
  }

  get settings(): LabtrackSettings {
    return this._settings;
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  /** The REST client for the configured server; replaced when the settings change. */
  get client(): RestClient {
    return this._client;
  }

  /** The tracking URI in use: the setting, else the Jupyter server's default. */
  get uri(): string {
    return this._settings.trackingUri || this._defaults?.trackingUri || "";
  }

  configure(settings: LabtrackSettings, problems: readonly string[] = []): void {
    this._settings = settings;
    this._settingsProblems = problems;
    this._client = this.makeClient();
    void this.check();
  }

  /** Asks the server for one experiment: proves the URI, the proxy, credentials and the API at once. */
  async check(): Promise<ConnectionStatus> {
    const generation = ++this._generation;
    this.setStatus({ state: "checking", uri: this.uri, settingsProblems: this._settingsProblems });
    let next: ConnectionStatus;
    try {
      await this.serverDefaults();
      await this._client.searchExperiments({ maxResults: 1 });
      next = {
        state: "connected",
        uri: this.uri,
        settingsProblems: this._settingsProblems,
        checkedAt: Date.now(),
      };
    } catch (error) {
      next = {
        state: "error",
        uri: this.uri,
        problem: describeError(error, this.uri),
        settingsProblems: this._settingsProblems,
        checkedAt: Date.now(),
      };
    }
    // A newer check (settings changed meanwhile) wins.
    if (generation === this._generation) this.setStatus(next);
    return next;
  }

  /** Records the outcome of any request made through `client`, so the status bar follows reality. */
  report(error: unknown | null): void {
    if (error === null) {
      if (this._status.state !== "connected")
        this.setStatus({
          state: "connected",
          uri: this.uri,
          settingsProblems: this._settingsProblems,
          checkedAt: Date.now(),
        });
      return;
    }
    this.setStatus({
      state: "error",
      uri: this.uri,
      problem: describeError(error, this.uri),
      settingsProblems: this._settingsProblems,
      checkedAt: Date.now(),
    });
  }

  /** The user "Mine" stands for in the runs table; null when the Jupyter server cannot say. */
  async jupyterUser(): Promise<string | null> {
    try {
      const { user } = await this.serverDefaults();
      return typeof user === "string" && user ? user : null;
    } catch {
      return null;
    }
  }

  /** The Jupyter server's config, read once (one request for every caller); a failure is retried next time. */
  private serverDefaults(): Promise<ServerDefaults> {
    if (this._defaults) return Promise.resolve(this._defaults);
    this._defaultsRequest ??= this.fetchDefaults().then(
      (defaults) => {
        this._defaults = defaults;
        return defaults;
      },
      (error: unknown) => {
        this._defaultsRequest = null;
        throw error;
      },
    );
    return this._defaultsRequest;
  }

  private async fetchDefaults(): Promise<ServerDefaults> {
    const fetchImpl = this.options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await fetchImpl(`${this.options.proxyBase}/config`, { method: "GET" });
    } catch (e) {
      throw new Error(
        __("The Jupyter server did not answer (%1)", e instanceof Error ? e.message : String(e)),
      );
    }
    if (!response.ok)
      throw new Error(
        __(
          "The Jupyter server has no Labtrack server extension (%1 answered HTTP %2): install %3 and restart it",
          "GET /labtrack/config",
          response.status,
          "labtrack_jupyter",
        ),
      );
    return (await response.json()) as ServerDefaults;
  }

  private makeClient(): RestClient {
    const headers: Record<string, string> = {};
    if (this._settings.trackingUri) headers[TRACKING_URI_HEADER] = this._settings.trackingUri;
    return new RestClient({
      trackingUri: `${this.options.proxyBase}/proxy`,
      headers,
      fetch: this.options.fetch,
      retries: 1,
      backoffMs: 200,
      timeoutMs: this._settings.requestTimeoutS * 1000,
    });
  }

  private setStatus(status: ConnectionStatus): void {
    this._status = status;
    this._changed.emit(status);
  }
}
