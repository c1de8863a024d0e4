// Artifact helpers: everything is uploaded through the server's mlflow-artifacts proxy, the way
// MLflow's client does when the server serves artifacts. Text-like helpers work in a browser too; the
// file and directory helpers need Node and load its modules on demand.
import { stringify as toYaml } from "yaml";
import { RestClient } from "../rest.js";
import { nodeModules } from "./node.js";

/** Files up to this size are read into memory, so that a failed upload can be retried. */
const BUFFERED_UPLOAD_BYTES = 64 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;

const CONTENT_TYPES: Record<string, string> = {
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  html: "text/html; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  log: "text/plain; charset=utf-8",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  svg: "image/svg+xml",
};

export const contentType = (file: string): string =>
  CONTENT_TYPES[/\.([^./]+)$/.exec(file)?.[1]?.toLowerCase() ?? ""] ?? "application/octet-stream";

const extension = (file: string): string => /\.([^./]+)$/.exec(file)?.[1]?.toLowerCase() ?? "";

/** Joins artifact path segments with "/", refusing ".." so nothing escapes the run's root. */
export function joinArtifactPath(...parts: (string | undefined)[]): string {
  const segments = parts
    .filter((p): p is string => !!p)
    .flatMap((p) => p.replace(/\\/g, "/").split("/"))
    .filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw new Error(`artifact paths may not contain "..": ${parts.join("/")}`);
  return segments.join("/");
}

/** Where one run's artifacts go. */
export class RunArtifacts {
  constructor(
    private readonly client: RestClient,
    readonly runId: string,
    readonly artifactUri: string,
  ) {}

  async upload(artifactFile: string, body: BodyInit, type = contentType(artifactFile)): Promise<void> {
    const file = joinArtifactPath(artifactFile);
    if (!file) throw new Error("an artifact needs a file name");
    const proxyPath = RestClient.proxyPath(this.artifactUri, file);
    if (proxyPath === null) {
      throw new Error(
        `run ${this.runId} keeps its artifacts at ${this.artifactUri}, which the tracking server does not serve; ` +
          "start the server with --serve-artifacts (the default) to log artifacts from this client",
      );
    }
    await this.client.uploadArtifact(proxyPath, body, type);
  }

  logText(text: string, artifactFile: string): Promise<void> {
    return this.upload(artifactFile, text);
  }

  /** JSON, or YAML when the file name ends in .yaml/.yml (as MLflow's log_dict). */
  logDict(dict: unknown, artifactFile: string): Promise<void> {
    const ext = extension(artifactFile);
    const text = ext === "yaml" || ext === "yml" ? toYaml(dict) : `${JSON.stringify(dict, null, 2)}\n`;
    return this.upload(artifactFile, text);
  }

  /** CSV when the file name ends in .csv, else MLflow's log_table JSON ({columns, data}). */
  logTable(table: TableInput, artifactFile: string): Promise<void> {
    const { columns, data } = normalizeTable(table);
    if (extension(artifactFile) === "csv") return this.upload(artifactFile, toCsv(columns, data));
    return this.upload(artifactFile, JSON.stringify({ columns, data }));
  }

  /**
   * A Vega-Lite spec as `<name>.json` and a `<name>.html` page that renders it (vega-embed from
   * jsDelivr). `artifactFile` may end in .json or .html or have no extension; returns both paths.
   */
  async logVegaLite(spec: object, artifactFile: string): Promise<{ json: string; html: string }> {
    const base = joinArtifactPath(artifactFile).replace(/\.(json|html?)$/i, "");
    const json = `${base}.json`;
    const html = `${base}.html`;
    await this.upload(json, `${JSON.stringify(spec, null, 2)}\n`);
    await this.upload(html, vegaLiteHtml(spec, base.split("/").pop() ?? base));
    return { json, html };
  }

  /** A local file, uploaded as `<artifactPath>/<its name>`. */
  async logArtifact(localPath: string, artifactPath?: string): Promise<string> {
    const { fs, path, openStream } = await nodeModules();
    const stat = await fs.stat(localPath);
    if (!stat.isFile()) throw new Error(`${localPath} is not a file (use logArtifacts for a directory)`);
    const target = joinArtifactPath(artifactPath, path.basename(localPath));
    const body =
      stat.size <= BUFFERED_UPLOAD_BYTES
        ? new Uint8Array(await fs.readFile(localPath))
        : await openStream(localPath);
    await this.upload(target, body);
    return target;
  }

  /** Every file under a local directory, keeping its layout under `artifactPath`. */
  async logArtifacts(localDir: string, artifactPath?: string): Promise<string[]> {
    const { fs, path } = await nodeModules();
    const files: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const child = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), child);
        else if (entry.isFile()) files.push(child);
      }
    };
    await walk(localDir, "");
    files.sort();
    const uploaded: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const rel = files[next++] as string;
        const relDir = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : undefined;
        uploaded.push(
          await this.logArtifact(
            path.join(localDir, ...rel.split("/")),
            joinArtifactPath(artifactPath, relDir),
          ),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, files.length) }, worker));
    return uploaded.sort();
  }
}

/** Rows (objects), or columns (an object of equal-length arrays, as MLflow's log_table takes a dict). */
export type TableInput = readonly Record<string, unknown>[] | Record<string, readonly unknown[]>;

export function normalizeTable(table: TableInput): { columns: string[]; data: unknown[][] } {
  if (Array.isArray(table)) {
    const rows = table as readonly Record<string, unknown>[];
    const columns: string[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        if (!seen.has(key)) {
          seen.add(key);
          columns.push(key);
        }
      }
    }
    return { columns, data: rows.map((row) => columns.map((c) => row[c] ?? null)) };
  }
  const byColumn = table as Record<string, readonly unknown[]>;
  const columns = Object.keys(byColumn);
  const lengths = new Set(columns.map((c) => byColumn[c]?.length ?? 0));
  if (lengths.size > 1) throw new Error("every column of a table must have the same length");
  const n = lengths.values().next().value ?? 0;
  return { columns, data: Array.from({ length: n }, (_, i) => columns.map((c) => byColumn[c]?.[i] ?? null)) };
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const toCsv = (columns: readonly string[], data: readonly (readonly unknown[])[]): string =>
  `${[columns, ...data].map((row) => row.map(csvCell).join(",")).join("\r\n")}\r\n`;

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A page that renders the spec; the spec sits in a JSON script block, escaped so it cannot end it. */
export function vegaLiteHtml(spec: object, title: string): string {
  const json = JSON.stringify(spec)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
<script src="https://cdn.jsdelivr.net/npm/vega-lite@5"></script>
<script src="https://cdn.jsdelivr.net/npm/vega-embed@6"></script>
</head>
<body>
<div id="chart"></div>
<script type="application/json" id="spec">${json}</script>
<script>
  const spec = JSON.parse(document.getElementById("spec").textContent);
  vegaEmbed("#chart", spec).catch((e) => { document.getElementById("chart").textContent = String(e); });
</script>
</body>
</html>
`;
}
