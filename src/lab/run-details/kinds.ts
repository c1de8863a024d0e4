// What preview an artifact gets, from its name (and, for JSON, its content). Pure.
export type PreviewKind = "image" | "html" | "json" | "yaml" | "csv" | "text" | "other";

/** Larger files are only offered for download. */
export const PREVIEW_MAX_BYTES = 5 * 1024 * 1024;
/** Rows of a CSV preview. */
export const CSV_MAX_ROWS = 500;

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
  svg: "image/svg+xml",
  ico: "image/x-icon",
};

const TEXT_EXTENSIONS = new Set([
  "txt",
  "log",
  "md",
  "py",
  "ts",
  "js",
  "sh",
  "toml",
  "ini",
  "cfg",
  "conf",
  "r",
  "sql",
  "ipynb",
  "xml",
  "out",
  "err",
  "rst",
  "java",
  "c",
  "h",
  "cpp",
  "go",
  "rs",
  "env",
  "lock",
  "jsonl",
  "ndjson",
]);

const TEXT_NAMES = new Set(["MLmodel", "Dockerfile", "LICENSE", "README", "requirements", "MLproject"]);

export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function previewKind(path: string): PreviewKind {
  const ext = extensionOf(path);
  if (ext in IMAGE_TYPES) return "image";
  if (ext === "html" || ext === "htm") return "html";
  if (ext === "json" || ext === "geojson") return "json";
  if (ext === "yaml" || ext === "yml") return "yaml";
  if (ext === "csv" || ext === "tsv") return "csv";
  if (TEXT_EXTENSIONS.has(ext) || TEXT_NAMES.has(baseName(path))) return "text";
  return "other";
}

/** The MIME type the preview's blob gets: a browser draws an SVG in <img> only when told it is one. */
export function imageType(path: string): string {
  return IMAGE_TYPES[extensionOf(path)] ?? "application/octet-stream";
}

/** A JSON value that declares itself a Vega-Lite spec. */
export function isVegaLiteSpec(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const schema = (value as { $schema?: unknown }).$schema;
  return typeof schema === "string" && /vega-lite/i.test(schema);
}

/** Bytes that decode as text: no NUL in the first few kilobytes (how `file` and git guess). */
export function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return false;
  return true;
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
