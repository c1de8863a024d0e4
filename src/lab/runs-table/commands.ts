// The runs table's commands: the one that opens an experiment's runs table in the main area (one
// table per experiment, activated again when it is already open), "Compare in notebook", and those of
// the rows' and header cells' context menus (declared in schema/plugin.json). The table's view is kept
// in the browser's localStorage, per tracking server and experiment; "Mine" is the OS user the Jupyter
// server names.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import {
  Clipboard,
  CommandToolbarButton,
  Dialog,
  InputDialog,
  showDialog,
  showErrorMessage,
} from "@jupyterlab/apputils";
import { compareCellSource } from "../../tracking/compare.js";
import { CommandIds } from "../command-ids.js";
import { describeError } from "../describe-error.js";
import { __, _n } from "../i18n.js";
import { labtrackIcon } from "../icon.js";
import type { MainAreaView, MainAreaViews } from "../main-area.js";
import type { ILabtrackConnection } from "../tokens.js";
import type { RunsTableActions } from "./actions.js";
import { RunsTableModel } from "./model.js";
import { type ViewStateStore, webStorageStore } from "./view-state.js";
import { RunsTableWidget } from "./widget.js";

type RunsTableView = MainAreaView<RunsTableWidget>;

/**
 * `views` are the open tables; `insertCell` puts a cell with the given source below the active cell of
 * the current notebook and returns false when there is no notebook to put it in.
 */
export function registerRunsTableCommands(
  app: JupyterFrontEnd,
  connection: ILabtrackConnection,
  views: MainAreaViews<RunsTableWidget>,
  insertCell: (source: string) => boolean = () => false,
  store: ViewStateStore | null = defaultStore(),
): void {
  /** Experiment names the tables were opened with (or learnt from the server), by id. */
  const experimentNames = new Map<string, string>();
  // Run details and comparison are other views' commands; when one is missing the user hears why.
  const run = (id: string, args: { runId: string } | { runIds: string[] }) => {
    app.commands
      .execute(id, args)
      .catch((e: unknown) =>
        showErrorMessage("Labtrack", __("Cannot run %1: %2", id, e instanceof Error ? e.message : String(e))),
      );
  };
  const actions: RunsTableActions = {
    openRun: (runId) => run(CommandIds.openRun, { runId }),
    compareRuns: (runIds) => run(CommandIds.compareRuns, { runIds }),
    confirm: async (title, body, accept) => {
      const answer = await showDialog({
        title,
        body,
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: accept })],
      });
      return answer.button.accept;
    },
    showError: (title, message) => void showErrorMessage(title, message),
    refreshIntervalS: () => connection.settings.refreshIntervalS,
  };
  const user = () => connection.jupyterUser();
  registerContextMenuCommands(app, views);
  app.commands.addCommand(CommandIds.openRunsTable, {
    label: (args) =>
      typeof args.experimentName === "string" && args.experimentName
        ? __("Labtrack: Runs of %1", args.experimentName)
        : __("Labtrack: Open Runs Table"),
    caption: __("Open the runs of an experiment as a table"),
    icon: labtrackIcon,
    describedBy: {
      args: {
        type: "object",
        properties: { experimentId: { type: "string" }, experimentName: { type: "string" } },
        required: ["experimentId"],
      },
    },
    execute: async (args) => {
      let experimentId = typeof args.experimentId === "string" ? args.experimentId : "";
      let name = typeof args.experimentName === "string" && args.experimentName ? args.experimentName : null;
      if (!experimentId) {
        // From the palette: ask which experiment.
        const picked = await pickExperiment(connection);
        if (!picked) return;
        ({ experimentId, name } = picked);
      }
      if (name) experimentNames.set(experimentId, name);
      const { view, opened } = await views.open(
        (w) => w.content.model.experimentId === experimentId,
        () => {
          const model = new RunsTableModel(connection, experimentId, { store, user });
          return {
            content: new RunsTableWidget(model, actions),
            id: `labtrack-runs-table-${experimentId}`,
            label: __("Runs: %1", name ?? experimentId),
            caption: __("Runs of experiment %1 (id %2)", name ?? "", experimentId),
            onDispose: () => model.dispose(),
            setup: (view) => view.toolbar.addItem("labtrack-compare", compareButton(experimentId, model)),
          };
        },
      );
      if (opened && !name) void nameFromServer(connection, experimentId, view);
      return view;
    },
  });

  /** "Compare in notebook", enabled only with runs selected: the command says so, and the button follows it. */
  const compareButton = (experimentId: string, model: RunsTableModel): CommandToolbarButton => {
    const compare = new CommandToolbarButton({
      commands: app.commands,
      id: CommandIds.compareInNotebook,
      args: { experimentId },
      label: __("Compare in notebook"),
    });
    let hadSelection = false;
    model.changed.connect(() => {
      const has = model.selection.size > 0;
      if (has !== hadSelection) {
        hadSelection = has;
        app.commands.notifyCommandChanged(CommandIds.compareInNotebook);
      }
    });
    compare.addClass("lt-RunsTable-compare");
    return compare;
  };
  /** The runs table the command is about: the one of `experimentId`, or the one in front. */
  const tableFor = (args: { experimentId?: unknown }): RunsTableView | null => {
    const { experimentId } = args;
    if (typeof experimentId === "string")
      return views.find((w) => w.content.model.experimentId === experimentId) ?? null;
    const current = app.shell.currentWidget;
    return views.find((w) => w === current) ?? null;
  };
  app.commands.addCommand(CommandIds.compareInNotebook, {
    label: __("Compare in notebook"),
    caption: __("Insert a %1 cell for the selected runs into the current notebook", "%track compare"),
    icon: labtrackIcon,
    describedBy: {
      args: { type: "object", properties: { experimentId: { type: "string" } } },
    },
    isEnabled: (args) => (tableFor(args)?.content.model.selection.size ?? 0) > 0,
    execute: async (args) => {
      const widget = tableFor(args);
      const model = widget?.content.model;
      if (!widget || !model || model.selection.size === 0) return;
      // The rows keep the selection's order on screen; runs selected and then filtered out come last.
      const shownOrder = model.rows.map((r) => r.runId).filter((id) => model.selection.has(id));
      const ids = [...shownOrder, ...[...model.selection].filter((id) => !shownOrder.includes(id))];
      let source: string;
      try {
        source = await compareCellSource(connection.client, {
          experimentId: model.experimentId,
          experimentName: experimentNames.get(model.experimentId),
          runIds: ids,
          shownMetrics: model.visibleColumns.filter((c) => c.kind === "metric").map((c) => c.key),
        });
      } catch (e) {
        const problem = describeError(e, connection.uri);
        void showErrorMessage(__("Labtrack: cannot compare these runs"), problem.detail || problem.summary);
        return;
      }
      if (!insertCell(source))
        void showErrorMessage(
          "Labtrack",
          __("Open a notebook first: the comparison goes into its active cell's place."),
        );
    },
  });
}

/** When the caller only knew the id, the title gets the experiment's name once the server says it. */
async function nameFromServer(
  connection: ILabtrackConnection,
  experimentId: string,
  widget: RunsTableView,
): Promise<void> {
  try {
    const experiment = await connection.client.getExperiment(experimentId);
    if (!widget.isDisposed) {
      widget.title.label = __("Runs: %1", experiment.name);
      widget.title.caption = __("Runs of experiment %1 (id %2)", experiment.name, experimentId);
    }
  } catch {
    // The title keeps the id; the table itself shows why the server cannot be reached.
  }
}

async function pickExperiment(
  connection: ILabtrackConnection,
): Promise<{ experimentId: string; name: string } | null> {
  let experiments: { experiment_id: string; name: string }[];
  try {
    ({ experiments } = await connection.client.searchExperiments({
      orderBy: ["name ASC"],
      maxResults: 1000,
    }));
  } catch (e) {
    const problem = describeError(e, connection.uri);
    await showErrorMessage(__("Labtrack: cannot list experiments (%1)", problem.summary), problem.detail);
    return null;
  }
  if (!experiments.length) {
    await showErrorMessage("Labtrack", __("The tracking server has no experiments yet."));
    return null;
  }
  // Names are unique on the server, so the chosen name finds its experiment.
  const answer = await InputDialog.getItem({
    title: __("Open the runs of"),
    items: experiments.map((e) => e.name),
  });
  const chosen = answer.button.accept ? experiments.find((e) => e.name === answer.value) : undefined;
  return chosen ? { experimentId: chosen.experiment_id, name: chosen.name } : null;
}

function defaultStore(): ViewStateStore | null {
  try {
    return typeof localStorage === "undefined" ? null : webStorageStore(localStorage);
  } catch {
    // Storage disabled by the browser: views start fresh.
    return null;
  }
}

/**
 * The commands of the rows' and header cells' right-click menus, through JupyterLab's context menu (so
 * they look and behave like every other menu of the Lab; the entries are in schema/plugin.json). They
 * find the table and the run or column from the node that was clicked.
 */
function registerContextMenuCommands(app: JupyterFrontEnd, views: MainAreaViews<RunsTableWidget>): void {
  const tableOf = (node: HTMLElement | undefined): RunsTableWidget | null => {
    if (!node) return null;
    return views.find((w) => w.content.node.contains(node))?.content ?? null;
  };
  const rowTarget = () => {
    const node = app.contextMenuHitTest((n) => n.classList.contains("lt-RunsTable-row") && !!n.dataset.runId);
    const table = tableOf(node);
    const runId = node?.dataset.runId;
    return table && runId ? { table, runId, runIds: table.runsFor(runId) } : null;
  };
  const columnTarget = () => {
    const node = app.contextMenuHitTest(
      (n) => n.classList.contains("lt-RunsTable-headerCell") && !!n.dataset.columnId,
    );
    const table = tableOf(node);
    const id = node?.dataset.columnId;
    const column = id ? table?.model.column(id) : undefined;
    return table && column ? { model: table.model, column } : null;
  };
  const c = app.commands;
  c.addCommand(CommandIds.runsTableOpenRun, {
    label: __("Open Run"),
    execute: () => {
      const t = rowTarget();
      if (t) void c.execute(CommandIds.openRun, { runId: t.runId });
    },
  });
  c.addCommand(CommandIds.runsTableCompare, {
    label: () => {
      const n = rowTarget()?.runIds.length;
      return n === undefined ? __("Compare Selected Runs") : __("Compare %1 Selected Runs", n);
    },
    isEnabled: () => (rowTarget()?.runIds.length ?? 0) >= 2,
    execute: () => {
      const t = rowTarget();
      if (t && t.runIds.length >= 2) void c.execute(CommandIds.compareRuns, { runIds: t.runIds });
    },
  });
  c.addCommand(CommandIds.runsTableDelete, {
    label: () => _n("Delete Run…", "Delete %1 Runs…", rowTarget()?.runIds.length ?? 1),
    execute: () => {
      const t = rowTarget();
      if (t) return t.table.deleteRuns(t.runIds);
    },
  });
  c.addCommand(CommandIds.runsTableRestore, {
    label: () => _n("Restore Run", "Restore %1 Runs", rowTarget()?.runIds.length ?? 1),
    isEnabled: () => {
      const t = rowTarget();
      return !!t && t.runIds.some((id) => t.table.model.rows.find((r) => r.runId === id)?.deleted);
    },
    execute: () => {
      const t = rowTarget();
      if (t) return t.table.restoreRuns(t.runIds);
    },
  });
  c.addCommand(CommandIds.runsTableCopyRunId, {
    label: __("Copy Run ID"),
    execute: () => {
      const t = rowTarget();
      if (t) Clipboard.copyToSystem(t.runId);
    },
  });
  c.addCommand(CommandIds.runsTablePinColumn, {
    label: () =>
      columnTarget()?.model.isPinned(columnTarget()?.column.id ?? "") ? __("Unpin Column") : __("Pin Column"),
    execute: () => {
      const t = columnTarget();
      if (t) t.model.setPinned(t.column.id, !t.model.isPinned(t.column.id));
    },
  });
  c.addCommand(CommandIds.runsTableMoveColumnLeft, {
    label: __("Move Column Left"),
    execute: () => {
      const t = columnTarget();
      if (t) t.model.moveColumn(t.column.id, -1);
    },
  });
  c.addCommand(CommandIds.runsTableMoveColumnRight, {
    label: __("Move Column Right"),
    execute: () => {
      const t = columnTarget();
      if (t) t.model.moveColumn(t.column.id, 1);
    },
  });
  c.addCommand(CommandIds.runsTableHideColumn, {
    label: __("Hide Column"),
    isEnabled: () => columnTarget()?.column.id !== "attributes.run_name",
    execute: () => {
      const t = columnTarget();
      if (t) t.model.setVisible(t.column.id, false);
    },
  });
  c.addCommand(CommandIds.runsTableGroupByColumn, {
    label: () => __("Group by %1", columnTarget()?.column.label ?? __("Column")),
    isVisible: () => {
      const kind = columnTarget()?.column.kind;
      return kind === "param" || kind === "tag";
    },
    execute: () => {
      const t = columnTarget();
      if (t) t.model.setGroupBy(t.column.id);
    },
  });
}
