import { compare, type Operation } from 'fast-json-patch';
import type { LiveView } from './view';

/**
 * The JSON Patch (RFC 6902) that turns `before` into `after`, or null when
 * nothing changed (then no event is sent at all, so an idle page costs one
 * heartbeat every 15 s). A well-kept library rather than a hand-rolled diff:
 * the browser applies the same library's patches, so both ends agree on
 * every edge (array shifts, removed keys, nulls).
 */
export function viewPatch(before: LiveView, after: LiveView): Operation[] | null {
  const ops = compare(before, after);
  return ops.length ? ops : null;
}
