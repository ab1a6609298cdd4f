import type { EventData } from '../../contract/events.js';
import type { DeprovisionJob } from '../../contract/jobs.js';
import { backend } from '../backend.js';
import { clearIntent } from '../intent.js';
import type { JobHandler } from './handler.js';
import { checkPortFree, type PortJob, planPortJob, preparePortJob, recordIntent } from './port-job.js';

/**
 * `deprovision`: clear the port unless Private Virtual Interfaces remain (then `deprovision.blocked`,
 * an expected outcome, not an error), stop watching it, and report whether light is still seen.
 */
export const deprovision: JobHandler<DeprovisionJob, PortJob> = {
  name: 'deprovision',
  prepare: (cfg, data) => preparePortJob(cfg, data, clearIntent),
  plan: (job, driver, options) => planPortJob('deprovision', job, driver, options),
  async run(job, ctx) {
    await checkPortFree(job, ctx);
    const port = job.target.port.name;
    const subinterfaces = await ctx.driver.listSubinterfaces(port, { signal: ctx.signal });
    if (subinterfaces.length > 0) {
      const blocked: EventData<'deprovision.blocked'> = {
        device: job.device.id,
        port,
        jobId: ctx.jobId,
        reason: 'private-virtual-interfaces',
        subinterfaces,
      };
      await ctx.publish('deprovision.blocked', blocked);
      ctx.log.info({ subinterfaces }, 'deprovision blocked by private virtual interfaces');
      return { outcome: 'blocked', value: blocked };
    }
    ctx.touchDevice();
    await ctx.driver.clear(port, { signal: ctx.signal, lease: ctx.lease });
    await recordIntent(job, ctx, 'cleared');
    await backend('untracking the connection', () => ctx.watch.unwatch(job.connectionId));
    let lightPresent = false;
    try {
      lightPresent = await ctx.watch.lightPresent(job.device.id, port, ctx.signal);
    } catch (err) {
      // The port is cleared and verified; an unreadable optic only leaves this hint unknown.
      ctx.log.warn(
        { err: (err as Error).message },
        'could not read light after clearing; reporting lightPresent false',
      );
    }
    const done: EventData<'deprovision.succeeded'> = {
      device: job.device.id,
      port,
      jobId: ctx.jobId,
      verified: true,
      lightPresent,
    };
    await ctx.publish('deprovision.succeeded', done);
    ctx.log.info({ lightPresent }, 'deprovisioned');
    return { outcome: 'succeeded', value: done };
  },
};
