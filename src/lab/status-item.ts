// The status bar item: where Labtrack is connected, and why not when it is not.
import { Widget } from "@lumino/widgets";
import type { ConnectionStatus, TrackingConnection } from "./connection.js";
import { el } from "./dom.js";

export function statusText(status: ConnectionStatus): { text: string; title: string } {
  const where = status.uri ? hostOf(status.uri) : "tracking server";
  const settings = status.settingsProblems.length ? `\n${status.settingsProblems.join("\n")}` : "";
  switch (status.state) {
    case "checking":
      return { text: `Labtrack: ${where}…`, title: `Connecting to ${status.uri || "the tracking server"}${settings}` };
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

export class ConnectionStatusItem extends Widget {
  private readonly dot = el("span", { className: "lt-StatusItem-dot" });
  private readonly label = el("span", { className: "lt-StatusItem-label" });

  constructor(private readonly connection: TrackingConnection) {
    super();
    this.addClass("lt-StatusItem");
    this.node.append(this.dot, this.label);
    this.node.setAttribute("role", "button");
    this.node.addEventListener("click", () => void connection.check());
    connection.changed.connect(this.render, this);
    this.render();
  }

  private render(): void {
    const status = this.connection.status;
    const { text, title } = statusText(status);
    this.label.textContent = text;
    this.node.title = title;
    this.node.dataset.state = status.state;
  }

  override dispose(): void {
    this.connection.changed.disconnect(this.render, this);
    super.dispose();
  }
}
