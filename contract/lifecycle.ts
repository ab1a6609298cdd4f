import type { EventType } from './events.js';

/**
 * CONTRACT §1 as data: the Hosted Connection's states, the transitions allowed between them and
 * what drives each. The control plane owns the states; the agent's events drive the physical
 * ones. A transition that is not in the table is rejected, never guessed.
 */

export const CONNECTION_STATES = [
  'to-be-audited',
  'to-be-paid',
  'under-construction',
  'to-be-confirmed',
  'available',
  'unavailable',
  'deleting',
  'unapproved',
  'removed',
] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/**
 * The states the agent itself can see of a connection it tracks (the metric's `state` label, the
 * `connections` command's column): the physical slice of the table above, plus `unknown` before a
 * first verdict. After construction the agent says `available`; `to-be-confirmed` is the control
 * plane's word for that until the customer confirms.
 */
export const OBSERVED_CONNECTION_STATES = [
  'under-construction',
  'available',
  'unavailable',
  'unknown',
] as const;
export type ObservedConnectionState = (typeof OBSERVED_CONNECTION_STATES)[number];

/** Decisions the control plane takes on its own (audit, payment, customer confirmation, deletion). */
export const CONTROL_PLANE_ACTIONS = [
  'audit-approved',
  'audit-rejected',
  'paid',
  'customer-confirmed',
  'delete-requested',
] as const;
export type ControlPlaneAction = (typeof CONTROL_PLANE_ACTIONS)[number];

export type TransitionDriver =
  | { by: 'control-plane'; action: ControlPlaneAction }
  | { by: 'agent'; event: EventType; to?: 'available' | 'unavailable' };

export interface Transition {
  from: ConnectionState;
  to: ConnectionState;
  driver: TransitionDriver;
}

const cp = (action: ControlPlaneAction): TransitionDriver => ({ by: 'control-plane', action });
const ag = (event: EventType, to?: 'available' | 'unavailable'): TransitionDriver =>
  to ? { by: 'agent', event, to } : { by: 'agent', event };

// States from which a customer or operator may still delete the connection: all but the way out.
const DELETABLE: readonly ConnectionState[] = CONNECTION_STATES.filter(
  (s) => s !== 'deleting' && s !== 'removed',
);

export const TRANSITIONS: readonly Transition[] = Object.freeze([
  { from: 'to-be-audited', to: 'to-be-paid', driver: cp('audit-approved') },
  { from: 'to-be-audited', to: 'unapproved', driver: cp('audit-rejected') },
  { from: 'to-be-paid', to: 'under-construction', driver: cp('paid') },
  // The agent's provision job runs in under-construction; the state moves only once light is seen.
  { from: 'under-construction', to: 'to-be-confirmed', driver: ag('construction.completed') },
  { from: 'to-be-confirmed', to: 'available', driver: cp('customer-confirmed') },
  { from: 'available', to: 'unavailable', driver: ag('availability.changed', 'unavailable') },
  { from: 'unavailable', to: 'available', driver: ag('availability.changed', 'available') },
  ...DELETABLE.map((from) => ({ from, to: 'deleting' as const, driver: cp('delete-requested') })),
  { from: 'deleting', to: 'removed', driver: ag('deprovision.succeeded') },
]);

function sameDriver(a: TransitionDriver, b: TransitionDriver): boolean {
  if (a.by === 'control-plane' && b.by === 'control-plane') return a.action === b.action;
  if (a.by === 'agent' && b.by === 'agent') return a.event === b.event && a.to === b.to;
  return false;
}

function describeDriver(d: TransitionDriver): string {
  return d.by === 'control-plane'
    ? `control-plane ${d.action}`
    : `event ${d.event}${d.to ? ` (to ${d.to})` : ''}`;
}

/**
 * A move the table does not have. contract/ imports nothing, so this is not a core/errors class;
 * it carries the `lifecycle` code and `retryable` flag that isDcAgentError matches on.
 */
export class TransitionError extends Error {
  override readonly name = 'TransitionError';
  readonly code = 'lifecycle' as const;
  readonly retryable = false;
}

/** The state `driver` moves `from` into; throws TransitionError when the table has no such transition. */
export function nextState(from: ConnectionState, driver: TransitionDriver): ConnectionState {
  const t = TRANSITIONS.find((x) => x.from === from && sameDriver(x.driver, driver));
  if (!t) throw new TransitionError(`no transition from ${from} on ${describeDriver(driver)}`);
  return t.to;
}

/** Checks a proposed from → to move against the table. */
export function assertTransition(from: ConnectionState, to: ConnectionState): Transition {
  const t = TRANSITIONS.find((x) => x.from === from && x.to === to);
  if (!t) throw new TransitionError(`transition ${from} → ${to} is not allowed`);
  return t;
}

export function allowedTargets(from: ConnectionState): ConnectionState[] {
  return [...new Set(TRANSITIONS.filter((t) => t.from === from).map((t) => t.to))];
}
