// runs/search ordered by a metric (or, on SQLite, a param or tag) over many runs: the walk of the order
// key's (key, value) index (src/search's RunWalk), sized by what it finds, with the full search as the
// answer whenever a walk would not be both exact and cheap.
import type { Comparison, OrderTerm, SqlFragment } from "../../../search/ast.js";
import {
  compileEqualityCount,
  compileFirstValueAmong,
  compileGroupBound,
  compileRunCount,
  compileRunSearch,
  compileWalkBound,
  groupWalkable,
  type RunSearchQuery,
  requiredEqualities,
  walkTerm,
} from "../../../search/index.js";
import type { SqlDriver, SqlExecutor } from "../driver.js";

/**
 * Experiments with fewer runs than this are searched in full: checking and sorting all of them costs
 * ~10 ms, and a walk through a metric logged in many other experiments could read more.
 */
const SMALL_SEARCH = 10_000;
/** Deeper pages are not walked: a walk would read more of the index than the full search sorts. */
const WALK_MAX_ROWS = 5000;
/** The first walk reads this many index entries per run wanted: a filter matching 1 run in 4 fits. */
const FIRST_SPAN_PER_ROW = 4;
const MIN_SPAN = 400;
/**
 * The most index entries a walk reads (~100 ms on SQLite with a filter to check per run). A filter
 * that needs more matches too few runs for a walk: the full search starts from those runs instead.
 */
const MAX_SPAN = 100_000;
/** Walks tried before giving up: the second is sized from the first's rate of matches, with a margin. */
const ATTEMPTS = 3;
const MARGIN = 1.5;
/**
 * A param or tag equality matching fewer runs than this makes the full search cheap (it starts from
 * those runs through the (key, value) index): no walk. The same bound the store applies to metrics.
 */
const RARE_EQUALITY = 2000;
/**
 * An equality matching fewer runs than this is read once as a list the walk checks in memory: at
 * 1,000,000 runs, a param value of 20,000 runs walked 3-4× faster so than by a lookup per run.
 */
const LIST_EQUALITY = 50_000;
/**
 * A walk that would next read more index entries than this many per run of its smallest equality list
 * is given up for the full search, which starts from that list: the walk reads about wanted × N / n
 * entries, the list n runs, so a small list in a big experiment is cheaper read whole. Per store, as a
 * walk's entry costs them differently against a listed run's lookups. A param value of 2,000 runs among
 * 100,000 (2%, half of them passing the rest of the filter), whose first walk of 400 entries finds 1–4
 * runs and would next read ~20,000 (the bench's seed, bench/lib/seed.mjs; store searches):
 * - PostgreSQL: walked 155–164 ms (the next walk's bound is an OFFSET into the index, and its plan joins
 *   the list to the runs by hash), from the list 60–78 ms: four entries per listed run;
 * - SQLite: walked 23 ms, from the list 28 ms (medians of 30 each way, alternated; a walk's entry is a
 *   B-tree step in the same process):
 *   sixteen, so that this filter is walked there. At 1,000,000 runs the same 2% is 20,000 runs, walked
 *   on both (~10,000 entries).
 */
const LIST_DRIVES_RATIO = { sqlite: 16, postgres: 4 } as const;

/** The `n` a bounded count answers (compileRunCount, compileEqualityCount). */
async function countOf(db: SqlExecutor, count: SqlFragment): Promise<number> {
  return Number((await db.get<{ n: number | string }>(count.sql, count.params))?.n ?? 0);
}

/**
 * How far the next walk reads after one that read `read` entries (or runs) and found `found` of the
 * `wanted`: as far as its rate of matches says, with MARGIN, `whenNone` times as far when it found
 * none, at least twice as far; null beyond `max`, where walking is given up.
 */
function nextRead(read: number, wanted: number, found: number, whenNone: number, max: number): number | null {
  const next = found > 0 ? Math.ceil((read * wanted * MARGIN) / found) : read * whenNone;
  return next > max ? null : Math.max(next, read * 2);
}

/**
 * A walk checks an equality against its list (read whole first, in index order) rather than by a
 * lookup per walked run when the list is at most this many times the entries walked: a lookup is a
 * B-tree descent, a listed run a step along the index. At 1,000,000 runs the first walk of the
 * selective filter (400 entries, a list of 20,000 runs) took ~11 ms with the list, ~3 without.
 */
const LIST_PER_WALKED_ENTRY = 4;

/** The equalities a walk of `span` entries checks against their lists (LIST_PER_WALKED_ENTRY). */
function listsWorthReading(lists: ReadonlyMap<Comparison, number>, span: number): Set<Comparison> {
  return new Set([...lists].filter(([, size]) => size <= span * LIST_PER_WALKED_ENTRY).map(([c]) => c));
}

/**
 * A GroupWalk first reads this many runs per run wanted (a value of 1 run in 25 passing a filter of 1 in
 * 2 fits), then as many as its rate of matches says, with MARGIN, up to GROUP_MAX_RUNS: beyond that the
 * group is too sparse among the newest runs, and the ordinary walk answers.
 */
const GROUP_FIRST_RUNS_PER_ROW = 64;
const GROUP_MAX_RUNS = 50_000;
/** Index entries counted to size the first value's group (an index-only count: ~1 ms per 10,000). */
const GROUP_COUNT_BOUND = 100_000;

/**
 * The page of a search ordered by one param or tag whose first value holds more runs than a walk
 * would read (its tie group, read whole and sorted by start time, made a walk of a 25-value param over
 * 1,000,000 runs read 40,000 runs): that group's runs read in the experiment's run order (GroupWalk),
 * which is their final order. When the filter requires an equality of fewer runs than that group (the
 * smallest list), the group is that of the first value among the list's runs: `params.p2 = '10'` by
 * params.p7 over 1,000,000 runs, 20,000 runs of p2 all on p7's eleventh value, was 250 ms of reading
 * and sorting the 20,000 runs, ~65 ms so (the first value among them ~50, the walk ~12). Null when it
 * does not apply or does not find the page among the runs it may read.
 */
async function groupWalk(
  db: SqlExecutor,
  query: RunSearchQuery,
  span: number,
  smallest: { list: Comparison; size: number } | null,
): Promise<string[] | null> {
  const term = query.orderBy[0];
  if (!term || !groupWalkable(query)) return null;
  const first = compileWalkBound(term, 0, query.dialect);
  let value = (await db.get<{ value: string }>(first.sql, first.params))?.value;
  if (value === undefined) return null;
  const size = compileEqualityCount(
    { kind: "comparison", entity: term.entity, key: term.key, comparator: "=", value },
    GROUP_COUNT_BOUND,
    query.dialect,
  );
  const group = await countOf(db, size);
  if (group <= span) return null;
  if (smallest && group > smallest.size) {
    const among = compileFirstValueAmong(term, smallest.list, query.dialect);
    value = (await db.get<{ value: string | null }>(among.sql, among.params))?.value ?? undefined;
    if (value === undefined) return null;
  }
  const wanted = query.offset + query.limit;
  let runs = wanted * GROUP_FIRST_RUNS_PER_ROW;
  for (;;) {
    const boundQuery = compileGroupBound(query, runs - 1);
    const since = (await db.get<{ start_time: number | null }>(boundQuery.sql, boundQuery.params))
      ?.start_time;
    // Fewer runs than that (or the bound on a run without a start time): every run is read.
    const bound = since === undefined || since === null ? null : Number(since);
    const walk = compileRunSearch({ ...query, group: { value, since: bound }, limit: wanted, offset: 0 });
    const ids = (await db.all<{ run_uuid: string }>(walk.sql, walk.params)).map((r) => r.run_uuid);
    if (ids.length >= wanted) return ids.slice(query.offset);
    // Every run was read: the group holds fewer than the page, which goes on into the next values.
    if (bound === null) return null;
    const next = nextRead(runs, wanted, ids.length, 8, GROUP_MAX_RUNS);
    if (next === null) return null;
    runs = next;
  }
}

/**
 * The ids of the page `query` asks for, read by walking the first order term's index, or null when the
 * full search must answer: not walkable (walkTerm), few runs to search, a required clause rare enough to drive the full
 * search (`query.selective`, a rare param/tag equality), a page too deep, or a filter that matched too
 * few of the runs walked. A walk's answer is exactly the full search's (see RunWalk).
 */
export async function walkRunSearch(db: SqlDriver, query: RunSearchQuery): Promise<string[] | null> {
  const term = walkTerm(query.orderBy, query.dialect);
  if (!term || (query.selective?.size ?? 0) > 0) return null;
  const wanted = query.offset + query.limit;
  if (wanted > WALK_MAX_ROWS || query.limit <= 0) return null;
  return db.boundedReads((q) => walk(q, query, term, wanted));
}

/** walkRunSearch's statements, bounded reads all (each walk reads at most MAX_SPAN entries). */
async function walk(
  db: SqlExecutor,
  query: RunSearchQuery,
  term: OrderTerm,
  wanted: number,
): Promise<string[] | null> {
  const size = compileRunCount(query, SMALL_SEARCH);
  if ((await countOf(db, size)) < SMALL_SEARCH) return null;
  const lists = new Map<Comparison, number>();
  let smallest: { list: Comparison; size: number } | null = null;
  for (const c of requiredEqualities(query.filter)) {
    const count = compileEqualityCount(c, LIST_EQUALITY, query.dialect);
    const n = await countOf(db, count);
    if (n < RARE_EQUALITY) return null;
    if (n < LIST_EQUALITY) {
      lists.set(c, n);
      if (!smallest || n < smallest.size) smallest = { list: c, size: n };
    }
  }
  const smallestList = smallest?.size ?? Number.POSITIVE_INFINITY;
  let span = Math.max(MIN_SPAN, wanted * FIRST_SPAN_PER_ROW);
  const grouped = await groupWalk(db, { ...query, selective: new Set(lists.keys()) }, span, smallest);
  if (grouped !== null) return grouped;
  let last: { bound: number | string; found: number } | null = null;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const boundQuery = compileWalkBound(term, span - 1, query.dialect);
    const bound =
      (await db.get<{ value: number | string }>(boundQuery.sql, boundQuery.params))?.value ?? null;
    let found: number;
    if (last !== null && bound === last.bound) {
      // Ties: the longer span ends on the same value, so the walk would read the same runs again.
      found = last.found;
    } else {
      const walk = compileRunSearch({
        ...query,
        selective: listsWorthReading(lists, span),
        walk: { bound },
        limit: wanted,
        offset: 0,
      });
      const ids = (await db.all<{ run_uuid: string }>(walk.sql, walk.params)).map((r) => r.run_uuid);
      if (ids.length >= wanted) return ids.slice(query.offset);
      // Every value of the key was read: the page reaches the runs with NaN or without the key.
      if (bound === null) return null;
      found = ids.length;
      last = { bound, found };
    }
    const next = nextRead(span, wanted, found, 16, MAX_SPAN);
    if (next === null) return null;
    // Judged on one more run than found: a few runs found in a short first walk say little, and the
    // walk keeps the benefit of the doubt.
    if ((span * wanted * MARGIN) / (found + 1) > smallestList * LIST_DRIVES_RATIO[query.dialect]) return null;
    span = next;
  }
  return null;
}
