// Entry of the Lab page. Federated extensions (Labtrack among them, exactly as a user's JupyterLab loads
// it) must join the shared-module scope before any core module is evaluated, so the app itself is
// imported only after every remoteEntry has been loaded and initialised.
function pageOption(name) {
  const el = document.getElementById("jupyter-config-data");
  const data = el ? JSON.parse(el.textContent || "{}") : {};
  return data[name] || "";
}

// rspack's runtime global, set before any chunk is requested.
__webpack_public_path__ = `${pageOption("fullStaticUrl")}/`;

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.onerror = () => reject(new Error(`could not load ${url}`));
    script.onload = resolve;
    script.async = true;
    script.src = url;
    document.head.appendChild(script);
  });
}

async function joinShareScope(url, scope) {
  await loadScript(url);
  await __webpack_init_sharing__("default");
  await window._JUPYTERLAB[scope].init(__webpack_share_scopes__.default);
}

(async () => {
  const federated = pageOption("federated_extensions") || [];
  const base = pageOption("fullLabextensionsUrl");
  const loaded = await Promise.allSettled(
    federated.map((ext) => joinShareScope(`${base}/${ext.name}/${ext.load}`, ext.name)),
  );
  // Why an extension's entry did not load, for the page's notice (app/index.js) to name it.
  window.__labtrackEntryFailures = {};
  loaded.forEach((result, i) => {
    if (result.status !== "rejected") return;
    console.error(result.reason);
    window.__labtrackEntryFailures[federated[i].name] = String(result.reason?.message ?? result.reason);
  });
  const { main } = await import("./index.js");
  await main();
})();
