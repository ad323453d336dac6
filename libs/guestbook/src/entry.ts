import type { Sentiment } from '@fig/sentiment';

/** One guestbook entry, exactly as every API of every stage returns it. */
export interface Entry {
  id: string;
  author: string;
  text: string;
  /** null while the entry has not been scored (the model was unavailable when it was written). */
  sentiment: Sentiment | null;
  /** ISO-8601, UTC. */
  createdAt: string;
}

/** A validated request to write an entry. */
export interface NewEntry {
  author: string;
  text: string;
}

export interface Page {
  entries: Entry[];
  nextCursor: string | null;
}

export interface Stats {
  visits: number;
  entries: number;
  sentiment: { positive: number; neutral: number; negative: number };
}
