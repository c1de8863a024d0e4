// The model registry view: registered models found by name (paged) on the left; the chosen model's
// description, tags, aliases and versions on the right, with the actions on them. Everything shown is
// text (el() / textContent). Parts are rebuilt when their state changes; focus and what was typed in
// a form survive a rebuild (keyed by data-focus-key), and a form is cleared once its action succeeded.
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import type { Stage, WireModelVersion, WireTag } from "../../client/wire.js";
import { el } from "../dom.js";
import { formatTime } from "../format.js";
import { __ } from "../i18n.js";
import type { RunOpener } from "../open-run.js";
import { RenderSchedule } from "../render-schedule.js";
import { tableHead } from "../table.js";
import type { ModelsModel } from "./model.js";
import { aliasesByVersion, latestVersion, STAGES } from "./queries.js";

type Field = HTMLInputElement | HTMLSelectElement;

function button(
  label: string,
  focusKey: string,
  onClick: () => void,
  props: { title?: string; className?: string } = {},
) {
  const b = el(
    "button",
    {
      className: props.className ?? "lt-Models-button",
      ...(props.title ? { title: props.title, attrs: { "aria-label": props.title } } : {}),
      dataset: { focusKey },
    },
    label,
  );
  b.addEventListener("click", onClick);
  return b;
}

function chip(text: string, removeLabel: string, focusKey: string, onRemove: () => void, className: string) {
  return el(
    "span",
    { className: `lt-Models-chip ${className}` },
    el("span", { title: text }, text),
    button("×", focusKey, onRemove, { title: removeLabel, className: "lt-Models-chipRemove" }),
  );
}

export class ModelsWidget extends Widget {
  private readonly searchBox = el("input", {
    className: "lt-Models-search",
    attrs: {
      type: "search",
      placeholder: __("Filter models by name"),
      "aria-label": __("Filter models by name"),
    },
  });
  private readonly list = el("div", { className: "lt-Models-list", attrs: { role: "list" } });
  private readonly pager = el("div", { className: "lt-Models-pager" });
  private readonly detail = el("div", { className: "lt-Models-detail" });
  /** What was typed in form fields, by focus key: rebuilt forms get it back. */
  private readonly typed = new Map<string, string>();
  private listFor: unknown[] = [];
  private detailFor: unknown[] = [];
  private readonly renders = new RenderSchedule(() => this.render());
  private searchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly model: ModelsModel,
    private readonly openRun: RunOpener,
  ) {
    super();
    this.addClass("lt-Models");
    this.node.tabIndex = -1;
    this.searchBox.dataset.focusKey = "search";
    this.searchBox.addEventListener("input", () => {
      if (this.searchTimer) clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => void this.model.search(this.searchBox.value), 250);
    });
    this.searchBox.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      if (this.searchTimer) clearTimeout(this.searchTimer);
      void this.model.search(this.searchBox.value);
    });
    this.node.addEventListener("input", (e) => {
      const target = e.target as Field;
      const key = target.dataset?.focusKey;
      if (key && target !== this.searchBox) this.typed.set(key, target.value);
    });
    this.node.addEventListener("change", (e) => {
      const target = e.target as Field;
      const key = target.dataset?.focusKey;
      if (key && target instanceof HTMLSelectElement) this.typed.set(key, target.value);
      if (key && target instanceof HTMLInputElement && target.type === "checkbox")
        this.typed.set(key, String(target.checked));
    });
    const side = el(
      "nav",
      { className: "lt-Models-side", attrs: { "aria-label": __("Registered models") } },
      el("h2", { className: "lt-Models-heading" }, "Registered models"),
      this.searchBox,
      this.list,
      this.pager,
    );
    this.node.append(side, this.detail);
    model.changed.connect(this.renders.request, this);
    this.render();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.model.listState === "idle") void this.model.search(this.model.filter);
  }

  private render(): void {
    if (this.isDisposed) return;
    const m = this.model;
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.focusKey;
    const hadFocus = this.node.contains(document.activeElement);
    const listKey = [m.models, m.listState, m.selected, m.page];
    if (listKey.some((v, i) => v !== this.listFor[i])) {
      this.listFor = listKey;
      this.renderList();
    }
    const detailKey = [m.detail, m.versions, m.detailState, m.busy, m.message, m.selected];
    if (detailKey.some((v, i) => v !== this.detailFor[i])) {
      this.detailFor = detailKey;
      this.renderDetail();
    }
    if (hadFocus && focused && !this.node.contains(document.activeElement)) {
      const again = this.node.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused)}"]`);
      again?.focus();
    }
  }

  private renderList(): void {
    const m = this.model;
    if (this.searchBox.value !== m.filter && document.activeElement !== this.searchBox)
      this.searchBox.value = m.filter;
    const items = m.models.map((rm) => {
      const latest = latestVersion(rm);
      const b = el(
        "button",
        {
          className: `lt-Models-item${rm.name === m.selected ? " lt-mod-selected" : ""}`,
          dataset: { focusKey: `model:${rm.name}`, name: rm.name },
          attrs: { "aria-current": String(rm.name === m.selected) },
        },
        el("span", { className: "lt-Models-itemName" }, rm.name),
        latest ? el("span", { className: "lt-Models-itemMeta" }, `v${latest}`) : null,
      );
      b.addEventListener("click", () => void this.model.select(rm.name));
      return el("div", { attrs: { role: "listitem" } }, b);
    });
    let note = "";
    if (m.listState === "loading" && m.models.length === 0) note = __("Loading models…");
    else if (m.listState === "error") note = __("Cannot list models: %1", m.listError?.detail ?? "");
    else if (m.listState === "ready" && m.models.length === 0)
      note = m.filter ? __("No model matches the filter.") : __("No registered models yet.");
    this.list.replaceChildren(...items);
    if (note)
      this.list.append(
        el(
          "div",
          {
            className: `lt-Models-note${m.listState === "error" ? " lt-mod-error" : ""}`,
            attrs: m.listState === "error" ? { role: "alert" } : {},
          },
          note,
        ),
      );
    const prev = button(__("‹ Previous"), "prev", () => void this.model.previousPage());
    prev.disabled = !m.hasPrevious;
    const next = button(__("Next ›"), "next", () => void this.model.nextPage());
    next.disabled = !m.hasNext;
    this.pager.replaceChildren(
      prev,
      el("span", { className: "lt-Models-page" }, __("Page %1", m.page + 1)),
      next,
    );
  }

  private renderDetail(): void {
    const m = this.model;
    if (!m.selected) {
      this.detail.replaceChildren(
        el("p", { className: "lt-Models-note" }, __("Choose a model to see its versions.")),
      );
      return;
    }
    const parts: (HTMLElement | null)[] = [
      el("h2", { className: "lt-Models-title" }, m.selected),
      this.messageNode(),
    ];
    if (m.detailState === "loading" && !m.detail)
      parts.push(el("p", { className: "lt-Models-note" }, __("Loading…")));
    if (m.detailState === "error")
      parts.push(
        el(
          "p",
          { className: "lt-Models-note lt-mod-error", attrs: { role: "alert" } },
          __("Cannot read model %1: %2", m.selected, m.detailError?.detail ?? ""),
        ),
      );
    const d = m.detail;
    if (d) {
      parts.push(
        el(
          "p",
          { className: `lt-Models-description${d.description ? "" : " lt-Models-note"}` },
          d.description || __("No description."),
        ),
        this.tagsSection(d.tags ?? []),
        this.aliasesSection(),
        this.versionsSection(),
      );
    }
    this.detail.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
    this.detail.setAttribute("aria-busy", String(m.busy || m.detailState === "loading"));
    for (const b of this.detail.querySelectorAll<HTMLButtonElement>("button:not(.lt-Models-dismiss)"))
      b.disabled = m.busy;
  }

  private messageNode(): HTMLElement | null {
    const msg = this.model.message;
    if (!msg) return null;
    return el(
      "div",
      {
        className: `lt-Models-message lt-mod-${msg.kind}`,
        attrs: { role: msg.kind === "error" ? "alert" : "status" },
      },
      el("span", {}, msg.text),
      button("×", "dismiss", () => this.model.dismissMessage(), {
        title: __("Dismiss"),
        className: "lt-Models-dismiss",
      }),
    );
  }

  /** A field whose typed value survives rebuilds. */
  private input(focusKey: string, label: string, placeholder = ""): HTMLInputElement {
    const input = el("input", {
      className: "lt-Models-input",
      attrs: { type: "text", "aria-label": label, placeholder: placeholder || label },
      dataset: { focusKey },
    });
    input.value = this.typed.get(focusKey) ?? "";
    return input;
  }

  private versionSelect(focusKey: string, label: string): HTMLSelectElement {
    const select = el(
      "select",
      { className: "lt-Models-select", attrs: { "aria-label": label }, dataset: { focusKey } },
      ...this.model.versions.map((v) =>
        el("option", { attrs: { value: v.version } }, __("Version %1", v.version)),
      ),
    );
    const kept = this.typed.get(focusKey);
    if (kept && this.model.versions.some((v) => v.version === kept)) select.value = kept;
    return select;
  }

  /** A form whose submit runs `action`; the typed values are forgotten when it succeeds. */
  private form(label: string, fields: Field[], submit: string, action: () => Promise<boolean>): HTMLElement {
    const form = el("form", { className: "lt-Models-form", attrs: { "aria-label": label } }, ...fields);
    const go = el(
      "button",
      { className: "lt-Models-button", attrs: { type: "submit" }, dataset: { focusKey: `${label}:submit` } },
      submit,
    );
    form.append(go);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void action().then((ok) => {
        if (ok)
          for (const f of fields)
            if (f instanceof HTMLInputElement) this.typed.delete(f.dataset.focusKey ?? "");
        if (ok) this.detailFor = [];
        this.renders.request();
      });
    });
    return form;
  }

  private section(title: string, ...children: (HTMLElement | null)[]): HTMLElement {
    return el(
      "section",
      { className: "lt-Models-section" },
      el("h3", { className: "lt-Models-heading" }, title),
      ...children,
    );
  }

  private tagsSection(tags: WireTag[]): HTMLElement {
    const key = this.input("model-tag-key", __("Tag key"), __("key"));
    const value = this.input("model-tag-value", __("Tag value"), __("value"));
    return this.section(
      __("Tags"),
      tags.length
        ? el(
            "div",
            { className: "lt-Models-chips lt-Models-modelTags" },
            ...tags.map((t) =>
              chip(
                `${t.key} = ${t.value}`,
                __("Delete tag %1", t.key),
                `model-tag:${t.key}`,
                () => void this.model.deleteModelTag(t.key),
                "lt-Models-tag",
              ),
            ),
          )
        : el("p", { className: "lt-Models-note" }, __("No tags.")),
      this.form(__("Set a model tag"), [key, value], __("Set tag"), () =>
        key.value.trim() ? this.model.setModelTag(key.value.trim(), value.value) : Promise.resolve(false),
      ),
    );
  }

  private aliasesSection(): HTMLElement {
    const aliases = this.model.detail?.aliases ?? [];
    const alias = this.input("alias-name", __("Alias"), __("alias, e.g. champion"));
    const version = this.versionSelect("alias-version", __("Version for the alias"));
    return this.section(
      __("Aliases"),
      aliases.length
        ? el(
            "div",
            { className: "lt-Models-chips lt-Models-aliases" },
            ...aliases.map((a) =>
              chip(
                `@${a.alias} → v${a.version}`,
                __("Delete alias %1", a.alias),
                `alias:${a.alias}`,
                () => void this.model.deleteAlias(a.alias),
                "lt-Models-alias",
              ),
            ),
          )
        : el("p", { className: "lt-Models-note" }, __("No aliases.")),
      this.model.versions.length
        ? this.form(__("Set an alias"), [alias, version], __("Set alias"), () =>
            alias.value.trim()
              ? this.model.setAlias(alias.value.trim(), version.value)
              : Promise.resolve(false),
          )
        : null,
    );
  }

  private versionsSection(): HTMLElement {
    const m = this.model;
    const aliases = aliasesByVersion(m.detail, m.versions);
    if (m.versions.length === 0)
      return this.section(__("Versions"), el("p", { className: "lt-Models-note" }, __("No versions yet.")));
    const head = [
      __("Version"),
      __("Stage"),
      __("Change stage"),
      __("Status"),
      __("Aliases"),
      __("Source run"),
      __("Created"),
      __("Tags"),
    ];
    const table = el(
      "table",
      { className: "lt-Models-versions" },
      tableHead(...head),
      el("tbody", {}, ...m.versions.map((v) => this.versionRow(v, aliases.get(v.version) ?? []))),
    );
    const version = this.versionSelect("vtag-version", __("Version to tag"));
    const key = this.input("vtag-key", __("Version tag key"), __("key"));
    const value = this.input("vtag-value", __("Version tag value"), __("value"));
    return this.section(
      __("Versions"),
      el("div", { className: "lt-Models-tableWrap" }, table),
      this.form(__("Set a version tag"), [version, key, value], __("Set version tag"), () =>
        key.value.trim()
          ? this.model.setVersionTag(version.value, key.value.trim(), value.value)
          : Promise.resolve(false),
      ),
    );
  }

  private versionRow(v: WireModelVersion, aliases: string[]): HTMLElement {
    const stage = el(
      "select",
      {
        className: "lt-Models-select",
        attrs: { "aria-label": __("New stage of version %1", v.version) },
        dataset: { focusKey: `stage:${v.version}` },
      },
      ...STAGES.map((s) => el("option", { attrs: { value: s } }, s)),
    );
    stage.value = this.typed.get(`stage:${v.version}`) ?? v.current_stage ?? "None";
    const archive = el("input", {
      attrs: { type: "checkbox" },
      dataset: { focusKey: `archive:${v.version}` },
    });
    archive.checked = this.typed.get(`archive:${v.version}`) === "true";
    const apply = button(
      __("Apply"),
      `apply:${v.version}`,
      () => {
        void this.model.transition(v.version, stage.value as Stage, archive.checked).then((ok) => {
          if (ok) {
            this.typed.delete(`stage:${v.version}`);
            this.typed.delete(`archive:${v.version}`);
            this.detailFor = [];
            this.renders.request();
          }
        });
      },
      { title: __("Move version %1 to the chosen stage", v.version) },
    );
    const runId = v.run_id;
    const run = runId
      ? button(runId.slice(0, 8), `run:${v.version}`, () => this.openRun(runId), {
          title: __("Open run %1", runId),
          className: "lt-Models-runLink",
        })
      : el("span", { className: "lt-Models-note", title: v.source ?? "" }, v.source ?? "—");
    // MLflow 3: a version registered from a logged model reaches it in its source run's details.
    const modelId = v.model_id;
    const loggedModel =
      modelId && runId
        ? button(
            __("logged model"),
            `model:${v.version}`,
            () => this.openRun(runId, { loggedModelId: modelId }),
            {
              title: __("Show logged model %1 in run %2", modelId, runId),
              className: "lt-Models-runLink",
            },
          )
        : modelId
          ? el("span", { className: "lt-Models-note", title: modelId }, modelId)
          : null;
    return el(
      "tr",
      { dataset: { version: v.version } },
      el("td", { className: "lt-Models-version" }, v.version),
      el(
        "td",
        { className: `lt-Models-stage lt-mod-${(v.current_stage ?? "None").toLowerCase()}` },
        v.current_stage ?? "None",
      ),
      el(
        "td",
        { className: "lt-Models-transition" },
        el(
          "div",
          { className: "lt-Models-transitionControls" },
          stage,
          apply,
          el(
            "label",
            { title: __("Archive the versions now in the chosen stage") },
            archive,
            ` ${__("archive others")}`,
          ),
        ),
      ),
      el("td", {}, v.status ?? ""),
      el(
        "td",
        { className: "lt-Models-chips" },
        ...aliases.map((a) =>
          chip(
            `@${a}`,
            __("Delete alias %1", a),
            `valias:${v.version}:${a}`,
            () => void this.model.deleteAlias(a),
            "lt-Models-alias",
          ),
        ),
      ),
      el("td", { className: "lt-Models-source" }, run, loggedModel),
      el(
        "td",
        { title: v.creation_timestamp ? new Date(v.creation_timestamp).toISOString() : "" },
        formatTime(v.creation_timestamp),
      ),
      el(
        "td",
        { className: "lt-Models-chips" },
        ...(v.tags ?? []).map((t) =>
          chip(
            `${t.key} = ${t.value}`,
            __("Delete tag %1 of version %2", t.key, v.version),
            `vtag:${v.version}:${t.key}`,
            () => void this.model.deleteVersionTag(v.version, t.key),
            "lt-Models-tag",
          ),
        ),
      ),
    );
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.renders.dispose();
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.model.changed.disconnect(this.renders.request, this);
    super.dispose();
  }
}
