import { JOB_SCHEMAS, type JobData, type JobName } from '../../contract/jobs.js';
import { InvalidJobError } from '../../core/errors.js';
import { toFieldIssues } from '../../core/zod-issues.js';
import { audit } from './audit.js';
import { deprovision } from './deprovision.js';
import type { JobHandler, Prepared } from './handler.js';
import { provision } from './provision.js';

/** Every job type the agent runs. A job name without a handler does not compile. */
export const JOB_HANDLERS = { provision, deprovision, audit } as const satisfies {
  [N in JobName]: JobHandler<JobData<N>, Prepared>;
};

export interface ParsedJob {
  name: JobName;
  handler: JobHandler<unknown>;
  data: unknown;
}

/** True for names of the table's own keys (`constructor` or `__proto__` would find Object.prototype's). */
export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_HANDLERS, name);
}

/**
 * Checks a job's name and data against the contract: `invalid-job` naming every offending field.
 * The agent, `plan` and `enqueue` all start here.
 */
export function parseJob(name: string, data: unknown): ParsedJob {
  if (!isJobName(name)) {
    throw new InvalidJobError([{ path: '(name)', message: `unknown job name ${JSON.stringify(name)}` }]);
  }
  const parsed = JOB_SCHEMAS[name].safeParse(data);
  if (!parsed.success) {
    // A payload that is not an object at all has no field to name; `(data)` says that, like `(name)`.
    throw new InvalidJobError(
      toFieldIssues(parsed.error).map((i) => (i.path === '' ? { ...i, path: '(data)' } : i)),
    );
  }
  // The table's entry for `name` takes exactly the data its schema parsed.
  return { name, handler: JOB_HANDLERS[name] as JobHandler<unknown>, data: parsed.data };
}
