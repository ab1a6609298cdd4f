import { describe, expect, it } from 'vitest';
import { deviceSubject, EVENT_DATA_SCHEMAS, EVENT_TYPES, eventSchema } from '../../../contract/events.js';
import { connectionIdSchema } from '../../../contract/jobs.js';
import { envelopeFor, eventDataExamples } from './examples.js';

describe('status events (CONTRACT §4)', () => {
  it('has an example for every event type', () => {
    expect(Object.keys(eventDataExamples).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(EVENT_TYPES.map((t) => [t]))('%s validates in its CloudEvents envelope', (type) => {
    const ev = envelopeFor(type, eventDataExamples[type] ?? {});
    expect(eventSchema.parse(ev)).toEqual(ev);
  });

  it('optics.degrading carries slope and hours to alarm exactly for a trend', () => {
    const trend = eventDataExamples['optics.degrading']!;
    const schema = EVENT_DATA_SCHEMAS['optics.degrading'];
    expect(schema.safeParse(trend).success).toBe(true);
    const { slopeDbPerDay: _s, hoursToAlarm: _h, ...warning } = trend as Record<string, unknown>;
    expect(schema.safeParse({ ...warning, cause: 'warning-threshold' }).success).toBe(true);
    expect(schema.safeParse({ ...warning, cause: 'trend' }).success).toBe(false);
    expect(schema.safeParse({ ...trend, cause: 'warning-threshold' }).success).toBe(false);
    expect(schema.safeParse({ ...trend, lane: 0 }).success).toBe(false);
  });

  it('an invalid job event may carry null device and port and lists its fields', () => {
    const data = {
      device: null,
      port: null,
      code: 'invalid-job',
      message: 'invalid job data',
      retryable: false,
      attempt: 1,
      attemptsMax: 1,
      fields: [{ path: 'connectionId', message: 'bad' }],
    };
    expect(
      eventSchema.safeParse({ ...envelopeFor('provision.failed', data), subject: 'job-42x' }).success,
    ).toBe(true);
  });

  it('an audit that names no connection is about its device: subject device:<id>, which no connection id can be', () => {
    const ev = envelopeFor('audit.completed', eventDataExamples['audit.completed']!);
    expect(eventSchema.safeParse({ ...ev, subject: 'device:dc-sw-01' }).success).toBe(true);
    expect(eventSchema.safeParse({ ...ev, subject: 'device:' }).success).toBe(false);
    expect(eventSchema.safeParse({ ...ev, subject: 'device:a b' }).success).toBe(false);
    expect(connectionIdSchema.safeParse('device:dc-sw-01').success).toBe(false);
    expect(deviceSubject('dc-sw-01')).toBe('device:dc-sw-01');
    expect(deviceSubject('no such/device')).toBeUndefined();
  });

  const bad: [string, Record<string, unknown>][] = [
    [
      'wrong specversion',
      {
        ...envelopeFor('deprovision.succeeded', eventDataExamples['deprovision.succeeded']!),
        specversion: '0.3',
      },
    ],
    [
      'sequence 0',
      { ...envelopeFor('deprovision.succeeded', eventDataExamples['deprovision.succeeded']!), sequence: 0 },
    ],
    [
      'source not dcagent/',
      {
        ...envelopeFor('deprovision.succeeded', eventDataExamples['deprovision.succeeded']!),
        source: 'x/agent',
      },
    ],
    [
      'dryRun on a real event',
      { ...envelopeFor('deprovision.succeeded', eventDataExamples['deprovision.succeeded']!), dryRun: true },
    ],
    [
      'planned without dryRun',
      { ...envelopeFor('provision.planned', eventDataExamples['provision.planned']!), dryRun: false },
    ],
    ['unknown type', envelopeFor('provision.started', {})],
    [
      'verified false',
      envelopeFor('provision.succeeded', { ...eventDataExamples['provision.succeeded'], verified: false }),
    ],
    [
      'unknown failure code',
      envelopeFor('provision.failed', { ...eventDataExamples['provision.failed'], code: 'oops' }),
    ],
    [
      'unknown reason',
      envelopeFor('availability.changed', {
        ...eventDataExamples['availability.changed'],
        reason: 'sunspots',
      }),
    ],
    [
      'blocked without subinterfaces',
      envelopeFor('deprovision.blocked', { ...eventDataExamples['deprovision.blocked'], subinterfaces: [] }),
    ],
    [
      'time not ISO',
      { ...envelopeFor('monitoring.degraded', eventDataExamples['monitoring.degraded']!), time: 'yesterday' },
    ],
    [
      'extra data key',
      envelopeFor('monitoring.degraded', { ...eventDataExamples['monitoring.degraded'], extra: 1 }),
    ],
  ];
  it.each(bad)('rejects %s', (_name, ev) => {
    expect(eventSchema.safeParse(ev).success).toBe(false);
  });

  it('every data schema requires device and port', () => {
    for (const [type, schema] of Object.entries(EVENT_DATA_SCHEMAS)) {
      const { device: _d, ...rest } = eventDataExamples[type] ?? {};
      expect(schema.safeParse(rest).success, type).toBe(false);
    }
  });
});
