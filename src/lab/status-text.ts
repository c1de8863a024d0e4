// What the status bar says about the connection, and its tooltip. Pure, for the unit tests.
import type { ConnectionStatus } from "./connection.js";

export function statusText(status: ConnectionStatus): { text: string; title: string } {
  const where = status.uri ? hostOf(status.uri) : "tracking server";
  const settings = status.settingsProblems.length ? `\n${status.settingsProblems.join("\n")}` : "";
  switch (status.state) {
    case "checking":
      return {
        text: `Labtrack: ${where}…`,
        title: `Connecting to ${status.uri || "the tracking server"}${settings}`,
      };
    case "connected":
      return {
        text: `Labtrack: ${where}${status.settingsProblems.length ? " ⚠" : ""}`,
        title: `Connected to ${status.uri}${settings}\nClick to check again.`,
      };
    case "error":
      return {
        text: `Labtrack: ${where} — ${status.problem?.summary ?? "error"}`,
        title: `${status.problem?.detail ?? ""}${settings}\nClick to check again.`,
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
