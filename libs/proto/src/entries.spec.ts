import type { Entry } from '@fig/guestbook';
import { Entry as EntryMessage, ListEntriesResponse } from './generated/fig/store/v1/store';
import {
  entryFromProto,
  entryToProto,
  pageFromProto,
  pageToProto,
  statsFromProto,
  statsToProto,
} from './entries';

/** Through the proto message and its wire encoding, as a client receives it. */
function throughTheWire(entry: Entry): Entry {
  return entryFromProto(EntryMessage.decode(EntryMessage.encode(entryToProto(entry)).finish()));
}

describe('entries on the wire', () => {
  it.each<Entry>([
    {
      id: '7',
      author: 'Ada 😀',
      text: 'Loved it',
      sentiment: { label: 'positive', score: 0.6369, model: 'v2' },
      createdAt: '2026-11-24T02:05:34.123Z',
    },
    { id: '8', author: 'Bob', text: 'meh', sentiment: null, createdAt: '2026-01-01T00:00:00.000Z' },
    {
      id: '9',
      author: 'C',
      text: 'awful',
      sentiment: { label: 'negative', score: -1, model: 'v1' },
      createdAt: '1999-12-31T23:59:59.999Z',
    },
  ])('come back as the same JSON, byte for byte: %j', (entry) => {
    expect(JSON.stringify(throughTheWire(entry))).toBe(JSON.stringify(entry));
  });

  it('turn an empty next_page_token into a null cursor and back', () => {
    const page = { entries: [], nextCursor: null };
    const wire = ListEntriesResponse.decode(ListEntriesResponse.encode(pageToProto(page)).finish());
    expect(wire.nextPageToken).toBe('');
    expect(pageFromProto(wire)).toEqual(page);
  });

  it('keep stats in the API shape', () => {
    const stats = { visits: 12, entries: 3, sentiment: { positive: 1, neutral: 0, negative: 2 } };
    expect(JSON.stringify(statsFromProto(statsToProto(stats)))).toBe(JSON.stringify(stats));
  });
});
