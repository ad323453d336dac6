import { isDeepStrictEqual } from 'node:util';
import {
  evaluate,
  stepAt,
  type GateResult,
  type MigrationSpec,
  type Sample,
  type Step,
} from '@fig/migration';
import type { Logger } from '@fig/logging';
import type { Driver } from './drivers/driver';
import type { MigratorMetrics } from './metrics';
import { servesVersion } from './scrape';
import type { MigrationState, Progress } from './state';

/** A control-API request that cannot be done now, with a stable code. */
export class MigrationError extends Error {
  constructor(
    readonly code: 'MIGRATION_NOT_FOUND' | 'INVALID_STATE' | 'ROUTE_NOT_DRIVABLE',
    message: string,
  ) {
    super(message);
  }
}

export interface MigrationDeps {
  spec: MigrationSpec;
  driver: Driver;
  logger: Logger;
  metrics: MigratorMetrics;
  /** The gateways' samples, and how many replicas they came from. */
  scrape: () => Promise<{ samples: Sample[]; replicas: number }>;
  /** Persists this migration's progress (the store saves every route at once). */
  save: () => Promise<void>;
}

/** What the last evaluation decided, shown beside the gates. */
export interface Decision {
  at: string;
  decision: 'advance' | 'hold' | 'wait' | 'rollback' | 'fail';
  reason: string;
  evidence?: { requests: number; needed: number };
}

/**
 * One route's migration: each interval it judges the live step from the
 * gateway's metrics and advances, holds or rolls back. Every operation, a
 * tick or a control-API call, runs one at a time, so a pause can never land
 * between a decision and its write.
 */
export class Migration {
  gates: GateResult[] = [];
  lastDecision?: Decision;
  /** The scrape taken when the live step began serving: the start of its evidence window. */
  private window?: Sample[];
  private windowStartedAt = 0;
  private referenceP99Ms?: number;
  /** Evaluations of the live step since it began serving (a breach names which one caught it). */
  private evaluations = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: MigrationDeps,
    readonly progress: Progress,
  ) {
    deps.metrics.show(this.route, this.step, progress.state);
  }

  get route() {
    return this.deps.spec.route;
  }

  get step(): Step {
    return stepAt(this.deps.spec, this.progress.stepIndex);
  }

  get state(): MigrationState {
    return this.progress.state;
  }

  /** Runs `op` after everything queued before it. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  tick(): Promise<void> {
    return this.serial(() => (this.state === 'running' ? this.evaluate() : Promise.resolve()));
  }

  start(): Promise<void> {
    return this.serial(async () => {
      const { state } = this.progress;
      if (state === 'running')
        throw new MigrationError('INVALID_STATE', `${this.route} is already running`);
      if (state === 'paused' || state === 'failed') return this.resumeNow('started again');
      const live = await this.deps.driver.read(this.route);
      if (!live.definition)
        throw new MigrationError('ROUTE_NOT_DRIVABLE', `no route named ${this.route} to migrate`);
      const unfit = this.deps.driver.unfit(this.deps.spec, live.definition);
      if (unfit) throw new MigrationError('ROUTE_NOT_DRIVABLE', unfit);
      this.progress.baseline = live.definition;
      this.progress.lastGood = -1;
      this.progress.history = [];
      await this.moveTo(0, 'running', 'start', 'started');
    });
  }

  pause(reason = 'paused by an operator'): Promise<void> {
    return this.serial(async () => {
      if (this.state !== 'running')
        throw new MigrationError('INVALID_STATE', `${this.route} is ${this.state}, not running`);
      await this.setState('paused', 'pause', reason);
    });
  }

  resume(): Promise<void> {
    return this.serial(async () => {
      if (this.state !== 'paused' && this.state !== 'failed')
        throw new MigrationError(
          'INVALID_STATE',
          `${this.route} is ${this.state}: only a paused or failed migration resumes`,
        );
      await this.resumeNow('resumed by an operator');
    });
  }

  abort(): Promise<void> {
    return this.serial(async () => {
      if (this.state === 'pending' || this.state === 'aborted' || !this.progress.baseline)
        throw new MigrationError(
          'INVALID_STATE',
          `${this.route} is ${this.state}: nothing to abort`,
        );
      await this.moveTo(
        -1,
        'aborted',
        'abort',
        'aborted by an operator: the route is back as it was',
      );
    });
  }

  /** Writes the live step again (a person's edit is replaced) and drives from there. */
  private async resumeNow(reason: string) {
    await this.moveTo(this.progress.stepIndex, 'running', 'resume', reason);
  }

  private async evaluate() {
    const { spec, driver } = this.deps;
    const live = await driver.read(this.route);
    if (!isDeepStrictEqual(live.definition, this.progress.written)) {
      // Someone changed the route by hand: their decision wins until an operator says otherwise.
      return this.setState(
        'paused',
        'pause',
        `route ${this.route} was edited by hand; resume to drive it again`,
      );
    }
    const { samples, replicas } = await this.deps.scrape();
    if (!this.window) {
      if (live.version !== undefined && !servesVersion(samples, replicas, live.version))
        return this.decide('wait', 'waiting for every gateway to serve the step');
      this.startWindow(samples);
      return this.decide('wait', 'step is live; its evidence starts now');
    }
    const result = evaluate(spec, this.step, this.window, samples, this.referenceP99Ms);
    this.evaluations++;
    if (!result) {
      this.window = samples;
      return this.decide('wait', 'a gateway restarted (counters went back); evidence starts again');
    }
    if (result.currentP99Ms !== undefined) this.referenceP99Ms = result.currentP99Ms;
    this.gates = result.gates;
    this.deps.metrics.gates(this.route, result.gates);
    const evidence = { requests: result.evidence, needed: spec.minRequests };
    const breached = result.gates.filter((g) => !g.ok);
    if (breached.length && result.evidence >= spec.gates.minSamples) {
      const why = breached
        .map((g) => `${g.name} ${round(g.value)} > ${round(g.threshold)}`)
        .join(', ');
      return this.breach(
        `gate breached at ${this.step.name}: ${why} (${result.evidence} requests, evaluation ${this.evaluations})`,
        evidence,
      );
    }
    if (result.evidence < spec.minRequests)
      return this.decide(
        'hold',
        `too little traffic: ${result.evidence} of ${spec.minRequests} requests`,
        evidence,
      );
    const reason = `gates held over ${result.evidence} requests at ${this.step.name}`;
    if (this.progress.stepIndex === spec.steps.length - 1) {
      this.decide('advance', reason, evidence);
      return this.setState('succeeded', 'succeed', `${reason}: the route has moved`);
    }
    this.progress.lastGood = this.progress.stepIndex;
    this.decide('advance', reason, evidence);
    await this.moveTo(this.progress.stepIndex + 1, 'running', 'advance', reason);
  }

  /**
   * At a mirror step no client sees the candidate, so there is nothing to
   * roll back: the route stays mirrored (its differences keep being counted)
   * and the migration stops. At a weight step clients do see it: back to the
   * last good step, or all the way, as the spec says.
   */
  private async breach(reason: string, evidence: Decision['evidence']) {
    if (this.step.kind === 'mirror') {
      this.decide('fail', reason, evidence);
      return this.setState('failed', 'fail', reason);
    }
    const target = this.deps.spec.rollback === 'all' ? -1 : this.progress.lastGood;
    this.decide('rollback', reason, evidence);
    await this.moveTo(target, 'failed', 'rollback', reason);
  }

  private startWindow(samples: Sample[]) {
    this.window = samples;
    this.windowStartedAt = Date.now();
    this.evaluations = 0;
  }

  /**
   * How long until the next evaluation: whole intervals after the live step
   * began serving, so that each evaluation sees a full interval of evidence
   * and a bad step is judged exactly one interval after it went live.
   */
  delayToNextTick(now = Date.now()): number {
    const interval = this.deps.spec.interval;
    if (!this.window) return interval;
    return interval - ((now - this.windowStartedAt) % interval);
  }

  private decide(decision: Decision['decision'], reason: string, evidence?: Decision['evidence']) {
    this.lastDecision = {
      at: new Date().toISOString(),
      decision,
      reason,
      ...(evidence ? { evidence } : {}),
    };
    this.deps.metrics.decision(this.route, decision);
  }

  /** Writes the route for `index`, records the change, and waits for the gateways to serve it. */
  private async moveTo(index: number, state: MigrationState, kind: string, reason: string) {
    const { spec, driver } = this.deps;
    const from = this.step.name;
    const definition = driver.definitionFor(spec, this.progress.baseline!, stepAt(spec, index));
    const version = await driver.write(this.route, definition);
    this.progress.written = definition;
    this.progress.stepIndex = index;
    this.window = undefined;
    await this.setState(state, kind, reason, from);
    await this.awaitServed(version);
  }

  private async setState(
    state: MigrationState,
    kind: string,
    reason: string,
    from = this.step.name,
  ) {
    const to = this.step.name;
    this.progress.state = state;
    this.progress.reason = reason;
    this.progress.history.push({ at: new Date().toISOString(), from, to, state, reason });
    this.deps.metrics.transition(this.route, kind);
    this.deps.metrics.show(this.route, this.step, state);
    this.deps.logger.info(
      { event: 'migration_step', route: this.route, kind, from, to, state, reason },
      `migration of ${this.route}: ${kind}`,
    );
    await this.deps.save();
  }

  /**
   * The evidence of a step starts when every gateway serves it: polling
   * briefly after a write starts the window within a fraction of the
   * interval, so a bad step is judged one interval after it went live.
   */
  private async awaitServed(version: string | undefined) {
    const deadline = Date.now() + Math.max(this.deps.spec.interval, 5_000);
    while (Date.now() < deadline) {
      const { samples, replicas } = await this.deps
        .scrape()
        .catch(() => ({ samples: [], replicas: -1 }));
      if (version === undefined || servesVersion(samples, replicas, version)) {
        this.startWindow(samples);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const round = (n: number | null) => (n === null ? 'n/a' : Number(n.toPrecision(3)));
