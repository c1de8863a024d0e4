// followPages: the one loop over MLflow's page tokens (metric histories, runs/search of the fluent API).
import { describe, expect, it } from "vitest";
import { followPages, type PageOf } from "../../src/client/paging.js";

/** A paged answer over `items`, `size` a page, its token the offset of the next page. */
function pagesOf(items: number[], size: number) {
  const asked: { pageToken: string | undefined; wanted: number }[] = [];
  const fetchPage = async (pageToken: string | undefined, wanted: number): Promise<PageOf<number>> => {
    asked.push({ pageToken, wanted });
    const start = Number(pageToken ?? 0);
    const end = start + Math.min(size, wanted);
    return {
      items: items.slice(start, end),
      ...(end < items.length ? { nextPageToken: String(end) } : {}),
    };
  };
  return { asked, fetchPage };
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const all: T[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe("followPages", () => {
  const items = Array.from({ length: 7 }, (_, i) => i);

  it("follows the tokens to the last page, in order", async () => {
    const { asked, fetchPage } = pagesOf(items, 3);
    expect(await collect(followPages(fetchPage))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(asked.map((a) => a.pageToken)).toEqual([undefined, "3", "6"]);
  });

  it("stops once the limit is reached, asking only for what is still wanted", async () => {
    const { asked, fetchPage } = pagesOf(items, 3);
    expect(await collect(followPages(fetchPage, 5))).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(asked.map((a) => a.wanted)).toEqual([5, 2]);
  });

  it("asks nothing for a limit of 0", async () => {
    const { asked, fetchPage } = pagesOf(items, 3);
    expect(await collect(followPages(fetchPage, 0))).toEqual([]);
    expect(asked).toEqual([]);
  });

  it("ends at an empty page even when it carries a token", async () => {
    let calls = 0;
    const pages = followPages(async () => {
      calls++;
      return { items: [] as number[], nextPageToken: "again" };
    });
    expect(await collect(pages)).toEqual([]);
    expect(calls).toBe(1);
  });
});
