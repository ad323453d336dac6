// Projects that import @fig/sentiment compile this file through the path alias
// but do not include the lib's own .d.ts files, so the declaration is pulled in
// from here rather than relying on this lib's tsconfig.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./vader-sentiment.d.ts" />
import { SentimentIntensityAnalyzer } from 'vader-sentiment';
import { toSentiment } from './sentiment';
import type { SentimentModel } from './types';

// v2: VADER, which adds negation, intensifiers ("very"), contrast ("but"),
// capitals and exclamation marks on top of its own lexicon.

// The JS port matches negations case-sensitively, so "Not good" at the start of
// a sentence scores as positive as "good" (fixed in Python VADER, see
// cjhutto/vaderSentiment#46). The only case VADER reads is ALL CAPS emphasis,
// so lowercasing every other word restores the reference behaviour. An
// all-caps negation ("NOT good") is still missed.
function lowercaseUnlessShouted(text: string): string {
  return text.replace(/[\p{L}']+/gu, (word) =>
    word === word.toUpperCase() ? word : word.toLowerCase(),
  );
}

export const vaderModel: SentimentModel = {
  version: 'v2',
  score(text) {
    const { compound } = SentimentIntensityAnalyzer.polarity_scores(lowercaseUnlessShouted(text));
    return toSentiment(compound, 'v2');
  },
};
