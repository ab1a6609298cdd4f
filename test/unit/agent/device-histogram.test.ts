import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DeviceHistogram } from '../../../agent/device-histogram.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The same observations through prom-client's own Histogram and through ours, as exposition text. */
async function both(observations: readonly (readonly [string, number])[]): Promise<[string, string]> {
  const theirs = new Registry();
  const h = new Histogram({
    name: 'x_seconds',
    help: 'help text',
    labelNames: ['device'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const ours = new Registry();
  const d = new DeviceHistogram({ name: 'x_seconds', help: 'help text', buckets: BUCKETS, registry: ours });
  for (const [device, v] of observations) {
    h.observe({ device }, v);
    d.observe(device, v);
  }
  return [await theirs.metrics(), await ours.metrics()];
}

describe('DeviceHistogram', () => {
  it('prints what prom-client’s Histogram prints for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('sw-1', 'sw-2', 'dev"quoted\\', 'new\nline'),
            // Bucket bounds themselves included: a value equal to a bound counts in that bucket.
            fc.oneof(fc.constantFrom(...BUCKETS, 0, 20), fc.double({ min: 0, max: 30, noNaN: true })),
          ),
          { maxLength: 40 },
        ),
        async (obs) => {
          const [theirs, ours] = await both(obs);
          expect(ours).toBe(theirs);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts per device, and a reset forgets every series', async () => {
    const registry = new Registry();
    const d = new DeviceHistogram({ name: 'y_seconds', help: 'h', buckets: [1], registry });
    d.observe('a', 0.5);
    d.observe('a', 2);
    d.observe('b', 1);
    expect([d.count('a'), d.count('b'), d.count('c')]).toEqual([2, 1, 0]);
    expect(await registry.metrics()).toContain('y_seconds_bucket{le="1",device="a"} 1');
    registry.resetMetrics();
    expect(d.count('a')).toBe(0);
    expect(await registry.metrics()).not.toContain('device="a"');
  });
});
