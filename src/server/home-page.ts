// `GET /`: what MLflow's "View run at <tracking URI>/#/experiments/<id>/runs/<id>" opens. The fragment
// never reaches the server, so the page's own script reads it and asks this server's REST API (same
// origin) for the run. Self-contained: no external resource, a CSP that allows only this page's own
// script and style (by hash) and same-origin requests, and every value put in as text (textContent),
// never as HTML. Server values (version, Lab URL) travel as JSON in an inert script element.

import { createHash } from "node:crypto";

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
.muted { color: #666; }
table { border-collapse: collapse; margin: .5rem 0 1.25rem; min-width: 20rem; }
th, td { text-align: left; padding: .2rem .8rem .2rem 0; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
td { font-family: ui-monospace, monospace; word-break: break-all; }
.status { display: inline-block; padding: 0 .5rem; border-radius: .6rem; background: #eee; font-size: .85rem; }
.error { color: #a40000; }
code { font-family: ui-monospace, monospace; }
`;

const SCRIPT = `
"use strict";
const config = JSON.parse(document.getElementById("labtrack-config").textContent);
const main = document.getElementById("main");

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function table(heading, rows) {
  main.append(el("h2", heading));
  if (rows.length === 0) { main.append(el("p", "None.", "muted")); return; }
  const t = el("table");
  for (const [k, v] of rows) {
    const tr = el("tr");
    tr.append(el("th", k), el("td", v));
    t.append(tr);
  }
  main.append(t);
}

function about() {
  main.replaceChildren();
  document.title = "Labtrack tracking server";
  main.append(el("h1", "Labtrack tracking server"));
  const p = el("p", "An MLflow-compatible tracking server. Point MLflow's client at this address (MLFLOW_TRACKING_URI); its REST API is under ");
  p.append(el("code", new URL(config.apiBase, location.href).href), document.createTextNode("."));
  main.append(p, el("p", "Version " + config.version, "muted"));
  if (config.labUrl) main.append(labLink());
}

function labLink(runId) {
  const p = el("p");
  const a = el("a", "Open JupyterLab");
  a.href = config.labUrl + "/lab";
  a.rel = "noopener noreferrer";
  p.append(a);
  if (runId) p.append(document.createTextNode(" (the run is in the Labtrack panel: " + runId + ")"));
  return p;
}

async function showRun(experimentId, runId) {
  main.replaceChildren(el("p", "Loading run " + runId + "…", "muted"));
  let body;
  try {
    const url = new URL(config.apiBase + "/runs/get", location.href);
    url.searchParams.set("run_id", runId);
    const response = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
    body = await response.json();
    if (!response.ok) throw new Error((body.error_code || response.status) + ": " + (body.message || ""));
  } catch (e) {
    main.replaceChildren(el("h1", "Run " + runId), el("p", "Could not load the run: " + e.message, "error"));
    return;
  }
  const info = body.run.info;
  const data = body.run.data || {};
  main.replaceChildren();
  const name = info.run_name || runId;
  document.title = name + " · Labtrack";
  main.append(el("h1", name));
  const line = el("p", undefined, "muted");
  line.append(el("span", info.status, "status"), document.createTextNode(
    " · run " + runId + " · experiment " + (info.experiment_id || experimentId) +
    (info.start_time ? " · started " + new Date(Number(info.start_time)).toLocaleString() : "")));
  main.append(line);
  if (config.labUrl) main.append(labLink(runId));
  table("Parameters", (data.params || []).map((p) => [p.key, p.value]));
  table("Metrics (latest)", (data.metrics || []).map((m) => [m.key, m.value + (m.step ? "  (step " + m.step + ")" : "")]));
}

function route() {
  const m = /^#\\/experiments\\/([^/?#]+)\\/runs\\/([^/?#]+)/.exec(location.hash);
  if (m) showRun(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
  else about();
}
window.addEventListener("hashchange", route);
route();
`;

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** The Content-Security-Policy of the page: its own script and style, requests to this origin only. */
export const HOME_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export interface HomePageConfig {
  version: string;
  /** The API's path, relative to the page, so that the page works behind a proxy's sub-path. */
  apiBase: string;
  /** JupyterLab's base URL (`--lab-url`), without a trailing slash, or null. */
  labUrl: string | null;
}

export function homePage(config: HomePageConfig): string {
  // `<` escaped so that no value can end the inert script element.
  const json = JSON.stringify(config).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Labtrack tracking server</title><style>${STYLE}</style></head>
<body><main id="main"><noscript>Labtrack tracking server. This page needs JavaScript to show a run.</noscript></main>
<script type="application/json" id="labtrack-config">${json}</script>
<script>${SCRIPT}</script></body></html>
`;
}
