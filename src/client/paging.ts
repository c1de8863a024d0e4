// MLflow's paged answers, read and followed once for every kind: each page but the last carries a
// `next_page_token` that asks for the next one.
import type { Paged } from "./wire.js";

/** One page of a paged answer. */
export interface PageOf<T> {
  items: T[];
  nextPageToken?: string | undefined;
}

/** The token of the next page as the client's answers carry it: absent on the last page. */
export const nextPageOf = (answer: Paged): { nextPageToken?: string } =>
  answer.next_page_token ? { nextPageToken: answer.next_page_token } : {};

/**
 * The pages of a paged answer in order, each asked for with the previous one's token (none for the
 * first) and how many items are still wanted, until a page comes without a token or `limit` items
 * came. An empty page ends it too: a server that sent a token with nothing would be asked forever.
 */
export async function* followPages<T>(
  fetchPage: (pageToken: string | undefined, wanted: number) => Promise<PageOf<T>>,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<T[], void, undefined> {
  let seen = 0;
  let pageToken: string | undefined;
  while (seen < limit) {
    const page = await fetchPage(pageToken, limit - seen);
    if (page.items.length === 0) return;
    seen += page.items.length;
    yield page.items;
    pageToken = page.nextPageToken;
    if (!pageToken) return;
  }
}
