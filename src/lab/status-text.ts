// What the status bar says about the connection, and its tooltip. Pure, for the unit tests.
import type { ConnectionStatus } from "./connection.js";
import { __ } from "./i18n.js";

export function statusText(status: ConnectionStatus): { text: string; title: string } {
  const where = status.uri ? hostOf(status.uri) : __("tracking server");
  const settings = status.settingsProblems.length ? `\n${status.settingsProblems.join("\n")}` : "";
  switch (status.state) {
    case "checking":
      return {
        text: __("Labtrack: %1…", where),
        title: __("Connecting to %1", status.uri || __("the tracking server")) + settings,
      };
    case "connected":
      return {
        text: __("Labtrack: %1", where) + (status.settingsProblems.length ? " ⚠" : ""),
        title: `${__("Connected to %1", status.uri)}${settings}\n${__("Click to check again.")}`,
      };
    case "error":
      return {
        text: __("Labtrack: %1 — %2", where, status.problem?.summary ?? __("error")),
        title: `${status.problem?.detail ?? ""}${settings}\n${__("Click to check again.")}`,
      };
  }
}

function hostOf(uri: string): string {
  try {
    const url = new URL(uri);
    return url.host + (url.pathname === "/" ? "" : url.pathname);
  } catch {
    return uri;
  }
}
