import { z } from 'zod';
import { parseYamlWithLines } from './yaml';

const schema = z.strictObject({
  name: z.string(),
  limits: z.strictObject({ rps: z.number(), burst: z.number() }),
});

function problemsOf(text: string): string[] {
  const yaml = parseYamlWithLines(text);
  if (yaml.syntaxProblems.length) return yaml.syntaxProblems;
  const result = schema.safeParse(yaml.value);
  return result.success ? [] : result.error.issues.map(yaml.describeIssue);
}

describe('parseYamlWithLines', () => {
  it('gives the value of valid text and no problems', () => {
    const yaml = parseYamlWithLines('name: a\nlimits: { rps: 1, burst: 2 }\n');
    expect(yaml.syntaxProblems).toEqual([]);
    expect(yaml.value).toEqual({ name: 'a', limits: { rps: 1, burst: 2 } });
  });

  it('reports syntax errors once per line, duplicate keys included, and no value', () => {
    const yaml = parseYamlWithLines('name: a\nname: b\nlimits: [1, 2\n');
    expect(yaml.value).toBeUndefined();
    expect(yaml.syntaxProblems).toEqual([
      expect.stringMatching(/^line 2: Map keys must be unique/),
      expect.stringMatching(/^line 4: Flow sequence .* end with a \]/),
    ]);
  });

  it('names the line of a wrong value, and of an unknown key itself', () => {
    expect(problemsOf('name: a\nlimits:\n  rps: fast\n  burst: 2\n  brust: 3\n')).toEqual([
      'line 3: limits.rps: Invalid input: expected number, received string',
      'line 5: limits: Unrecognized key: "brust"',
    ]);
  });

  it('reports a missing key where its parent’s contents start, and a missing file-level key at line 1', () => {
    expect(problemsOf('name: a\nlimits:\n  rps: 1\n')).toEqual([
      'line 3: limits.burst: Invalid input: expected number, received undefined',
    ]);
    expect(problemsOf('limits: { rps: 1, burst: 2 }\n')).toEqual([
      'line 1: name: Invalid input: expected string, received undefined',
    ]);
  });

  it('points a path at the deepest node that exists', () => {
    const yaml = parseYamlWithLines('a:\n  b:\n    c: 1\n');
    expect(yaml.lineOf(['a', 'b', 'c'])).toBe(3);
    expect(yaml.lineOf(['a', 'b', 'missing', 'deeper'])).toBe(3);
    expect(yaml.lineOf([])).toBe(1);
  });
});
