import { Token } from "@lumino/coreutils";
import type { TrackingConnection } from "./connection.js";

/** The connection to the tracking server; later plugins (magics, charts, the runs table) build on it. */
export const ILabtrackConnection = new Token<TrackingConnection>(
  "labtrack:ILabtrackConnection",
  "Labtrack's connection to the configured tracking server (through the Jupyter server's proxy).",
);
