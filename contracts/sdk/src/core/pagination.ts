import type { CallOptions } from './operation.ts';

/** A page of a cursor-paginated list, as every Concord list answers. */
export interface CursorPage<Item> {
  data: Item[];
  next_cursor: string | null;
}

export type ItemOf<Page> = Page extends CursorPage<infer Item> ? Item : never;

/**
 * A list operation: call it for one page, or iterate every page (`pages`) or every item (`all`),
 * following `next_cursor` until it is `null`:
 *
 *   for await (const customer of client.customersV2.listCustomers.all({ limit: 50 })) { ... }
 */
export interface PaginatedOperation<Params extends { cursor?: string }, Page extends CursorPage<unknown>> {
  (params?: Params, options?: CallOptions): Promise<Page>;
  pages(params?: Params, options?: CallOptions): AsyncGenerator<Page, void, undefined>;
  all(params?: Params, options?: CallOptions): AsyncGenerator<ItemOf<Page>, void, undefined>;
}

export function paginated<Params extends { cursor?: string }, Page extends CursorPage<unknown>>(
  fetchPage: (params: Params | undefined, options: CallOptions | undefined) => Promise<Page>,
): PaginatedOperation<Params, Page> {
  const operation = ((params?: Params, options?: CallOptions) => fetchPage(params, options)) as PaginatedOperation<Params, Page>;
  operation.pages = async function* pages(params?: Params, options?: CallOptions) {
    let cursor = params?.cursor;
    const seen = new Set<string>();
    for (;;) {
      const page = await fetchPage({ ...params, ...(cursor !== undefined ? { cursor } : {}) } as Params, options);
      yield page;
      if (page.next_cursor === null || page.next_cursor === undefined || page.next_cursor === '') return;
      // A server that hands back a cursor twice would otherwise loop forever.
      if (seen.has(page.next_cursor)) throw new Error(`pagination: next_cursor ${page.next_cursor} was returned twice`);
      seen.add(page.next_cursor);
      cursor = page.next_cursor;
    }
  };
  operation.all = async function* all(params?: Params, options?: CallOptions) {
    for await (const page of operation.pages(params, options)) {
      for (const item of page.data) yield item as ItemOf<Page>;
    }
  };
  return operation;
}
