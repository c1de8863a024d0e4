// Says so when part of Labtrack did not start. JupyterLab only logs a plugin whose activation threw
// ("Plugin 'x' failed to activate") to the browser console, where nobody looks: the user sees a Lab
// without Labtrack's panel or status item and no reason. This plugin requires nothing, so it starts
// even when the others fail, and it reports every Labtrack plugin that is not active once the Lab is
// restored, in the console and as a notification.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { PageConfig } from "@jupyterlab/coreutils";
import { __ } from "./i18n.js";

/** The ids of `plugins` that should be running once the Lab is restored but are not. */
export function inactivePlugins(
  app: Pick<JupyterFrontEnd, "isPluginActivated">,
  plugins: readonly Pick<JupyterFrontEndPlugin<unknown>, "id" | "autoStart">[],
  isTurnedOff: (id: string) => boolean = (id) =>
    PageConfig.Extension.isDisabled(id) || PageConfig.Extension.isDeferred(id),
): string[] {
  // Plugins the user disabled or deferred are not expected to run.
  return plugins
    .filter((p) => p.autoStart === true && !isTurnedOff(p.id) && !app.isPluginActivated(p.id))
    .map((p) => p.id);
}

export function selfCheckPlugin(
  plugins: () => readonly JupyterFrontEndPlugin<unknown>[],
): JupyterFrontEndPlugin<void> {
  return {
    id: "labtrack:self-check",
    description: "Reports Labtrack plugins that failed to start, instead of a Lab silently without them.",
    autoStart: true,
    activate: (app: JupyterFrontEnd) => {
      void app.restored.then(async () => {
        const missing = inactivePlugins(app, plugins());
        if (missing.length === 0) return;
        const message = __(
          "Labtrack did not start completely (%1 failed to activate): reload the page; if it persists, the browser console says why.",
          missing.join(", "),
        );
        console.error(`Labtrack: ${missing.join(", ")} failed to activate`);
        // Loaded here, not at the top: the check itself stays importable (and testable) outside a browser.
        const { Notification } = await import("@jupyterlab/apputils");
        Notification.error(message, { autoClose: false });
        document.body.dataset.labtrackFailed = missing.join(" ");
      });
    },
  };
}
