// The JupyterLab core extensions this app is made of: the subset of JupyterLab 4's own list
// (@jupyterlab/core-meta) that a notebook user needs. Terminal, debugger, extension manager and LSP are
// left out: Debian's jupyter-server 1.x lacks the server side they need. Every extension listed here is
// fetched, evaluated and activated at each page load (and its settings schema read by the server), so
// the others are left out too (issue 19: the Lab opens in ≤ 1.5 s), each for the reason below:
// - console: code consoles; Labtrack tracks notebook cells, not console input, and nothing here opens one.
// - csvviewer: CSV files as a data grid (all of @lumino/datagrid); Labtrack's artifact browser previews
//   CSV itself, and the file editor still opens a .csv file as text.
// - help: the Help menu's About dialog, licenses and links to documentation on the internet.
// - htmlviewer: .html files opened as documents; HTML outputs are rendermime's (kept), and Labtrack's
//   HTML artifacts have their own sandboxed preview.
// - logconsole: the log console for extension authors (the notebook's output plugin takes it optionally).
// - metadataform, celltags: the property inspector's metadata and tag editors for cells.
// - toc: the table of contents sidebar.
// - javascript (a mime extension): runs application/javascript outputs; nothing here writes them, and
//   an untrusted notebook's never run anyway.
// The plugins of kept extensions that require a service of these are in `excludedPlugins` below.
export const extensions = [
  ["@jupyterlab/application-extension", () => import("@jupyterlab/application-extension")],
  ["@jupyterlab/apputils-extension", () => import("@jupyterlab/apputils-extension")],
  ["@jupyterlab/cell-toolbar-extension", () => import("@jupyterlab/cell-toolbar-extension")],
  ["@jupyterlab/codemirror-extension", () => import("@jupyterlab/codemirror-extension")],
  ["@jupyterlab/completer-extension", () => import("@jupyterlab/completer-extension")],
  ["@jupyterlab/docmanager-extension", () => import("@jupyterlab/docmanager-extension")],
  ["@jupyterlab/documentsearch-extension", () => import("@jupyterlab/documentsearch-extension")],
  ["@jupyterlab/filebrowser-extension", () => import("@jupyterlab/filebrowser-extension")],
  ["@jupyterlab/fileeditor-extension", () => import("@jupyterlab/fileeditor-extension")],
  ["@jupyterlab/imageviewer-extension", () => import("@jupyterlab/imageviewer-extension")],
  ["@jupyterlab/launcher-extension", () => import("@jupyterlab/launcher-extension")],
  ["@jupyterlab/mainmenu-extension", () => import("@jupyterlab/mainmenu-extension")],
  ["@jupyterlab/markdownviewer-extension", () => import("@jupyterlab/markdownviewer-extension")],
  ["@jupyterlab/markedparser-extension", () => import("@jupyterlab/markedparser-extension")],
  ["@jupyterlab/notebook-extension", () => import("@jupyterlab/notebook-extension")],
  ["@jupyterlab/rendermime-extension", () => import("@jupyterlab/rendermime-extension")],
  ["@jupyterlab/running-extension", () => import("@jupyterlab/running-extension")],
  ["@jupyterlab/services-extension", () => import("@jupyterlab/services-extension")],
  ["@jupyterlab/settingeditor-extension", () => import("@jupyterlab/settingeditor-extension")],
  ["@jupyterlab/shortcuts-extension", () => import("@jupyterlab/shortcuts-extension")],
  ["@jupyterlab/statusbar-extension", () => import("@jupyterlab/statusbar-extension")],
  ["@jupyterlab/theme-dark-extension", () => import("@jupyterlab/theme-dark-extension")],
  ["@jupyterlab/theme-light-extension", () => import("@jupyterlab/theme-light-extension")],
  ["@jupyterlab/tooltip-extension", () => import("@jupyterlab/tooltip-extension")],
  ["@jupyterlab/translation-extension", () => import("@jupyterlab/translation-extension")],
  ["@jupyterlab/ui-components-extension", () => import("@jupyterlab/ui-components-extension")],
];

export const mimeExtensions = [
  ["@jupyterlab/json-extension", () => import("@jupyterlab/json-extension")],
  ["@jupyterlab/vega5-extension", () => import("@jupyterlab/vega5-extension")],
];

// Plugins of kept extensions that are not started. These need a server side Debian's jupyter-server
// 1.x does not have (the LSP proxy):
export const excludedPlugins = new Set([
  "@jupyterlab/fileeditor-extension:language-server",
  "@jupyterlab/notebook-extension:language-server",
  // Fetches news from the internet and asks about it at every start; not for a closed machine or tests.
  "@jupyterlab/apputils-extension:announcements",
  // They require a service of an extension left out above (the table of contents, the metadata form,
  // the console tracker) and would only fail to activate.
  "@jupyterlab/notebook-extension:toc",
  "@jupyterlab/notebook-extension:update-raw-mimetype",
  "@jupyterlab/tooltip-extension:consoles",
  // The licenses of the bundled packages: read from a third-party-licenses.json that this build does
  // not write, and opened from the Help menu (left out).
  "@jupyterlab/apputils-extension:licenses-client",
  "@jupyterlab/apputils-extension:licenses-plugin",
  // Replaced by app/settings-plugin.js: the same setting registry, with validators compiled at build.
  "@jupyterlab/apputils-extension:settings",
]);
