// The JupyterLab application: core plugins bundled here, federated extensions (Labtrack) loaded from
// the labextensions path the way JupyterLab's own page does it.
import { PageConfig } from "@jupyterlab/coreutils";
import { PluginRegistry } from "@lumino/coreutils";
import { excludedPlugins, extensions, mimeExtensions } from "./extensions.js";
import { PrecompiledSchemaValidator, settingsPlugin } from "./settings-plugin.js";
import "./build/style.js";

async function federatedModule(scope, module) {
  const container = window._JUPYTERLAB?.[scope];
  if (!container)
    throw new Error(window.__labtrackEntryFailures?.[scope] ?? "its entry script did not register");
  const factory = await container.get(module);
  const instance = factory();
  instance.__scope__ = scope;
  return instance;
}

function pluginsOf(module) {
  const exported = Object.hasOwn(module, "__esModule") || module.default ? module.default : module;
  return Array.isArray(exported) ? exported : [exported];
}

export async function main() {
  const federated = JSON.parse(PageConfig.getOption("federated_extensions") || "[]");
  const federatedNames = new Set(federated.map((e) => e.name));
  const disabled = [];
  const deferred = [];
  const available = [];
  const active = (module, scope) => {
    const out = [];
    for (const plugin of pluginsOf(module)) {
      if (excludedPlugins.has(plugin.id)) continue;
      const isDisabled = PageConfig.Extension.isDisabled(plugin.id);
      available.push({
        id: plugin.id,
        description: plugin.description,
        requires: plugin.requires ?? [],
        optional: plugin.optional ?? [],
        provides: plugin.provides ?? null,
        autoStart: plugin.autoStart,
        enabled: !isDisabled,
        extension: scope,
      });
      if (isDisabled) {
        disabled.push(plugin.id);
        continue;
      }
      if (PageConfig.Extension.isDeferred(plugin.id)) deferred.push(plugin.id);
      out.push(plugin);
    }
    return out;
  };
  // Extensions whose code could not be loaded: said on the page once the Lab is up, not only in the
  // console, so a Lab without them is never mistaken for a Lab where they have nothing to show.
  const failed = [];
  const settle = async (entries) => {
    const results = await Promise.allSettled(entries.map(([name, load]) => load().then((m) => [name, m])));
    const plugins = [];
    results.forEach((r, i) => {
      if (r.status === "fulfilled") plugins.push(...active(r.value[1], r.value[0]));
      else {
        console.error(`could not load the extension ${entries[i][0]}:`, r.reason);
        failed.push(`${entries[i][0]} (${r.reason instanceof Error ? r.reason.message : String(r.reason)})`);
      }
    });
    return plugins;
  };

  const core = extensions.filter(([name]) => !federatedNames.has(name));
  const coreMime = mimeExtensions.filter(([name]) => !federatedNames.has(name));
  const federatedExt = federated
    .filter((e) => e.extension)
    .map((e) => [e.name, () => federatedModule(e.name, e.extension)]);
  const federatedMime = federated
    .filter((e) => e.mimeExtension)
    .map((e) => [e.name, () => federatedModule(e.name, e.mimeExtension)]);
  const styles = federated
    .filter((e) => e.style && !PageConfig.Extension.isDisabled(e.name))
    .map((e) => federatedModule(e.name, e.style));

  const [register, federatedPlugins, mime, federatedMimePlugins] = await Promise.all([
    settle(core),
    settle(federatedExt),
    settle(coreMime),
    settle(federatedMime),
  ]);
  for (const r of await Promise.allSettled(styles)) if (r.status === "rejected") console.error(r.reason);

  const validator = new PrecompiledSchemaValidator();
  const pluginRegistry = new PluginRegistry();
  pluginRegistry.registerPlugins([...register, settingsPlugin(validator), ...federatedPlugins]);
  const { JupyterLab } = await import("@jupyterlab/application");
  const { IConnectionStatus } = await import("@jupyterlab/application/lib/tokens.js");
  const { IServiceManager } = await import("@jupyterlab/services/lib/tokens.js");
  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager: await pluginRegistry.resolveOptionalService(IServiceManager),
    connectionStatus: await pluginRegistry.resolveOptionalService(IConnectionStatus),
    mimeExtensions: [...mime, ...federatedMimePlugins],
    disabled: { matches: disabled, patterns: PageConfig.Extension.disabled.map((v) => v.raw) },
    deferred: { matches: deferred, patterns: PageConfig.Extension.deferred.map((v) => v.raw) },
    availablePlugins: available,
  });
  await lab.start({ ignorePlugins: deferred, bubblingKeydown: true });
  // The UI tests and the page-load benchmark read the app from here.
  window.jupyterapp = lab;
  await lab.restored;
  if (failed.length > 0) {
    const { Notification } = await import("@jupyterlab/apputils");
    Notification.error(
      `Some extensions could not be loaded: ${failed.join("; ")}. Reload the page; if it persists, the browser console says more.`,
      { autoClose: false },
    );
    document.body.dataset.labtrackLoadFailed = failed.join("; ");
  }
  // Which settings were validated by code compiled at build and which schemas the page compiled itself
  // (those JupyterLab assembles in the page), and the time the latter took: for a test and the
  // page-load benchmark.
  const settings = document.body.dataset;
  settings.labtrackSettingsPrecompiled = [...validator.precompiled].join(" ");
  settings.labtrackSettingsCompiled = [...validator.compiledInPage].join(" ");
  settings.labtrackSettingsMs = validator.inPageMs.toFixed(0);
  document.body.dataset.labtrackRestored = "true";
}
