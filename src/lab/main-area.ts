// The one way Labtrack's main-area views (runs table, run details, compare, model registry) are
// opened: a view already open for the same thing is revealed, else a new one is made, added to the
// main area, tracked and activated; the tracker's views come back after a page reload through the
// view's own command (the layout restorer replays it with the arguments saved for each view).
import type { ILayoutRestorer, JupyterFrontEnd } from "@jupyterlab/application";
import { MainAreaWidget, WidgetTracker } from "@jupyterlab/apputils";
import { refreshIcon, ToolbarButton } from "@jupyterlab/ui-components";
import type { ReadonlyPartialJSONObject } from "@lumino/coreutils";
import type { Widget } from "@lumino/widgets";
import { labtrackIcon } from "./icon.js";

export type MainAreaView<C extends Widget> = MainAreaWidget<C>;

export interface MainAreaViewsOptions<C extends Widget> {
  /** The tracker's namespace: names the views' saved state. */
  namespace: string;
  /** The command that opens a view; the restorer runs it with `args(view)` after a reload. */
  command: string;
  args: (view: MainAreaView<C>) => ReadonlyPartialJSONObject;
  /** What the restorer keys a view by: the same for the same thing shown. */
  name: (view: MainAreaView<C>) => string;
}

/** What a new view is made of: its content, id, title and toolbar. */
export interface NewView<C extends Widget> {
  content: C;
  id: string;
  label: string;
  caption?: string;
  /** A toolbar button that reads the view's data again. */
  refresh?: { tooltip: string; onClick: () => void };
  /** Called once the view is closed (its model stops polling, its requests end). */
  onDispose?: () => void;
  /** Wires the new view (toolbar items, a title that follows its content) before it is shown. */
  setup?: (view: MainAreaView<C>) => void;
}

export class MainAreaViews<C extends Widget> {
  readonly tracker: WidgetTracker<MainAreaView<C>>;

  constructor(
    private readonly app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    options: MainAreaViewsOptions<C>,
  ) {
    this.tracker = new WidgetTracker<MainAreaView<C>>({ namespace: options.namespace });
    if (restorer)
      void restorer.restore(this.tracker, {
        command: options.command,
        args: options.args,
        name: options.name,
      });
  }

  /** The open view `match` picks, if any. */
  find(match: (view: MainAreaView<C>) => boolean): MainAreaView<C> | undefined {
    return this.tracker.find(match);
  }

  /**
   * Reveals the open view `match` picks, else makes one with `create` and shows it. `opened` says
   * which happened, for callers that do more to a new view than to an existing one.
   */
  async open(
    match: (view: MainAreaView<C>) => boolean,
    create: () => NewView<C>,
  ): Promise<{ view: MainAreaView<C>; opened: boolean }> {
    const existing = this.tracker.find(match);
    if (existing) {
      this.app.shell.activateById(existing.id);
      return { view: existing, opened: false };
    }
    const view = makeView(create());
    this.app.shell.add(view, "main");
    await this.tracker.add(view);
    this.app.shell.activateById(view.id);
    return { view, opened: true };
  }

  /** Saves a view's restore arguments again, after what it shows changed. */
  save(view: MainAreaView<C>): Promise<void> {
    return this.tracker.save(view);
  }
}

function makeView<C extends Widget>(spec: NewView<C>): MainAreaView<C> {
  const view = new MainAreaWidget({ content: spec.content });
  view.id = spec.id;
  view.title.label = spec.label;
  if (spec.caption !== undefined) view.title.caption = spec.caption;
  view.title.icon = labtrackIcon;
  view.title.closable = true;
  if (spec.refresh) {
    const { tooltip, onClick } = spec.refresh;
    view.toolbar.addItem("refresh", new ToolbarButton({ icon: refreshIcon, tooltip, onClick }));
  }
  const { onDispose } = spec;
  if (onDispose) view.disposed.connect(() => onDispose());
  spec.setup?.(view);
  return view;
}
