// The registry view's pure parts: the search filters it sends (MLflow's grammar has no escapes, so a
// value is quoted with whichever quote it does not contain), the order versions are shown in, and the
// aliases of each version.
import type { Stage, WireModelVersion, WireRegisteredModel } from "../../client/wire.js";

export const STAGES: readonly Stage[] = ["None", "Staging", "Production", "Archived"];

/** `text` as a quoted filter value, or null when it holds both kinds of quote (no filter can say it). */
export function quoteValue(text: string): string | null {
  if (!text.includes("'")) return `'${text}'`;
  if (!text.includes('"')) return `"${text}"`;
  return null;
}

/** The registered-models filter for a name search box: case-insensitive "contains". */
export function nameFilter(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const quoted = quoteValue(`%${trimmed}%`);
  return quoted === null ? undefined : `name ILIKE ${quoted}`;
}

/** The model-versions filter for one model's versions, or null when the name cannot be quoted. */
export function versionsFilter(name: string): string | null {
  const quoted = quoteValue(name);
  return quoted === null ? null : `name = ${quoted}`;
}

/** Newest version first (versions are numbers sent as strings: "10" comes before "9"). */
export function sortVersions(versions: readonly WireModelVersion[]): WireModelVersion[] {
  return [...versions].sort((a, b) => Number(b.version) - Number(a.version));
}

/** Alias names per version, from the model (MLflow lists them there; versions may carry them too). */
export function aliasesByVersion(
  model: Pick<WireRegisteredModel, "aliases"> | null,
  versions: readonly WireModelVersion[] = [],
): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  const add = (version: string, alias: string) => {
    const set = out.get(version) ?? new Set<string>();
    set.add(alias);
    out.set(version, set);
  };
  for (const a of model?.aliases ?? []) add(a.version, a.alias);
  for (const v of versions) for (const alias of v.aliases ?? []) add(v.version, alias);
  return new Map([...out].map(([version, set]) => [version, [...set].sort()]));
}

/** The newest version of a model, for the list ("v7"). */
export function latestVersion(model: WireRegisteredModel): string | undefined {
  return sortVersions(model.latest_versions ?? [])[0]?.version;
}
