import { parseYamlWithLines } from '@fig/config';
import type { z } from 'zod';

/** A YAML file that could not be used, with every problem and its line. */
export class YamlFileError extends Error {
  readonly code = 'INVALID_FILE';

  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'YamlFileError';
  }
}

/**
 * Parses YAML text and validates it with a zod schema, naming each problem's
 * line, as the gateway's route-file loader does (both through @fig/config).
 */
export function parseYamlFile<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
): z.output<S> {
  const yaml = parseYamlWithLines(text);
  if (yaml.syntaxProblems.length) throw new YamlFileError(file, yaml.syntaxProblems);
  const result = schema.safeParse(yaml.value);
  if (result.success) return result.data;
  throw new YamlFileError(file, result.error.issues.map(yaml.describeIssue));
}
