import type { Sentiment } from '@fig/sentiment';
import type { Entry, NewEntry, Page, Stats } from './entry';

export interface ListOptions {
  limit: number;
  /** Opaque cursor from a previous page's nextCursor. */
  cursor?: string;
}

/** A visit to the page: the counter after it, and the newest entries. */
export interface PageVisit extends Page {
  visits: number;
}

export interface AddResult {
  entry: Entry;
  /** False when the idempotency key had been used: `entry` is the first one. */
  created: boolean;
}

/**
 * What the page and the JSON API need from the data, whoever owns it: the
 * monolith implements it on Redis directly, the frontend over gRPC to store-svc.
 */
export interface GuestbookStore {
  addEntry(
    entry: NewEntry,
    sentiment: Sentiment | null,
    idempotencyKey?: string,
  ): Promise<AddResult>;
  listEntries(options: ListOptions): Promise<Page>;
  getStats(): Promise<Stats>;
  incrementVisits(): Promise<number>;
  /**
   * incrementVisits and the first page of listEntries together: everything
   * the page shows, which over gRPC is one round trip instead of two.
   */
  visitPage(limit: number): Promise<PageVisit>;
}
