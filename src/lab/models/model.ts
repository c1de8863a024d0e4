// State of the model registry view: the registered models found by a name search (paged with the
// server's page tokens), the chosen model's details and versions, and the outcome of the last action.
// No DOM: the widget renders it and the unit tests drive it against a real server. Every failure
// becomes a message in the view (an invalid alias, a missing model, the server away), never a
// rejection; answers that a newer request superseded are dropped.
import { Signal } from "@lumino/signaling";
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

/** What the model needs of a TrackingConnection (which fits as is); tests pass a plain RestClient. */
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
  readonly changed = new Signal<this, void>(this);
  filter = "";
  models: WireRegisteredModel[] = [];
  listState: LoadState = "idle";
  listError: Problem | null = null;
  /** 0-based page of the search results shown. */
  page = 0;
  selected: string | null = null;
  detail: WireRegisteredModel | null = null;
  versions: WireModelVersion[] = [];
  detailState: LoadState = "idle";
  detailError: Problem | null = null;
  message: ActionMessage | null = null;
  /** An action is under way: the view disables its buttons. */
  busy = false;
  /** Page tokens: pageTokens[i] asks for page i (undefined for the first). */
  private pageTokens: (string | undefined)[] = [undefined];
  private listGeneration = 0;
  private detailGeneration = 0;
  private disposed = false;

  constructor(private readonly source: RegistrySource) {}

  get hasNext(): boolean {
    return this.pageTokens[this.page + 1] !== undefined;
  }

  get hasPrevious(): boolean {
    return this.page > 0;
  }

  /** A new name search, from its first page. */
  async search(filter: string = this.filter): Promise<void> {
    this.filter = filter;
    this.pageTokens = [undefined];
    this.page = 0;
    await this.loadPage();
  }

  async nextPage(): Promise<void> {
    if (!this.hasNext) return;
    this.page++;
    await this.loadPage();
  }

  async previousPage(): Promise<void> {
    if (!this.hasPrevious) return;
    this.page--;
    await this.loadPage();
  }

  async select(name: string | null): Promise<void> {
    this.selected = name;
    this.message = null;
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
    this.message = null;
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
    const name = this.selected;
    if (!name) return false;
    this.busy = true;
    this.message = null;
    this.emit();
    let ok = true;
    try {
      await run(this.source.client, name);
      this.message = { kind: "success", text: done };
      this.source.report?.(null);
    } catch (e) {
      ok = false;
      this.message = { kind: "error", text: describeError(e, this.source.uri).detail };
    }
    this.busy = false;
    if (this.selected === name) await this.loadDetail();
    else this.emit();
    return ok;
  }

  private async loadPage(): Promise<void> {
    const generation = ++this.listGeneration;
    this.listState = "loading";
    this.listError = null;
    this.emit();
    try {
      const r = await this.source.client.searchRegisteredModels({
        filter: nameFilter(this.filter),
        orderBy: ["name ASC"],
        maxResults: MODELS_PAGE_SIZE,
        pageToken: this.pageTokens[this.page],
      });
      if (generation !== this.listGeneration || this.disposed) return;
      this.models = r.registeredModels;
      this.pageTokens[this.page + 1] = r.nextPageToken;
      this.pageTokens.length = this.page + 2;
      this.listState = "ready";
      this.source.report?.(null);
    } catch (e) {
      if (generation !== this.listGeneration || this.disposed) return;
      this.listState = "error";
      this.listError = describeError(e, this.source.uri);
      this.source.report?.(e);
    }
    this.emit();
  }

  private async loadDetail(): Promise<void> {
    const generation = ++this.detailGeneration;
    const name = this.selected;
    if (!name) {
      this.detail = null;
      this.versions = [];
      this.detailState = "idle";
      this.emit();
      return;
    }
    this.detailState = "loading";
    this.detailError = null;
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
      this.detail = detail;
      this.versions = sortVersions(versions);
      this.detailState = "ready";
    } catch (e) {
      if (generation !== this.detailGeneration || this.disposed) return;
      this.detail = null;
      this.versions = [];
      this.detailState = "error";
      this.detailError = describeError(e, this.source.uri);
    }
    this.emit();
  }

  private emit(): void {
    if (!this.disposed) this.changed.emit();
  }
}
