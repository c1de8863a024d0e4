// The experiment commands: palette, context menu and the panel's keys all go through these. A command
// acts on the experiment in its args, else on the one right-clicked (context menu), else on the
// selected one. Failures land in the model (shown by the panel), never in the console.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import { Clipboard, type ICommandPalette } from "@jupyterlab/apputils";
import type { ReadonlyPartialJSONObject } from "@lumino/coreutils";
import type { WireExperiment } from "../../client/wire.js";
import { CommandIds } from "../command-ids.js";
import type { ActionResult, ExperimentsModel } from "../experiments-model.js";
import { __ } from "../i18n.js";
import { askUntilDone, confirm } from "./dialogs.js";

export const ExperimentCommandIds = {
  create: "labtrack:new-experiment",
  rename: "labtrack:rename-experiment",
  remove: "labtrack:delete-experiment",
  restore: "labtrack:restore-experiment",
  copyId: "labtrack:copy-experiment-id",
  /** Opens the runs table of the target experiment (through CommandIds.openRunsTable). */
  openRuns: "labtrack:open-experiment-runs",
  addTag: "labtrack:add-experiment-tag",
  /** Edits a tag: { experimentId?, key }; without `key`, adds one. */
  editTag: "labtrack:edit-experiment-tag",
  removeTag: "labtrack:delete-experiment-tag",
  toggleDeleted: "labtrack:toggle-deleted-experiments",
} as const;

/** Elements that stand for an experiment in the panel carry its id here. */
export const EXPERIMENT_ID_ATTR = "data-experiment-id";
export const ACTIVE_SELECTOR = "#labtrack-panel .lt-ExperimentList-item";
export const DELETED_SELECTOR = "#labtrack-panel .lt-DeletedList-item";

type Args = ReadonlyPartialJSONObject;

export function registerExperimentCommands(
  app: JupyterFrontEnd,
  model: ExperimentsModel,
  palette: ICommandPalette | null,
): void {
  const { commands } = app;
  const fromMenu = (args: Args) => args.origin === "context-menu";

  const target = (args: Args): WireExperiment | undefined => {
    if (typeof args.experimentId === "string") return model.find(args.experimentId);
    if (fromMenu(args)) {
      const node = app.contextMenuHitTest((n) => n.hasAttribute(EXPERIMENT_ID_ATTR));
      const id = node?.getAttribute(EXPERIMENT_ID_ATTR);
      return id ? model.find(id) : undefined;
    }
    return model.selected;
  };
  // The dialog shows a failure itself; the panel need not repeat it behind the dialog.
  const inDialog = async (edit: Promise<ActionResult>) => {
    const result = await edit;
    model.dismissActionError();
    return result;
  };
  const active = (args: Args) => target(args)?.lifecycle_stage === "active";
  const idArgs = { type: "object", properties: { experimentId: { type: "string" } } } as const;

  commands.addCommand(ExperimentCommandIds.create, {
    label: __("New Experiment…"),
    caption: __("Create an experiment on the tracking server"),
    execute: async () => {
      await askUntilDone({
        title: __("New experiment"),
        accept: __("Create"),
        fields: [{ label: __("Name"), value: "", placeholder: "my-experiment" }],
        submit: ([name]) => inDialog(model.create(name ?? "")),
      });
    },
  });

  commands.addCommand(ExperimentCommandIds.rename, {
    label: (args) => (fromMenu(args) ? __("Rename…") : __("Rename Experiment…")),
    describedBy: { args: idArgs },
    isEnabled: active,
    execute: async (args) => {
      const exp = target(args);
      if (!exp) return;
      await askUntilDone({
        title: __("Rename experiment"),
        accept: __("Rename"),
        fields: [{ label: __("New name"), value: exp.name }],
        submit: ([name]) => inDialog(model.rename(exp.experiment_id, name ?? "")),
      });
    },
  });

  commands.addCommand(ExperimentCommandIds.remove, {
    label: (args) => (fromMenu(args) ? __("Delete") : __("Delete Experiment")),
    describedBy: { args: idArgs },
    isEnabled: active,
    execute: async (args) => {
      const exp = target(args);
      if (!exp) return;
      const sure = await confirm(
        __("Delete experiment"),
        __(
          'Delete the experiment "%1" and hide its runs? You can restore it later from "Show deleted".',
          exp.name,
        ),
        __("Delete"),
      );
      if (sure) await model.remove(exp.experiment_id);
    },
  });

  commands.addCommand(ExperimentCommandIds.restore, {
    label: (args) => (fromMenu(args) ? __("Restore") : __("Restore Experiment")),
    describedBy: { args: idArgs },
    // From the palette nothing deleted is selected: it then lists the deleted experiments to pick from.
    isEnabled: (args) =>
      fromMenu(args) || typeof args.experimentId === "string"
        ? target(args)?.lifecycle_stage === "deleted"
        : true,
    execute: async (args) => {
      const exp = target(args);
      if (exp?.lifecycle_stage === "deleted") {
        await model.restore(exp.experiment_id);
        return;
      }
      await commands.execute(CommandIds.openPanel);
      await model.setShowDeleted(true);
    },
  });

  commands.addCommand(ExperimentCommandIds.copyId, {
    label: __("Copy Experiment ID"),
    describedBy: { args: idArgs },
    isEnabled: (args) => target(args) !== undefined,
    execute: (args) => {
      const exp = target(args);
      if (exp) Clipboard.copyToSystem(exp.experiment_id);
    },
  });

  commands.addCommand(ExperimentCommandIds.openRuns, {
    label: (args) => (fromMenu(args) ? __("Open Runs Table") : __("Open Runs Table of the Experiment")),
    describedBy: { args: idArgs },
    isEnabled: active,
    execute: async (args) => {
      const exp = target(args);
      if (!exp) return;
      try {
        await commands.execute(CommandIds.openRunsTable, {
          experimentId: exp.experiment_id,
          experimentName: exp.name,
        });
      } catch (e) {
        model.fail(__('Cannot open the runs of "%1"', exp.name), e);
      }
    },
  });

  commands.addCommand(ExperimentCommandIds.addTag, {
    label: __("Add Experiment Tag…"),
    describedBy: { args: idArgs },
    isEnabled: active,
    execute: (args) => commands.execute(ExperimentCommandIds.editTag, { ...args, key: null }),
  });

  commands.addCommand(ExperimentCommandIds.editTag, {
    label: __("Edit Experiment Tag…"),
    isEnabled: active,
    execute: async (args) => {
      const exp = target(args);
      if (!exp) return;
      const key = typeof args.key === "string" ? args.key : undefined;
      const value = exp.tags?.find((t) => t.key === key)?.value ?? "";
      await askUntilDone({
        title: key === undefined ? __('Add a tag to "%1"', exp.name) : __('Edit tag of "%1"', exp.name),
        accept: __("Save"),
        fields: [
          { label: __("Key"), value: key ?? "", placeholder: "team" },
          { label: __("Value"), value, placeholder: "vision" },
        ],
        submit: ([k, v]) => inDialog(model.setTag(exp.experiment_id, k ?? "", v ?? "", key)),
      });
    },
  });

  commands.addCommand(ExperimentCommandIds.removeTag, {
    label: __("Delete Experiment Tag"),
    isEnabled: active,
    execute: async (args) => {
      const exp = target(args);
      if (exp && typeof args.key === "string") await model.deleteTag(exp.experiment_id, args.key);
    },
  });

  commands.addCommand(ExperimentCommandIds.toggleDeleted, {
    label: __("Show Deleted Experiments"),
    isToggled: () => model.showDeleted,
    execute: () => model.setShowDeleted(!model.showDeleted),
  });
  // Only when the toggle flips: the model changes on every poll, and each notification makes an open
  // command palette rebuild its items (a user's click on one then lands on a detached node).
  let showDeleted = model.showDeleted;
  model.changed.connect(() => {
    if (model.showDeleted === showDeleted) return;
    showDeleted = model.showDeleted;
    commands.notifyCommandChanged(ExperimentCommandIds.toggleDeleted);
  });

  const menu = (command: string, selector: string, rank: number) =>
    app.contextMenu.addItem({ command, selector, rank, args: { origin: "context-menu" } });
  menu(ExperimentCommandIds.openRuns, ACTIVE_SELECTOR, 1);
  menu(ExperimentCommandIds.rename, ACTIVE_SELECTOR, 2);
  menu(ExperimentCommandIds.remove, ACTIVE_SELECTOR, 3);
  menu(ExperimentCommandIds.copyId, ACTIVE_SELECTOR, 4);
  menu(ExperimentCommandIds.restore, DELETED_SELECTOR, 1);
  menu(ExperimentCommandIds.copyId, DELETED_SELECTOR, 2);

  for (const command of [
    ExperimentCommandIds.create,
    ExperimentCommandIds.openRuns,
    ExperimentCommandIds.rename,
    ExperimentCommandIds.remove,
    ExperimentCommandIds.restore,
    ExperimentCommandIds.copyId,
    ExperimentCommandIds.addTag,
    ExperimentCommandIds.toggleDeleted,
  ])
    palette?.addItem({ command, category: "Labtrack" });
}
