// The JupyterLab core extensions this app is made of: the subset of JupyterLab 4's own list
// (@jupyterlab/core-meta) that a notebook user needs. Terminal, debugger, extension manager and LSP are
// left out: Debian's jupyter-server 1.x lacks the server side they need.
export const extensions = [
  ["@jupyterlab/application-extension", () => import("@jupyterlab/application-extension")],
  ["@jupyterlab/apputils-extension", () => import("@jupyterlab/apputils-extension")],
  ["@jupyterlab/cell-toolbar-extension", () => import("@jupyterlab/cell-toolbar-extension")],
  ["@jupyterlab/celltags-extension", () => import("@jupyterlab/celltags-extension")],
  ["@jupyterlab/codemirror-extension", () => import("@jupyterlab/codemirror-extension")],
  ["@jupyterlab/completer-extension", () => import("@jupyterlab/completer-extension")],
  ["@jupyterlab/console-extension", () => import("@jupyterlab/console-extension")],
  ["@jupyterlab/csvviewer-extension", () => import("@jupyterlab/csvviewer-extension")],
  ["@jupyterlab/docmanager-extension", () => import("@jupyterlab/docmanager-extension")],
  ["@jupyterlab/documentsearch-extension", () => import("@jupyterlab/documentsearch-extension")],
  ["@jupyterlab/filebrowser-extension", () => import("@jupyterlab/filebrowser-extension")],
  ["@jupyterlab/fileeditor-extension", () => import("@jupyterlab/fileeditor-extension")],
  ["@jupyterlab/help-extension", () => import("@jupyterlab/help-extension")],
  ["@jupyterlab/htmlviewer-extension", () => import("@jupyterlab/htmlviewer-extension")],
  ["@jupyterlab/imageviewer-extension", () => import("@jupyterlab/imageviewer-extension")],
  ["@jupyterlab/launcher-extension", () => import("@jupyterlab/launcher-extension")],
  ["@jupyterlab/logconsole-extension", () => import("@jupyterlab/logconsole-extension")],
  ["@jupyterlab/mainmenu-extension", () => import("@jupyterlab/mainmenu-extension")],
  ["@jupyterlab/markdownviewer-extension", () => import("@jupyterlab/markdownviewer-extension")],
  ["@jupyterlab/markedparser-extension", () => import("@jupyterlab/markedparser-extension")],
  ["@jupyterlab/metadataform-extension", () => import("@jupyterlab/metadataform-extension")],
  ["@jupyterlab/notebook-extension", () => import("@jupyterlab/notebook-extension")],
  ["@jupyterlab/rendermime-extension", () => import("@jupyterlab/rendermime-extension")],
  ["@jupyterlab/running-extension", () => import("@jupyterlab/running-extension")],
  ["@jupyterlab/services-extension", () => import("@jupyterlab/services-extension")],
  ["@jupyterlab/settingeditor-extension", () => import("@jupyterlab/settingeditor-extension")],
  ["@jupyterlab/shortcuts-extension", () => import("@jupyterlab/shortcuts-extension")],
  ["@jupyterlab/statusbar-extension", () => import("@jupyterlab/statusbar-extension")],
  ["@jupyterlab/theme-dark-extension", () => import("@jupyterlab/theme-dark-extension")],
  ["@jupyterlab/theme-light-extension", () => import("@jupyterlab/theme-light-extension")],
  ["@jupyterlab/toc-extension", () => import("@jupyterlab/toc-extension")],
  ["@jupyterlab/tooltip-extension", () => import("@jupyterlab/tooltip-extension")],
  ["@jupyterlab/translation-extension", () => import("@jupyterlab/translation-extension")],
  ["@jupyterlab/ui-components-extension", () => import("@jupyterlab/ui-components-extension")],
];

export const mimeExtensions = [
  ["@jupyterlab/javascript-extension", () => import("@jupyterlab/javascript-extension")],
  ["@jupyterlab/json-extension", () => import("@jupyterlab/json-extension")],
  ["@jupyterlab/vega5-extension", () => import("@jupyterlab/vega5-extension")],
];

// Plugins that need a server side Debian's jupyter-server 1.x does not have (the LSP proxy).
export const excludedPlugins = new Set([
  "@jupyterlab/fileeditor-extension:language-server",
  "@jupyterlab/notebook-extension:language-server",
  // Fetches news from the internet and asks about it at every start; not for a closed machine or tests.
  "@jupyterlab/apputils-extension:announcements",
]);
