import type { Entry, Page, Stats } from '@fig/guestbook';
import type { ModelVersion, Sentiment, SentimentLabel as Label } from '@fig/sentiment';
import {
  SentimentLabel,
  type Entry as EntryMessage,
  type GetStatsResponse,
  type ListEntriesResponse,
  type Sentiment as SentimentMessage,
} from './generated/fig/store/v1/store';

const labelToProto: Record<Label, SentimentLabel> = {
  positive: SentimentLabel.SENTIMENT_LABEL_POSITIVE,
  neutral: SentimentLabel.SENTIMENT_LABEL_NEUTRAL,
  negative: SentimentLabel.SENTIMENT_LABEL_NEGATIVE,
};

const labelFromProto = new Map<SentimentLabel, Label>(
  Object.entries(labelToProto).map(([label, value]) => [value, label as Label]),
);

/** The domain label of a proto label, or undefined for UNSPECIFIED and unknown values. */
export function labelOf(label: SentimentLabel): Label | undefined {
  return labelFromProto.get(label);
}

export function sentimentToProto(sentiment: Sentiment | null): SentimentMessage | undefined {
  return sentiment
    ? { label: labelToProto[sentiment.label], score: sentiment.score, model: sentiment.model }
    : undefined;
}

/**
 * A proto verdict as the domain's. The store validates requests before calling
 * this, so an unknown label here is a broken contract, not a user error.
 */
export function sentimentFromProto(sentiment: SentimentMessage | undefined): Sentiment | null {
  if (!sentiment) return null;
  const label = labelOf(sentiment.label);
  if (!label) throw new Error(`unknown sentiment label ${sentiment.label}`);
  // Keys in the order the API's JSON has them, so responses match byte for byte.
  return { label, score: sentiment.score, model: sentiment.model as ModelVersion };
}

export function entryToProto(entry: Entry): EntryMessage {
  return {
    id: entry.id,
    author: entry.author,
    text: entry.text,
    sentiment: sentimentToProto(entry.sentiment),
    createTime: new Date(entry.createdAt),
  };
}

export function entryFromProto(entry: EntryMessage | undefined): Entry {
  if (!entry?.createTime) throw new Error('the store sent an entry without create_time');
  return {
    id: entry.id,
    author: entry.author,
    text: entry.text,
    sentiment: sentimentFromProto(entry.sentiment),
    createdAt: entry.createTime.toISOString(),
  };
}

export function pageToProto(page: Page): ListEntriesResponse {
  return { entries: page.entries.map(entryToProto), nextPageToken: page.nextCursor ?? '' };
}

export function pageFromProto(response: ListEntriesResponse): Page {
  return {
    entries: response.entries.map(entryFromProto),
    nextCursor: response.nextPageToken || null,
  };
}

export function statsToProto(stats: Stats): GetStatsResponse {
  return { visits: stats.visits, entries: stats.entries, sentiment: stats.sentiment };
}

export function statsFromProto(response: GetStatsResponse): Stats {
  const { positive = 0, neutral = 0, negative = 0 } = response.sentiment ?? {};
  return {
    visits: response.visits,
    entries: response.entries,
    sentiment: { positive, neutral, negative },
  };
}
