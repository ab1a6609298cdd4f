import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../../core/semaphore.js';

describe('Semaphore (in-flight caps)', () => {
  it('never lets more than capacity run, and serves waiters in order', async () => {
    const sem = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sem.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 2));
          order.push(i);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sem.available).toBe(2);
  });

  it('tryAcquire never jumps the queue', async () => {
    const sem = new Semaphore(1);
    expect(sem.tryAcquire()).toBe(true);
    const waiter = sem.acquire();
    expect(sem.waiting).toBe(1);
    sem.release();
    expect(sem.tryAcquire()).toBe(false);
    await waiter;
    sem.release();
    expect(sem.available).toBe(1);
  });

  it('first goes ahead of every waiter, never past the capacity', async () => {
    const sem = new Semaphore(1);
    expect(sem.tryAcquire()).toBe(true);
    const order: string[] = [];
    const queued = [sem.acquire().then(() => order.push('a')), sem.acquire().then(() => order.push('b'))];
    const urgent = sem.run(
      async () => {
        order.push('trap');
        expect(sem.available).toBe(0);
      },
      { first: true },
    );
    expect(sem.waiting).toBe(3);
    sem.release();
    await urgent;
    await queued[0];
    sem.release();
    await queued[1];
    sem.release();
    expect(order).toEqual(['trap', 'a', 'b']);
    expect(sem.available).toBe(1);
  });

  it('releases on failure, and refuses nonsense', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(sem.available).toBe(1);
    expect(() => sem.release()).toThrow(/more often/);
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
