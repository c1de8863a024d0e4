// The run ids a compare command names: its args come from other views, the palette and restored
// layouts, so they are checked rather than trusted.

/** The run ids of the command's args: non-empty strings only, each once, in the given order. */
export function runIdsOf(args: unknown): string[] {
  const ids = (args as { runIds?: unknown } | null)?.runIds;
  if (!Array.isArray(ids)) return [];
  return [...new Set(ids.filter((id): id is string => typeof id === "string" && id.trim() !== ""))];
}
