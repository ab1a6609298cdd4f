/**
 * The error a promise rejects with, for assertions on it; a promise that resolves fails the test.
 * With `is`, an error of another kind is rethrown, so the test fails on it rather than comparing.
 */
export async function rejection(p: Promise<unknown>): Promise<unknown>;
export async function rejection<T>(p: Promise<unknown>, is: (err: unknown) => err is T): Promise<T>;
export async function rejection(p: Promise<unknown>, is?: (err: unknown) => boolean): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    if (is && !is(err)) throw err;
    return err;
  }
  throw new Error('expected a rejection');
}

/** The error a call throws; a call that returns fails the test. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
