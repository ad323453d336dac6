import { applyPatch } from 'fast-json-patch';
import { viewPatch } from './diff';
import type { LiveView } from './view';

const base: LiveView = {
  stage: 'stage-1-facade',
  windowSeconds: 10,
  gateway: {
    url: 'http://gw:9080',
    tableVersion: 'abc',
    routes: [{ name: 'home', match: '/*', action: 'web', upstreams: ['web'], mirror: null }],
    upstreams: [
      {
        name: 'web',
        version: 'v1',
        breaker: 'closed',
        endpoints: [{ url: 'http://a', healthy: true, ejected: false, pending: 0 }],
      },
    ],
    rates: [{ upstream: 'web', version: 'v1', perSecond: 3, errorsPerSecond: 0 }],
    shadow: [],
  },
  migrations: null,
  cluster: null,
  problems: [],
};

const clone = (v: LiveView): LiveView => structuredClone(v);

describe('viewPatch', () => {
  it('sends nothing when nothing changed, so an idle page costs no events', () => {
    expect(viewPatch(base, clone(base))).toBeNull();
  });

  it('sends only what changed: a new rate value is one replace', () => {
    const next = clone(base);
    next.gateway!.rates[0]!.perSecond = 4;
    expect(viewPatch(base, next)).toEqual([
      { op: 'replace', path: '/gateway/rates/0/perSecond', value: 4 },
    ]);
  });

  it('produces patches that rebuild the new document from the old one, whatever changed', () => {
    const next = clone(base);
    next.gateway!.upstreams.push({
      name: 'web-v2',
      version: 'v2',
      breaker: 'open',
      endpoints: [{ url: 'http://b', healthy: false, ejected: true, pending: 2 }],
    });
    next.gateway!.upstreams[0]!.endpoints = [];
    next.gateway!.rates.unshift({
      upstream: 'api',
      version: 'v3',
      perSecond: 1,
      errorsPerSecond: 1,
    });
    next.problems = [{ source: 'migrator', message: 'http://m/migrations: unreachable' }];
    next.cluster = { namespace: 'fig', deployments: [], replicaSets: [], pods: [] };
    const patch = viewPatch(base, next);
    expect(patch).not.toBeNull();
    expect(applyPatch(clone(base), patch!, true, false).newDocument).toEqual(next);
  });

  it('handles a source disappearing (the gateway section becoming null)', () => {
    const next = { ...clone(base), gateway: null };
    expect(applyPatch(clone(base), viewPatch(base, next)!, true, false).newDocument).toEqual(next);
  });
});
