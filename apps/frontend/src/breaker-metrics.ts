import { Gauge, type Registry } from 'prom-client';
import type { BreakerState, CircuitBreaker } from '@fig/breaker';

/** The gateway's encoding (gateway_breaker_state), so one PromQL reads both. */
const stateValue: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * `frontend_model_breaker_state`: the circuit in front of the model, read at
 * each scrape rather than on state changes, because an open circuit turns
 * half-open when its time is up without any event.
 */
export function observeModelBreaker(registry: Registry, breaker: Pick<CircuitBreaker, 'state'>) {
  return new Gauge({
    name: 'frontend_model_breaker_state',
    help: 'Circuit breaker state in front of the model: 0 closed, 1 half-open, 2 open',
    registers: [registry],
    collect() {
      this.set(stateValue[breaker.state]);
    },
  });
}
