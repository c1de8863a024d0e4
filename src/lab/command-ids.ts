// Every Labtrack command id, in this one table: views open each other through commands (palette,
// context menus, keyboard), never by importing each other's widgets. The context menus and key
// bindings that run them are declared in schema/plugin.json (`jupyter.lab.menus`,
// `jupyter.lab.shortcuts`), where the Settings Editor shows them; test/lab/schema.test.ts checks that
// every command named there is one of these.
export const CommandIds = {
  // The connection and the sidebar panel.
  openPanel: "labtrack:open-panel",
  refresh: "labtrack:refresh",
  checkConnection: "labtrack:check-connection",
  setTrackingUri: "labtrack:set-tracking-uri",
  openSettings: "labtrack:open-settings",
  trackCell: "labtrack:track-cell",
  /** Shows a run in the sidebar panel: { runId, experimentId, cellId?, label? }. */
  showRun: "labtrack:show-run",

  // Experiments. Each acts on the experiment in its args ({ experimentId }), else on the one
  // right-clicked (args { origin: "context-menu" }), else on the one selected in the panel.
  newExperiment: "labtrack:new-experiment",
  renameExperiment: "labtrack:rename-experiment",
  deleteExperiment: "labtrack:delete-experiment",
  restoreExperiment: "labtrack:restore-experiment",
  copyExperimentId: "labtrack:copy-experiment-id",
  /** Opens the runs table of the target experiment (through openRunsTable). */
  openExperimentRuns: "labtrack:open-experiment-runs",
  addExperimentTag: "labtrack:add-experiment-tag",
  /** Edits a tag: { experimentId?, key }; without `key`, adds one. */
  editExperimentTag: "labtrack:edit-experiment-tag",
  deleteExperimentTag: "labtrack:delete-experiment-tag",
  toggleDeletedExperiments: "labtrack:toggle-deleted-experiments",

  /** Opens the runs table of an experiment: { experimentId, experimentName? }. */
  openRunsTable: "labtrack:open-runs-table",
  /**
   * Inserts a `%track compare` cell for the runs selected in a runs table into the current notebook:
   * { experimentId? } (default: the runs table in front). Enabled only while that table has a selection.
   */
  compareInNotebook: "labtrack:compare-in-notebook",
  // The runs table's context menus: each finds its table and run (row) or column (header cell) from
  // the node that was right-clicked.
  runsTableOpenRun: "labtrack:runs-table-open-run",
  runsTableCompare: "labtrack:runs-table-compare",
  runsTableDelete: "labtrack:runs-table-delete",
  runsTableRestore: "labtrack:runs-table-restore",
  runsTableCopyRunId: "labtrack:runs-table-copy-run-id",
  runsTablePinColumn: "labtrack:runs-table-pin-column",
  runsTableHideColumn: "labtrack:runs-table-hide-column",
  runsTableMoveColumnLeft: "labtrack:runs-table-move-column-left",
  runsTableMoveColumnRight: "labtrack:runs-table-move-column-right",
  runsTableGroupByColumn: "labtrack:runs-table-group-by-column",

  /** Opens a run's details in the main area: { runId, loggedModelId? }. */
  openRun: "labtrack:open-run",
  /** Opens the comparison of runs in the main area: { runIds: string[] } (2 or more). */
  compareRuns: "labtrack:compare-runs",
  /** Opens the model registry in the main area: { name? } to show one registered model. */
  openModels: "labtrack:open-models",
} as const;

export type CommandId = (typeof CommandIds)[keyof typeof CommandIds];
