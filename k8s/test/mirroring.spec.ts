import { named } from './support/objects';
import { catalogue, rendered } from './support/render';

// A mirrored request really runs on the mirror against the same Redis: the
// mirroring variant must copy only calls that write nothing. This replays
// requests through the rendered VirtualService the way Istio picks a route
// (first http entry with a matching match block; no match block = all).

type StringMatch = { exact?: string; prefix?: string; regex?: string };
type HttpRoute = {
  name?: string;
  match?: { method?: StringMatch; uri?: StringMatch }[];
  mirror?: { host: string; subset?: string };
  mirrorPercentage?: { value: number };
};

/** Istio's StringMatch: regex is RE2 and must match the whole value. */
function matches(m: StringMatch | undefined, value: string): boolean {
  if (!m) return true;
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  if (m.regex !== undefined) return new RegExp(`^(?:${m.regex})$`).test(value);
  return true;
}

function routeFor(http: HttpRoute[], method: string, path: string): HttpRoute | undefined {
  return http.find(
    (r) => !r.match || r.match.some((m) => matches(m.method, method) && matches(m.uri, path)),
  );
}

const mirrored = (http: HttpRoute[], method: string, path: string) => {
  const route = routeFor(http, method, path);
  return Boolean(route?.mirror) && (route?.mirrorPercentage?.value ?? 100) > 0;
};

const exercise = 'istio/variants/mirroring';
// The stage the catalogue layers this exercise on (the one whose monolith it mirrors).
const stage = catalogue.stages.find((s) => s.exercises.includes(exercise));

describe(exercise, () => {
  const http = () =>
    named(rendered(`${stage?.id} + ${exercise}`), 'VirtualService', 'monolith')?.spec
      .http as HttpRoute[];

  it('is an exercise of a stage in the catalogue', () => {
    expect(stage?.apps).toContain('monolith');
  });

  it.each([
    ['POST', '/api/entries'],
    ['POST', '/entries'],
    ['GET', '/'], // renders the page and counts a visit (INCR)
    ['HEAD', '/'],
    ['PUT', '/api/entries'],
    ['DELETE', '/api/entries'],
    ['PATCH', '/api/stats'],
    ['GET', '/api/events'], // a long-lived stream: nothing to compare
    ['GET', '/unknown'],
  ])('does not mirror %s %s', (method, path) => {
    expect(routeFor(http(), method, path)).toBeDefined();
    expect(mirrored(http(), method, path)).toBe(false);
  });

  it.each([
    ['GET', '/api/entries'],
    ['HEAD', '/api/entries'],
    ['GET', '/api/stats'],
    ['GET', '/api/info'],
    ['POST', '/api/sentiment'], // scores text and stores nothing: the v2 model's call
  ])('mirrors %s %s to v2 while v1 answers', (method, path) => {
    const route = routeFor(http(), method, path);
    expect(mirrored(http(), method, path)).toBe(true);
    expect(route?.mirror).toMatchObject({ host: 'monolith', subset: 'v2' });
  });

  it('sends every request somewhere: the last route matches everything', () => {
    expect(http().at(-1)?.match).toBeUndefined();
    expect(http().at(-1)?.mirror).toBeUndefined();
  });
});
