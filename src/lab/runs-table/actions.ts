// What the table asks of JupyterLab: open a run or a comparison (commands other views register),
// confirm, report, and the live-update interval. index.ts supplies it; the table stays free of app code.
export interface RunsTableActions {
  openRun(runId: string): void;
  compareRuns(runIds: string[]): void;
  confirm(title: string, body: string, accept: string): Promise<boolean>;
  showError(title: string, message: string): void;
  /** Seconds between live updates of running runs; 0 turns them off. */
  refreshIntervalS(): number;
}

/** For tests and for a table opened without JupyterLab around it. */
export const NO_ACTIONS: RunsTableActions = {
  openRun: () => undefined,
  compareRuns: () => undefined,
  confirm: async () => true,
  showError: () => undefined,
  refreshIntervalS: () => 0,
};
