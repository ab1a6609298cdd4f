// Issue 15 §5: with monitoring.qualification.errorFreePolls N, construction.completed also needs N
// polls in a row in which ifInErrors did not grow. A CRC burst on a lab port under construction
// holds completion back for as long as it lasts, and completion comes N error-free polls after
// it ends, with the errors in its evidence. Lab switch, one `dcagent run`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { labModel } from '../../lab/catalog.js';
import { type LabAgent, startLabAgent } from '../helpers/lab-agent.js';

const PORT = labModel('ietf-interfaces').platform.portName('10GBASE-LR', 1);
const ERROR_FREE_POLLS = 4;

describe('qualification: an error burst during construction holds construction.completed back', () => {
  const peers = inject('peers');
  let stack: LabAgent;

  beforeAll(async () => {
    stack = await startLabAgent({
      redisUrl: peers.redis.url,
      name: 'qual',
      tune: (doc) => {
        doc.agent = { ...doc.agent, logLevel: 'info' };
        doc.monitoring = { ...doc.monitoring, qualification: { errorFreePolls: ERROR_FREE_POLLS } };
      },
      lab: {
        devices: 1,
        ports: 2,
        optics: 'huawei',
        linkUpDelayMs: 200,
        monitoringIntervalSeconds: 1,
        controlPort: false,
      },
    });
  });

  afterAll(async () => {
    expect(await stack?.stop()).toBe(0);
  });

  it('no completion while CRC errors arrive; completion N error-free polls after they stop, errors in the evidence', {
    timeout: 90_000,
  }, async () => {
    const { agent, events } = stack;
    const device = stack.lab.devices[0]!;
    const sim = device.sim;
    const conn = 'hc-qual-1';
    const polls = async () =>
      (await agent.metric('dcagent_poll_duration_seconds_count', 'device')).get(device.id) ?? 0;
    const waitPolls = async (n: number) => {
      const target = (await polls()) + n;
      const deadline = Date.now() + 30_000;
      while ((await polls()) < target) {
        if (Date.now() > deadline) throw new Error(`fewer than ${n} polls in 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // The light is good from the start: only the errors can hold completion back.
    sim.errors(PORT, 200);
    sim.patch(PORT);
    await stack.provision(conn, PORT, 'qualify me');
    await events.waitFor(conn, (e) => e.type === 'provision.succeeded', 30_000);
    // Well past upPolls + errorFreePolls polls of good light: without the errors it would be complete.
    await waitPolls(2 * (2 + ERROR_FREE_POLLS));
    expect((await events.all(conn)).map((e) => e.type)).toEqual(['provision.succeeded']);

    sim.errors(PORT, 0);
    const stoppedAt = await polls();
    const done = await events.waitFor(conn, (e) => e.type === 'construction.completed', 30_000);
    const after = (await polls()) - stoppedAt;
    // The poll that sees the last errors is not error-free, so it takes at least N more.
    expect(after).toBeGreaterThanOrEqual(ERROR_FREE_POLLS);
    const evidence = (done.data as { evidence: { errors?: Record<string, unknown> } }).evidence;
    expect(evidence.errors).toMatchObject({ counter: 'ifInErrors', errorFreePolls: ERROR_FREE_POLLS });
    expect(evidence.errors!.errors as number).toBeGreaterThan(0);
    expect(evidence.errors!.erroredPolls as number).toBeGreaterThan(0);
  });
});
