import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../../contract/events.js';
import {
  allowedTargets,
  assertTransition,
  CONNECTION_STATES,
  CONTROL_PLANE_ACTIONS,
  nextState,
  TRANSITIONS,
  type TransitionDriver,
} from '../../../contract/lifecycle.js';
import { hasCode } from '../../../core/errors.js';

// The table of CONTRACT §1, written out independently of the code so a change to either shows.
const EXPECTED: [string, string][] = [
  ['to-be-audited', 'to-be-paid'],
  ['to-be-audited', 'unapproved'],
  ['to-be-paid', 'under-construction'],
  ['under-construction', 'to-be-confirmed'],
  ['to-be-confirmed', 'available'],
  ['available', 'unavailable'],
  ['unavailable', 'available'],
  ['to-be-audited', 'deleting'],
  ['to-be-paid', 'deleting'],
  ['under-construction', 'deleting'],
  ['to-be-confirmed', 'deleting'],
  ['available', 'deleting'],
  ['unavailable', 'deleting'],
  ['unapproved', 'deleting'],
  ['deleting', 'removed'],
];

const ALL_DRIVERS: TransitionDriver[] = [
  ...CONTROL_PLANE_ACTIONS.map((action) => ({ by: 'control-plane' as const, action })),
  ...EVENT_TYPES.map((event) => ({ by: 'agent' as const, event })),
  { by: 'agent', event: 'availability.changed', to: 'available' },
  { by: 'agent', event: 'availability.changed', to: 'unavailable' },
];

describe('Hosted Connection lifecycle (CONTRACT §1)', () => {
  it('the table holds exactly the allowed transitions', () => {
    expect(TRANSITIONS.map((t) => [t.from, t.to]).sort()).toEqual([...EXPECTED].sort());
  });

  it.each(EXPECTED)('%s → %s is allowed, by its driver', (from, to) => {
    const t = assertTransition(from as never, to as never);
    expect(nextState(t.from, t.driver)).toBe(to);
  });

  it('the agent drives exactly the physical transitions', () => {
    const byAgent = TRANSITIONS.filter((t) => t.driver.by === 'agent').map(
      (t) => `${t.from}>${t.to}:${JSON.stringify(t.driver)}`,
    );
    expect(byAgent.sort()).toEqual(
      [
        'under-construction>to-be-confirmed:{"by":"agent","event":"construction.completed"}',
        'available>unavailable:{"by":"agent","event":"availability.changed","to":"unavailable"}',
        'unavailable>available:{"by":"agent","event":"availability.changed","to":"available"}',
        'deleting>removed:{"by":"agent","event":"deprovision.succeeded"}',
      ].sort(),
    );
  });

  // Every (state, target) pair not in the table is rejected, for every state.
  const forbidden = CONNECTION_STATES.flatMap((from) =>
    CONNECTION_STATES.filter((to) => !EXPECTED.some(([f, t]) => f === from && t === to)).map((to) => [
      from,
      to,
    ]),
  );
  it.each(forbidden)('%s → %s is rejected', (from, to) => {
    let thrown: unknown;
    try {
      assertTransition(from as never, to as never);
    } catch (err) {
      thrown = err;
    }
    expect(hasCode(thrown, 'lifecycle')).toBe(true);
  });

  it('every driver not in the table is rejected from every state', () => {
    let rejected = 0;
    for (const from of CONNECTION_STATES) {
      for (const driver of ALL_DRIVERS) {
        const listed = TRANSITIONS.some(
          (t) => t.from === from && JSON.stringify(t.driver) === JSON.stringify(driver),
        );
        if (listed) expect(() => nextState(from, driver)).not.toThrow();
        else {
          expect(() => nextState(from, driver)).toThrow(/no transition/);
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });

  it('deprovision.blocked moves nothing: the connection stays deleting', () => {
    expect(() => nextState('deleting', { by: 'agent', event: 'deprovision.blocked' })).toThrow();
    expect(allowedTargets('deleting')).toEqual(['removed']);
    expect(allowedTargets('removed')).toEqual([]);
  });
});
