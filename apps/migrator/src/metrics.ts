import { Counter, Gauge, type Registry } from 'prom-client';
import type { GateResult, Step } from '@fig/migration';
import type { MigrationState } from './state';

const states: MigrationState[] = ['pending', 'running', 'paused', 'failed', 'succeeded', 'aborted'];

/** The migrator's own series: labels are route names from the spec and small fixed sets. */
export function createMigratorMetrics(registry: Registry) {
  const registers = [registry];
  const step = new Gauge({
    name: 'migrator_step',
    help: 'Index of the step a migration is at (-1: the route as it was)',
    labelNames: ['route'],
    registers,
  });
  const percent = new Gauge({
    name: 'migrator_candidate_percent',
    help: 'Share of the route the candidate gets at the current step, by kind (mirror or weight)',
    labelNames: ['route', 'kind'],
    registers,
  });
  const state = new Gauge({
    name: 'migrator_state',
    help: 'Constant 1 for the state each migration is in',
    labelNames: ['route', 'state'],
    registers,
  });
  const gateValue = new Gauge({
    name: 'migrator_gate_value',
    help: 'Last value of each gate (mismatchRate, errorRate: ratios; p99Ms: milliseconds)',
    labelNames: ['route', 'gate'],
    registers,
  });
  const gateOk = new Gauge({
    name: 'migrator_gate_ok',
    help: '1 if the gate held at the last evaluation, 0 if breached',
    labelNames: ['route', 'gate'],
    registers,
  });
  const decisions = new Counter({
    name: 'migrator_decisions_total',
    help: 'Evaluations by outcome: advance, hold, wait (step not live yet), rollback, fail',
    labelNames: ['route', 'decision'],
    registers,
  });
  const transitions = new Counter({
    name: 'migrator_transitions_total',
    help: 'Step or state changes, by kind: start, advance, rollback, fail, pause, resume, abort, succeed',
    labelNames: ['route', 'kind'],
    registers,
  });
  return {
    show(route: string, current: Step, now: MigrationState) {
      step.set({ route }, current.index);
      percent.set({ route, kind: 'mirror' }, current.kind === 'mirror' ? current.percent : 0);
      percent.set({ route, kind: 'weight' }, current.kind === 'weight' ? current.percent : 0);
      for (const s of states) state.set({ route, state: s }, s === now ? 1 : 0);
    },
    gates(route: string, gates: readonly GateResult[]) {
      for (const g of gates) {
        if (g.value !== null) gateValue.set({ route, gate: g.name }, g.value);
        gateOk.set({ route, gate: g.name }, g.ok ? 1 : 0);
      }
    },
    decision: (route: string, decision: string) => decisions.labels(route, decision).inc(),
    transition: (route: string, kind: string) => transitions.labels(route, kind).inc(),
  };
}

export type MigratorMetrics = ReturnType<typeof createMigratorMetrics>;
