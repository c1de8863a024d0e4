// The experiment commands: palette, context menu and the panel's keys all go through these (the menu
// entries and keys are declared in schema/plugin.json). A command acts on the experiment in its args,
// else on the one right-clicked (context menu), else on the selected one. Failures land in the model
// (shown by the panel), never in the console.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import { Clipboard, type ICommandPalette } from "@jupyterlab/apputils";
import type { ReadonlyPartialJSONObject } from "@lumino/coreutils";
import type { WireExperiment } from "../../client/wire.js";
import { CommandIds } from "../command-ids.js";
import { __ } from "../i18n.js";
import { askUntilDone, confirm } from "./dialogs.js";
import type { ActionResult, ExperimentsModel } from "./model.js";

/** Elements that stand for an experiment in the panel carry its id here. */
export const EXPERIMENT_ID_ATTR = "data-experiment-id";

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

  commands.addCommand(CommandIds.newExperiment, {
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

  commands.addCommand(CommandIds.renameExperiment, {
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

  commands.addCommand(CommandIds.deleteExperiment, {
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

  commands.addCommand(CommandIds.restoreExperiment, {
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

  commands.addCommand(CommandIds.copyExperimentId, {
    label: __("Copy Experiment ID"),
    describedBy: { args: idArgs },
    isEnabled: (args) => target(args) !== undefined,
    execute: (args) => {
      const exp = target(args);
      if (exp) Clipboard.copyToSystem(exp.experiment_id);
    },
  });

  commands.addCommand(CommandIds.openExperimentRuns, {
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

  commands.addCommand(CommandIds.addExperimentTag, {
    label: __("Add Experiment Tag…"),
    describedBy: { args: idArgs },
    isEnabled: active,
    execute: (args) => commands.execute(CommandIds.editExperimentTag, { ...args, key: null }),
  });

  commands.addCommand(CommandIds.editExperimentTag, {
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

  commands.addCommand(CommandIds.deleteExperimentTag, {
    label: __("Delete Experiment Tag"),
    isEnabled: active,
    execute: async (args) => {
      const exp = target(args);
      if (exp && typeof args.key === "string") await model.deleteTag(exp.experiment_id, args.key);
    },
  });

  commands.addCommand(CommandIds.toggleDeletedExperiments, {
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
    commands.notifyCommandChanged(CommandIds.toggleDeletedExperiments);
  });

  for (const command of [
    CommandIds.newExperiment,
    CommandIds.openExperimentRuns,
    CommandIds.renameExperiment,
    CommandIds.deleteExperiment,
    CommandIds.restoreExperiment,
    CommandIds.copyExperimentId,
    CommandIds.addExperimentTag,
    CommandIds.toggleDeletedExperiments,
  ])
    palette?.addItem({ command, category: "Labtrack" });
}
