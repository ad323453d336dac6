import type { GuestbookStore } from '@fig/guestbook';
import { entryToProto, pageToProto, statsToProto, type StoreServiceServer } from '@fig/proto';
import type { EntryFeed } from './feed';
import { serverStream, unary, type RpcContext } from './rpc';
import { validateAddEntry, validateListEntries, validatePageSize } from './validation';

export interface StoreServiceDeps extends RpcContext {
  guestbook: GuestbookStore;
  feed: EntryFeed;
}

/** StoreService on the shared guestbook: validation here, data rules in @fig/guestbook. */
export function createStoreService({
  guestbook,
  feed,
  ...ctx
}: StoreServiceDeps): StoreServiceServer {
  return {
    addEntry: unary('AddEntry', ctx, async (request) => {
      const { entry, sentiment, idempotencyKey } = validateAddEntry(request);
      const result = await guestbook.addEntry(entry, sentiment, idempotencyKey);
      return { entry: entryToProto(result.entry), created: result.created };
    }),
    listEntries: unary('ListEntries', ctx, async (request) =>
      pageToProto(await guestbook.listEntries(validateListEntries(request))),
    ),
    getStats: unary('GetStats', ctx, async () => statsToProto(await guestbook.getStats())),
    incrementVisits: unary('IncrementVisits', ctx, async () => ({
      visits: await guestbook.incrementVisits(),
    })),
    visitPage: unary('VisitPage', ctx, async (request) => {
      const { visits, ...page } = await guestbook.visitPage(validatePageSize(request.pageSize));
      return { visits, ...pageToProto(page) };
    }),
    watchEntries: serverStream('WatchEntries', ctx, (call) => feed.add(call)),
  };
}
