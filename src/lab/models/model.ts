// State of the model registry view: the registered models found by a name search (paged with the
// server's page tokens), the chosen model's details and versions, and the outcome of the last action.
// No DOM: the widget renders it and the unit tests drive it against a real server. Every failure
// becomes a message in the view (an invalid alias, a missing model, the server away), never a
// rejection; answers that a newer request superseded are dropped.
import { type ISignal, Signal } from "@lumino/signaling";
import type { RestClient } from "../../client/rest.js";
import type { Stage, WireModelVersion, WireRegisteredModel } from "../../client/wire.js";
import { describeError, type Problem } from "../describe-error.js";
import { __ } from "../i18n.js";
import { nameFilter, sortVersions, versionsFilter } from "./queries.js";

export const MODELS_PAGE_SIZE = 50;
const VERSIONS_MAX = 1000;

export type RegistryClient = Pick<
  RestClient,
  | "searchRegisteredModels"
  | "getRegisteredModel"
  | "searchModelVersions"
  | "getLatestVersions"
  | "transitionModelVersionStage"
  | "setRegisteredModelAlias"
  | "deleteRegisteredModelAlias"
  | "setRegisteredModelTag"
  | "deleteRegisteredModelTag"
  | "setModelVersionTag"
  | "deleteModelVersionTag"
>;

/** What the model needs of an ILabtrackConnection (which fits as is); tests pass a plain RestClient. */
export interface RegistrySource {
  readonly client: RegistryClient;
  readonly uri: string;
  report?(error: unknown | null): void;
}

export type LoadState = "idle" | "loading" | "ready" | "error";

export interface ActionMessage {
  kind: "success" | "error";
  text: string;
}

export class ModelsModel {
  private readonly _changed = new Signal<this, void>(this);
  private _filter = "";
  private _models: WireRegisteredModel[] = [];
  private _listState: LoadState = "idle";
  private _listError: Problem | null = null;
  private _page = 0;
  private _selected: string | null = null;
  private _detail: WireRegisteredModel | null = null;
  private _versions: WireModelVersion[] = [];
  private _detailState: LoadState = "idle";
  private _detailError: Problem | null = null;
  private _message: ActionMessage | null = null;
  private _busy = false;
  /** Page tokens: pageTokens[i] asks for page i (undefined for the first). */
  private pageTokens: (string | undefined)[] = [undefined];
  private listGeneration = 0;
  private detailGeneration = 0;
  private disposed = false;

  constructor(private readonly source: RegistrySource) {}

  /** Emitted after every change of what the model shows. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get filter(): string {
    return this._filter;
  }

  get models(): WireRegisteredModel[] {
    return this._models;
  }

  get listState(): LoadState {
    return this._listState;
  }

  get listError(): Problem | null {
    return this._listError;
  }

  /** 0-based page of the search results shown. */
  get page(): number {
    return this._page;
  }

  get selected(): string | null {
    return this._selected;
  }

  get detail(): WireRegisteredModel | null {
    return this._detail;
  }

  get versions(): WireModelVersion[] {
    return this._versions;
  }

  get detailState(): LoadState {
    return this._detailState;
  }

  get detailError(): Problem | null {
    return this._detailError;
  }

  get message(): ActionMessage | null {
    return this._message;
  }

  /** An action is under way: the view disables its buttons. */
  get busy(): boolean {
    return this._busy;
  }

  get hasNext(): boolean {
    return this.pageTokens[this._page + 1] !== undefined;
  }

  get hasPrevious(): boolean {
    return this._page > 0;
  }

  /** A new name search, from its first page. */
  async search(filter: string = this._filter): Promise<void> {
    this._filter = filter;
    this.pageTokens = [undefined];
    this._page = 0;
    await this.loadPage();
  }

  async nextPage(): Promise<void> {
    if (!this.hasNext) return;
    this._page++;
    await this.loadPage();
  }

  async previousPage(): Promise<void> {
    if (!this.hasPrevious) return;
    this._page--;
    await this.loadPage();
  }

  async select(name: string | null): Promise<void> {
    this._selected = name;
    this._message = null;
    await this.loadDetail();
  }

  async refresh(): Promise<void> {
    await Promise.all([this.loadPage(), this.loadDetail()]);
  }

  transition(version: string, stage: Stage, archiveExisting: boolean): Promise<boolean> {
    return this.act(
      (c, name) => c.transitionModelVersionStage(name, version, stage, archiveExisting),
      archiveExisting && stage !== "None" && stage !== "Archived"
        ? __("Version %1 is now in %2; other versions in that stage were archived.", version, stage)
        : __("Version %1 is now in %2.", version, stage),
    );
  }

  setAlias(alias: string, version: string): Promise<boolean> {
    return this.act(
      (c, name) => c.setRegisteredModelAlias(name, alias, version),
      __("Alias @%1 now points to version %2.", alias, version),
    );
  }

  deleteAlias(alias: string): Promise<boolean> {
    return this.act((c, name) => c.deleteRegisteredModelAlias(name, alias), __("Alias @%1 deleted.", alias));
  }

  setModelTag(key: string, value: string): Promise<boolean> {
    return this.act((c, name) => c.setRegisteredModelTag(name, key, value), __("Tag %1 set.", key));
  }

  deleteModelTag(key: string): Promise<boolean> {
    return this.act((c, name) => c.deleteRegisteredModelTag(name, key), __("Tag %1 deleted.", key));
  }

  setVersionTag(version: string, key: string, value: string): Promise<boolean> {
    return this.act(
      (c, name) => c.setModelVersionTag(name, version, key, value),
      __("Tag %1 set on version %2.", key, version),
    );
  }

  deleteVersionTag(version: string, key: string): Promise<boolean> {
    return this.act(
      (c, name) => c.deleteModelVersionTag(name, version, key),
      __("Tag %1 deleted from version %2.", key, version),
    );
  }

  dismissMessage(): void {
    this._message = null;
    this.emit();
  }

  dispose(): void {
    this.disposed = true;
    Signal.clearData(this);
  }

  /** Runs an action on the selected model, then reads it again; false (and a message) when it failed. */
  private async act(
    run: (client: RegistryClient, name: string) => Promise<unknown>,
    done: string,
  ): Promise<boolean> {
    const name = this._selected;
    if (!name) return false;
    this._busy = true;
    this._message = null;
    this.emit();
    let ok = true;
    try {
      await run(this.source.client, name);
      this._message = { kind: "success", text: done };
      this.source.report?.(null);
    } catch (e) {
      ok = false;
      this._message = { kind: "error", text: describeError(e, this.source.uri).detail };
    }
    this._busy = false;
    if (this._selected === name) await this.loadDetail();
    else this.emit();
    return ok;
  }

  private async loadPage(): Promise<void> {
    const generation = ++this.listGeneration;
    this._listState = "loading";
    this._listError = null;
    this.emit();
    try {
      const r = await this.source.client.searchRegisteredModels({
        filter: nameFilter(this._filter),
        orderBy: ["name ASC"],
        maxResults: MODELS_PAGE_SIZE,
        pageToken: this.pageTokens[this._page],
      });
      if (generation !== this.listGeneration || this.disposed) return;
      this._models = r.registeredModels;
      this.pageTokens[this._page + 1] = r.nextPageToken;
      this.pageTokens.length = this._page + 2;
      this._listState = "ready";
      this.source.report?.(null);
    } catch (e) {
      if (generation !== this.listGeneration || this.disposed) return;
      this._listState = "error";
      this._listError = describeError(e, this.source.uri);
      this.source.report?.(e);
    }
    this.emit();
  }

  private async loadDetail(): Promise<void> {
    const generation = ++this.detailGeneration;
    const name = this._selected;
    if (!name) {
      this._detail = null;
      this._versions = [];
      this._detailState = "idle";
      this.emit();
      return;
    }
    this._detailState = "loading";
    this._detailError = null;
    this.emit();
    try {
      const filter = versionsFilter(name);
      const [detail, versions] = await Promise.all([
        this.source.client.getRegisteredModel(name),
        filter === null
          ? this.source.client.getLatestVersions(name)
          : this.source.client
              .searchModelVersions({ filter, maxResults: VERSIONS_MAX })
              .then((r) => r.modelVersions),
      ]);
      if (generation !== this.detailGeneration || this.disposed) return;
      this._detail = detail;
      this._versions = sortVersions(versions);
      this._detailState = "ready";
    } catch (e) {
      if (generation !== this.detailGeneration || this.disposed) return;
      this._detail = null;
      this._versions = [];
      this._detailState = "error";
      this._detailError = describeError(e, this.source.uri);
    }
    this.emit();
  }

  private emit(): void {
    if (!this.disposed) this._changed.emit();
  }
}
