import type { EventData } from '../../contract/events.js';
import type { ProvisionJob } from '../../contract/jobs.js';
import { backend } from '../backend.js';
import { provisionIntent } from '../intent.js';
import type { JobHandler } from './handler.js';
import { checkPortFree, type PortJob, planPortJob, preparePortJob, recordIntent } from './port-job.js';

/** `provision`: configure the port for the connection, read it back, and start watching it. */
export const provision: JobHandler<ProvisionJob, PortJob> = {
  name: 'provision',
  prepare: (cfg, data) => preparePortJob(cfg, data, provisionIntent),
  plan: (job, driver, options) => planPortJob('provision', job, driver, options),
  async run(job, ctx) {
    await checkPortFree(job, ctx);
    ctx.touchDevice();
    const result = await ctx.driver.apply(job.intent, { signal: ctx.signal, lease: ctx.lease });
    const ok: EventData<'provision.succeeded'> = {
      device: job.device.id,
      port: job.target.port.name,
      jobId: ctx.jobId,
      portType: job.intent.portType,
      description: job.intent.description,
      verified: true,
      confirmedCommit: result.confirmedCommit,
      durationMs: Date.now() - ctx.started,
      changed: result.changed,
    };
    const watched = {
      connectionId: job.connectionId,
      device: job.device.id,
      port: job.target.port.name,
      portType: job.target.port.portType,
    };
    await recordIntent(job, ctx, 'configured');
    await backend('tracking the connection', () => ctx.watch.watch(watched));
    await ctx.publish('provision.succeeded', ok);
    ctx.log.info({ changed: result.changed, ms: ok.durationMs }, 'provisioned');
    return { outcome: 'succeeded', value: ok };
  },
};
