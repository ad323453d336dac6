// The workshop's exercises, in order: each names its doc (docs/workshop/NN-slug.md),
// the stage its local track starts from, the tracks its check covers, and the check.
import type { Probe, Track } from './probe';
import { monolith, probes, scaling } from './checks/basics';
import { blueGreen, rollingUpdate } from './checks/releases';
import { facade, frontend, parallelRun, transcoding } from './checks/migration';
import { canaryAb, modelShadow, resilience } from './checks/rollout';
import { hybrid, retired } from './checks/federation';
import { mesh, tracing } from './checks/platform';
import { selfDriving } from './checks/migrator';

export interface Exercise {
  n: number;
  slug: string;
  title: string;
  /** The stage the local track runs, by its catalogue alias (stages.yaml; its entry decides the default URLs). */
  stage: string;
  tracks: Track[];
  /** A learner's time, estimated. */
  minutes: number;
  check: (p: Probe) => Promise<void>;
}

const both: Track[] = ['local', 'cluster'];

export const exercises: Exercise[] = [
  {
    n: 1,
    slug: 'monolith',
    title: 'The monolith: page, version colour, pod footer, API, Redis',
    stage: '0',
    tracks: both,
    minutes: 15,
    check: monolith,
  },
  {
    n: 2,
    slug: 'probes',
    title: 'Probes: liveness, readiness, startup; take Redis away',
    stage: '0',
    tracks: both,
    minutes: 20,
    check: probes,
  },
  {
    n: 3,
    slug: 'scaling',
    title: 'Scaling out and spreading replicas (and the HPA)',
    stage: '3',
    tracks: both,
    minutes: 15,
    check: scaling,
  },
  {
    n: 4,
    slug: 'rolling-updates',
    title: 'Rolling updates: recreate vs ramped, v1 → v2 under load, drain delay',
    stage: '3',
    tracks: both,
    minutes: 30,
    check: rollingUpdate,
  },
  {
    n: 5,
    slug: 'blue-green',
    title: 'Blue/green with one switch, and rolling back',
    stage: '1',
    tracks: both,
    minutes: 20,
    check: blueGreen,
  },
  {
    n: 6,
    slug: 'facade',
    title: 'The facade (stage 1) in front, without clients noticing',
    stage: '1',
    tracks: both,
    minutes: 15,
    check: facade,
  },
  {
    n: 7,
    slug: 'parallel-run',
    title: 'The parallel run: reads mirrored to store-svc, a mismatch found',
    stage: '2a',
    tracks: both,
    minutes: 25,
    check: parallelRun,
  },
  {
    n: 8,
    slug: 'transcoding',
    title: 'Moving reads then writes by transcoding; a route rolled back in seconds',
    stage: '2',
    tracks: both,
    minutes: 25,
    check: transcoding,
  },
  {
    n: 9,
    slug: 'frontend',
    title: 'Extracting the frontend; live updates',
    stage: '3',
    tracks: both,
    minutes: 15,
    check: frontend,
  },
  {
    n: 10,
    slug: 'canary-ab',
    title: 'Canary (weights, sticky) and A/B (header, cookie) in the gateway',
    stage: '4',
    tracks: both,
    minutes: 25,
    check: canaryAb,
  },
  {
    n: 11,
    slug: 'model-upgrade',
    title: 'The model upgrade: shadow comparison, then promote or roll back',
    stage: '4',
    tracks: both,
    minutes: 25,
    check: modelShadow,
  },
  {
    n: 12,
    slug: 'resilience',
    title: 'Resilience: timeouts, retries, breakers, outlier ejection',
    stage: '3',
    // A killed pod on a cluster is absorbed (endpoints, drain, retries) before
    // the gateway counts a failure; the node showed it (ADR 0516).
    tracks: ['local'],
    minutes: 30,
    check: resilience,
  },
  {
    n: 13,
    slug: 'mesh',
    title: 'Into the mesh: sidecars, STRICT mTLS, deny-then-allow, Istio routing',
    stage: '3',
    tracks: ['cluster'],
    minutes: 45,
    check: mesh,
  },
  {
    n: 14,
    slug: 'tracing',
    title: 'One request in Jaeger, and its logs by trace id',
    stage: '3',
    tracks: both,
    minutes: 20,
    check: tracing,
  },
  {
    n: 15,
    slug: 'hybrid',
    title: 'A hybrid app: the monolith outside the cluster',
    stage: '3',
    tracks: both,
    minutes: 30,
    check: hybrid,
  },
  {
    n: 16,
    slug: 'retire-monolith',
    title: 'Retiring the monolith (stage 4)',
    stage: '4',
    tracks: both,
    minutes: 15,
    check: retired,
  },
  {
    n: 17,
    slug: 'self-driving-strangler',
    title: 'The self-driving strangler: a route moved, or rolled back, by its metrics',
    stage: '1',
    tracks: both,
    minutes: 30,
    check: selfDriving,
  },
];

/** docs/workshop/NN-slug.md */
export const docFile = (e: Exercise) => `${String(e.n).padStart(2, '0')}-${e.slug}.md`;
