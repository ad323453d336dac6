export {
  CircuitBreaker,
  CircuitOpenError,
  type BreakerOptions,
  type BreakerState,
  type ConsecutiveRule,
  type RatioRule,
  type RunOptions,
} from './breaker';
