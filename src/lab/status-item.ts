// The status bar item: where Labtrack is connected, and why not when it is not.
import { Widget } from "@lumino/widgets";
import { el } from "./dom.js";
import { Reconnector } from "./reconnect.js";
import { statusText } from "./status-text.js";
import type { ILabtrackConnection } from "./tokens.js";

export class ConnectionStatusItem extends Widget {
  private readonly dot = el("span", { className: "lt-StatusItem-dot" });
  private readonly label = el("span", { className: "lt-StatusItem-label" });
  // The item shows the connection, so it also keeps it from staying red after the server is back.
  private readonly reconnector: Reconnector;

  constructor(private readonly connection: ILabtrackConnection) {
    super();
    this.addClass("lt-StatusItem");
    this.node.append(this.dot, this.label);
    this.node.setAttribute("role", "button");
    this.node.addEventListener("click", () => void connection.check());
    connection.changed.connect(this.render, this);
    this.reconnector = new Reconnector(connection);
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
    this.reconnector.dispose();
    super.dispose();
  }
}
