// One NETCONF dial shared by several callers (issue 11 item 9). The pool owns the dial's deadline;
// each caller only races its own signal. Here the device is slow to greet (its netconfd stopped
// with SIGSTOP, so sshd accepts but no hello comes): the first caller gives up, and the second,
// still waiting on the same dial, must get the session once the device answers.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hasCode } from '../../core/errors.js';
import { NetconfPool } from '../../drivers/netconf/pool.js';
import * as rpc from '../../drivers/netconf/rpc.js';
import { type RunningNetconf, startNetconf } from '../../testkit/peers/netconf.js';
import { deviceForPeer } from '../conformance/netconf-device.js';
import { netconfdPid } from '../helpers/agent-env.js';

describe('a shared NETCONF dial', () => {
  const peers = inject('peers');
  let nc: RunningNetconf;
  let pid: number;
  const pool = new NetconfPool();

  beforeAll(async () => {
    nc = await startNetconf(peers.runDir, { name: 'pool-dial', modules: peers.netconf.ietf.modules });
    pid = netconfdPid(nc.info);
  });
  afterAll(async () => {
    process.kill(pid, 'SIGCONT');
    await pool.closeAll();
    await nc?.stop();
  });

  it('goes on for the other waiters when the first caller gives up', async () => {
    const device = deviceForPeer(nc.info, {
      id: 'nc-pool-dial',
      platform: 'ietf-interfaces',
      ports: ['XGE1/0/1'],
    });
    process.kill(pid, 'SIGSTOP');
    try {
      const impatient = new AbortController();
      const first = pool
        .withSession(device, async (s) => s.sessionId, impatient.signal)
        .then(
          () => 'resolved',
          (e: unknown) => e,
        );
      const second = pool.withSession(device, (s) => s.rpc(rpc.getConfig('running')).then(() => s.sessionId));
      // Let both callers wait on the one dial, then the first gives up.
      await new Promise((r) => setTimeout(r, 500));
      impatient.abort();
      const err = await first;
      expect(hasCode(err, 'timeout'), String(err)).toBe(true);
      process.kill(pid, 'SIGCONT');
      const sessionId = await second;
      expect(sessionId).toBeGreaterThan(0);
      // The dial's session stayed in the pool: the next call reuses it.
      expect(await pool.withSession(device, async (s) => s.sessionId)).toBe(sessionId);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
