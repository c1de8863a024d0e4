// Every Labtrack command id in one place: views open each other through commands (palette, context
// menus, keyboard), never by importing each other's widgets.
export const CommandIds = {
  openPanel: "labtrack:open-panel",
  refresh: "labtrack:refresh",
  checkConnection: "labtrack:check-connection",
  setTrackingUri: "labtrack:set-tracking-uri",
  openSettings: "labtrack:open-settings",
  trackCell: "labtrack:track-cell",
  /** Shows a run in the sidebar panel: { runId, experimentId, cellId?, label? }. */
  showRun: "labtrack:show-run",
  /** Opens the runs table of an experiment: { experimentId, experimentName? }. */
  openRunsTable: "labtrack:open-runs-table",
  /** Opens a run's details in the main area: { runId }. */
  openRun: "labtrack:open-run",
  /** Opens the comparison of runs in the main area: { runIds: string[] } (2 or more). */
  compareRuns: "labtrack:compare-runs",
  /**
   * Inserts a `%track compare` cell for the runs selected in a runs table into the current notebook:
   * { experimentId? } (default: the runs table in front). Enabled only while that table has a selection.
   */
  compareInNotebook: "labtrack:compare-in-notebook",
  /** Opens the model registry in the main area: { name? } to show one registered model. */
  openModels: "labtrack:open-models",
} as const;
