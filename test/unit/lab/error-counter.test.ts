import { describe, expect, it } from 'vitest';
import { ErrorCounter } from '../../../lab/model/error-counter.js';

describe('lab ErrorCounter', () => {
  it('counts at the rate set, from where it was', () => {
    let now = 1_000;
    const c = new ErrorCounter(() => now);
    expect(c.value()).toBe(0);
    c.set(50);
    now += 2_000;
    expect(c.value()).toBe(100);
    c.set(0);
    now += 60_000;
    expect(c.value()).toBe(100);
  });

  it('wraps at 2^32 like a Counter32', () => {
    let now = 0;
    const c = new ErrorCounter(() => now);
    c.set(10, 2 ** 32 - 5);
    now += 1_000;
    expect(c.value()).toBe(5);
  });

  it('starts again from zero on a reboot, still counting at its rate', () => {
    let now = 0;
    const c = new ErrorCounter(() => now);
    c.set(1, 5_000);
    c.reset();
    now += 3_000;
    expect(c.value()).toBe(3);
  });
});
