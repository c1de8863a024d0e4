// Builds the JupyterLab front end that `npm start` and the UI tests serve: JupyterLab's core extensions
// from npm, bundled with rspack the way JupyterLab's own build does it (@jupyter/builder's base config
// and Build.ensureAssets for schemas and themes), with a module-federation share scope so that prebuilt
// extensions — Labtrack's own — load exactly as in a user's JupyterLab.
const path = require("node:path");
const fs = require("node:fs");
const rspack = require("@rspack/core");
const { Build } = require("@jupyter/builder");
const baseConfig = require("@jupyter/builder/lib/webpack.config.base");
const { writeSettingsValidators } = require("./settings-validators.cjs");

const root = path.resolve(__dirname, "..");
const buildDir = path.join(__dirname, "build");
const core = require("@jupyterlab/core-meta/core.package.json");
const extensionSource = fs.readFileSync(path.join(__dirname, "extensions.js"), "utf8");
const packageNames = [...extensionSource.matchAll(/\["(@jupyterlab\/[a-z0-9-]+)"/g)].map((m) => m[1]);

fs.rmSync(buildDir, { recursive: true, force: true });
fs.mkdirSync(buildDir, { recursive: true });
const themeConfigs = Build.ensureAssets({
  packageNames,
  output: buildDir,
  schemaOutput: buildDir,
  themeOutput: buildDir,
});
// The settings schemas the page will validate, compiled once here (settings-validators.cjs): the core
// extensions' (just written by ensureAssets) and Labtrack's (its labextension, built before the app).
writeSettingsValidators(
  [path.join(buildDir, "schemas"), path.join(root, "python", "labtrack_jupyter", "labextension", "schemas")],
  path.join(buildDir, "settings"),
);

// Every core package an extension may import is offered in the share scope, singletons as JupyterLab
// declares them; versions are the installed ones. Eager: bundled into the main script instead of one
// chunk per package — the page fetched ~140 files, one request each to the single-threaded Lab server,
// and now ~30 (issue 19: the Lab opens in ≤ 1.5 s; measured 14:27 UTC 2026-12-06, 4 loads each,
// cold cache: 3.4 s → 3.0 s at load 5). Federated extensions still join the scope before any of it runs
// (bootstrap.js), so they share these modules exactly as in JupyterLab.
// Read from disk: packages with an "exports" map (e.g. @codemirror/*) do not export package.json.
function installedVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}
const shared = {};
for (const name of [...Object.keys(core.resolutions), ...packageNames]) {
  const version = installedVersion(name);
  if (version)
    shared[name] = {
      requiredVersion: `^${version}`,
      singleton: core.jupyterlab.singletonPackages.includes(name),
      eager: true,
    };
}

const production = process.env.NODE_ENV !== "development";
module.exports = [
  {
    ...baseConfig,
    mode: production ? "production" : "development",
    devtool: production ? false : "source-map",
    context: root,
    entry: { main: path.join(__dirname, "bootstrap.js") },
    output: {
      path: path.join(buildDir, "static"),
      publicPath: "auto",
      // Every file named by its content: app/main.py lets the browser keep such files for a year, and
      // app/build.cjs writes the page template with the entry's name.
      filename: "[name].[contenthash].js",
      chunkFilename: "[name].[contenthash].js",
      clean: false,
    },
    resolve: { ...baseConfig.resolve, modules: [path.join(root, "node_modules"), "node_modules"] },
    module: {
      ...baseConfig.module,
      rules: [
        // CSS extracted into one stylesheet the page links, instead of style-loader injecting ~100 <style>
        // elements one after the other while the modules run (each a style recalculation: 120–430 ms
        // of the page's CPU in a profile of a cold load).
        ...baseConfig.module.rules.map((rule) =>
          String(rule.test) === String(/(?<!\.raw)\.css$/)
            ? { ...rule, use: [rspack.CssExtractRspackPlugin.loader, "css-loader"] }
            : rule,
        ),
        // The root package.json marks only style/ as having side effects (for the extension build);
        // the app's own modules, the generated CSS imports above all, must not be tree-shaken away.
        { test: /[\\/]app[\\/].*\.js$/, sideEffects: true },
      ],
    },
    performance: { hints: false },
    plugins: [
      new rspack.CssExtractRspackPlugin({
        filename: "[name].[contenthash].css",
        chunkFilename: "[name].[contenthash].css",
      }),
      new rspack.container.ModuleFederationPluginV1({
        library: { type: "var", name: ["_JUPYTERLAB", "CORE_LIBRARY_FEDERATION"] },
        name: "CORE_FEDERATION",
        shared,
      }),
    ],
  },
  ...themeConfigs,
];
