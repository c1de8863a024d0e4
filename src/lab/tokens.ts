import { Token } from "@lumino/coreutils";
import type { ISignal } from "@lumino/signaling";
import type { RestClient } from "../client/rest.js";
import type { ConnectionStatus } from "./connection.js";
import type { LabtrackSettings } from "./settings.js";

/**
 * The connection to the tracking server as every Labtrack plugin sees it: what the magics, charts
 * and views need, whatever implements it (`TrackingConnection` in the Lab).
 */
export interface ILabtrackConnection {
  /** Emits the new status whenever it changes. */
  readonly changed: ISignal<ILabtrackConnection, ConnectionStatus>;
  /** The settings in effect. */
  readonly settings: LabtrackSettings;
  readonly status: ConnectionStatus;
  /** The REST client for the configured server; replaced when the settings change. */
  readonly client: RestClient;
  /** The tracking URI in use: the setting, else the Jupyter server's default. */
  readonly uri: string;
  /** Applies new settings (with the problems found reading them) and checks the server again. */
  configure(settings: LabtrackSettings, problems?: readonly string[]): void;
  /** Asks the server for one experiment: proves the URI, the proxy, credentials and the API at once. */
  check(): Promise<ConnectionStatus>;
  /** Records the outcome of any request made through `client`, so the status bar follows reality. */
  report(error: unknown | null): void;
  /** The user "Mine" stands for in the runs table; null when the Jupyter server cannot say. */
  jupyterUser(): Promise<string | null>;
}

/** The connection to the tracking server; later plugins (magics, charts, the runs table) build on it. */
export const ILabtrackConnection = new Token<ILabtrackConnection>(
  "labtrack:ILabtrackConnection",
  "Labtrack's connection to the configured tracking server (through the Jupyter server's proxy).",
);
