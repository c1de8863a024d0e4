// The artifacts browser: a tree of the run's files (a folder's content is listed when it is first
// opened) beside the preview of the selected file. Tree items are focusable; arrows move between them,
// Enter or Space opens a file or a folder, Right and Left open and close folders.
import type { WireFileInfo } from "../../client/wire.js";
import { el } from "../dom.js";
import { __ } from "../i18n.js";
import { baseName, formatBytes } from "./kinds.js";
import type { RunDetailsModel } from "./model.js";
import { ArtifactPreview, problemNode } from "./preview.js";

export class ArtifactsBrowser {
  readonly node = el("div", { className: "lt-RunDetails-artifacts" });
  private readonly tree = el("ul", {
    className: "lt-RunDetails-tree",
    attrs: { role: "tree", "aria-label": __("Artifacts") },
  });
  private readonly preview: ArtifactPreview;
  private loaded = false;
  private listing: Promise<void> = Promise.resolve();
  private selected: HTMLElement | null = null;

  constructor(private readonly model: RunDetailsModel) {
    this.preview = new ArtifactPreview(model);
    this.node.append(el("div", { className: "lt-RunDetails-treePane" }, this.tree), this.preview.node);
    this.tree.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** Lists the root the first time the run is there (and again on `force`, e.g. the Refresh button). */
  load(force = false): Promise<void> {
    if ((this.loaded && !force) || !this.model.run) return this.listing;
    this.loaded = true;
    this.listing = (async () => {
      this.tree.replaceChildren(el("li", { className: "lt-RunDetails-muted" }, "Loading…"));
      const items = await this.children("");
      this.tree.replaceChildren(...items);
      this.focusable(this.tree.querySelector<HTMLElement>('[role="treeitem"]'));
    })();
    return this.listing;
  }

  /** Opens the folders down to the file at `path`, selects and previews it (e.g. a failed cell's
   * traceback from the header). The root is listed again when the file is not in it yet. */
  async reveal(path: string): Promise<void> {
    await this.load();
    let found = await this.expandTo(path);
    if (!found) {
      await this.load(true);
      found = await this.expandTo(path);
    }
    if (!found) return;
    const size = found.dataset.size;
    await this.activate(found, {
      path,
      is_dir: false,
      ...(size !== undefined ? { file_size: Number(size) } : {}),
    });
    this.node.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  private async expandTo(path: string): Promise<HTMLElement | null> {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const li = this.itemAt(dir);
      if (!li) return null;
      if (li.getAttribute("aria-expanded") !== "true") await this.toggle(li, dir, true);
    }
    return this.itemAt(path);
  }

  private itemAt(path: string): HTMLElement | null {
    return this.tree.querySelector<HTMLElement>(`[role="treeitem"][data-path="${CSS.escape(path)}"]`);
  }

  private async children(path: string): Promise<HTMLElement[]> {
    const listed = await this.model.listArtifacts(path);
    if (!listed.ok) {
      this.loaded = path !== "";
      return [el("li", {}, problemNode(__("Cannot list the artifacts:"), listed.problem.detail))];
    }
    if (listed.value.length === 0)
      return [
        el(
          "li",
          { className: "lt-RunDetails-muted" },
          path ? __("(empty folder)") : __("This run has no artifacts."),
        ),
      ];
    return listed.value.map((f) => this.item(f));
  }

  private item(file: WireFileInfo): HTMLElement {
    const label = el(
      "span",
      { className: "lt-RunDetails-treeLabel" },
      el(
        "span",
        { className: "lt-RunDetails-treeIcon", attrs: { "aria-hidden": "true" } },
        file.is_dir ? "▸" : "·",
      ),
      el("span", { className: "lt-RunDetails-treeName" }, baseName(file.path)),
      file.is_dir ? null : el("span", { className: "lt-RunDetails-muted" }, formatBytes(file.file_size)),
    );
    const li = el(
      "li",
      {
        className: "lt-RunDetails-treeItem",
        dataset: {
          path: file.path,
          kind: file.is_dir ? "dir" : "file",
          ...(file.file_size !== undefined ? { size: String(file.file_size) } : {}),
        },
        attrs: { role: "treeitem", tabindex: "-1" },
      },
      label,
    );
    if (file.is_dir) li.setAttribute("aria-expanded", "false");
    label.addEventListener("click", (e) => {
      e.stopPropagation();
      void this.activate(li, file);
    });
    return li;
  }

  private async activate(li: HTMLElement, file: WireFileInfo): Promise<void> {
    this.focusable(li);
    li.focus();
    if (file.is_dir) {
      await this.toggle(li, file.path, li.getAttribute("aria-expanded") !== "true");
      return;
    }
    this.selected?.setAttribute("aria-selected", "false");
    li.setAttribute("aria-selected", "true");
    this.selected = li;
    await this.preview.show(file.path, file.file_size);
  }

  private async toggle(li: HTMLElement, path: string, open: boolean): Promise<void> {
    const icon = li.querySelector(".lt-RunDetails-treeIcon");
    li.setAttribute("aria-expanded", String(open));
    if (icon) icon.textContent = open ? "▾" : "▸";
    let group = li.querySelector<HTMLElement>(":scope > ul");
    if (!open) {
      if (group) group.hidden = true;
      return;
    }
    if (group) {
      group.hidden = false;
      return;
    }
    group = el(
      "ul",
      { attrs: { role: "group" } },
      el("li", { className: "lt-RunDetails-muted" }, "Loading…"),
    );
    li.append(group);
    group.replaceChildren(...(await this.children(path)));
  }

  /** One tabindex=0 item in the tree (roving tabindex): Tab enters and leaves the tree in one step. */
  private focusable(item: HTMLElement | null): void {
    if (!item) return;
    for (const other of this.tree.querySelectorAll<HTMLElement>('[role="treeitem"][tabindex="0"]'))
      other.tabIndex = -1;
    item.tabIndex = 0;
  }

  private visibleItems(): HTMLElement[] {
    return [...this.tree.querySelectorAll<HTMLElement>('[role="treeitem"]')].filter(
      (i) => i.offsetParent !== null,
    );
  }

  private onKey(e: KeyboardEvent): void {
    const item = (e.target as HTMLElement).closest<HTMLElement>('[role="treeitem"]');
    if (!item) return;
    const items = this.visibleItems();
    const index = items.indexOf(item);
    const move = (to: HTMLElement | undefined) => {
      if (!to) return;
      this.focusable(to);
      to.focus();
    };
    const file = {
      path: item.dataset.path ?? "",
      is_dir: item.dataset.kind === "dir",
    };
    switch (e.key) {
      case "ArrowDown":
        move(items[index + 1]);
        break;
      case "ArrowUp":
        move(items[index - 1]);
        break;
      case "Home":
        move(items[0]);
        break;
      case "End":
        move(items[items.length - 1]);
        break;
      case "ArrowRight":
        if (file.is_dir && item.getAttribute("aria-expanded") !== "true")
          void this.toggle(item, file.path, true);
        else if (file.is_dir) move(item.querySelector<HTMLElement>('[role="treeitem"]') ?? undefined);
        break;
      case "ArrowLeft":
        if (file.is_dir && item.getAttribute("aria-expanded") === "true")
          void this.toggle(item, file.path, false);
        else move(item.parentElement?.closest<HTMLElement>('[role="treeitem"]') ?? undefined);
        break;
      case "Enter":
      case " ": {
        const size = item.dataset.size;
        void this.activate(item, { ...file, ...(size !== undefined ? { file_size: Number(size) } : {}) });
        break;
      }
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  retheme(): void {
    this.preview.retheme();
  }

  dispose(): void {
    this.preview.dispose();
  }
}
