// A small RFC 4180 reader for artifact previews: quoted fields may hold the separator, doubled quotes
// and line breaks. It stops after `maxRows` rows, so a huge file costs only what is shown.
export interface CsvTable {
  rows: string[][];
  /** More rows followed the last one returned. */
  truncated: boolean;
}

export function parseCsv(text: string, options: { maxRows?: number; separator?: string } = {}): CsvTable {
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const sep = options.separator ?? ",";
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  // Whether the current row has anything in it yet: a trailing newline must not add an empty row.
  let started = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = (): boolean => {
    row.push(field);
    rows.push(row);
    row = [];
    field = "";
    started = false;
    return rows.length >= maxRows;
  };
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
      started = true;
    } else if (c === sep) {
      row.push(field);
      field = "";
      started = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      if (endRow()) return { rows, truncated: hasContent(text, i + 1) };
    } else {
      field += c;
      started = true;
    }
  }
  if (started || field !== "") endRow();
  return { rows, truncated: false };
}

function hasContent(text: string, from: number): boolean {
  return /\S/.test(text.slice(from, from + 4096)) || text.length - from > 4096;
}

/** Tab for .tsv files, comma otherwise. */
export function separatorFor(path: string): string {
  return /\.tsv$/i.test(path) ? "\t" : ",";
}
