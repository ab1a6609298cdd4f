import { DcAgentError, errorMessage, isDcAgentError } from '../core/errors.js';

/**
 * Runs one Redis step of a job. The clients the job uses fail fast while Redis is away (no
 * offline queue), and their plain errors must not read as a device fault: CONTRACT §4 makes any
 * Redis error inside a job a retryable `backend-unavailable`.
 */
export async function backend<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (isDcAgentError(err)) throw err;
    throw new DcAgentError('backend-unavailable', `Redis: ${what} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
