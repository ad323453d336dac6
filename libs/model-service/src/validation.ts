import { AppError, type FieldViolation } from '@fig/errors';
import { validateSentimentRequest } from '@fig/guestbook';

/** The most texts one ScoreBatch may carry (model.proto). */
export const batchMax = 64;

/** A text under the API's rules (@fig/guestbook), trimmed, or VALIDATION_FAILED. */
export function validText(text: string): string {
  return validateSentimentRequest({ text });
}

function violationsOf(text: string, field: string): FieldViolation[] {
  try {
    validText(text);
    return [];
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    // The API names the field "text"; in a batch it is "texts[i]".
    return (err.details?.fields ?? []).map((v) => ({
      field,
      code: v.code,
      message: v.message.replace(/^text\b/, field),
    }));
  }
}

/** Every text of a batch, trimmed; every bad one is reported at once, by index. */
export function validTexts(texts: readonly string[]): string[] {
  const violations: FieldViolation[] = [];
  if (texts.length === 0) {
    violations.push({
      field: 'texts',
      code: 'REQUIRED',
      message: `texts must hold 1-${batchMax} texts`,
    });
  } else if (texts.length > batchMax) {
    violations.push({
      field: 'texts',
      code: 'TOO_MANY',
      message: `texts must hold at most ${batchMax} texts`,
    });
  } else {
    texts.forEach((text, i) => violations.push(...violationsOf(text, `texts[${i}]`)));
  }
  if (violations.length) {
    throw new AppError('VALIDATION_FAILED', violations.map((v) => v.message).join('; '), {
      fields: violations,
    });
  }
  return texts.map(validText);
}
