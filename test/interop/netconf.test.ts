// Our NETCONF stack against real netconfd behind OpenSSH: the transaction's guarantees, checked
// with ncclient (a client that shares no code with ours) wherever "what really landed" matters.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { DeviceConfig } from '../../config/load.js';
import { hasCode, isDcAgentError } from '../../core/errors.js';
import type { PortIntent } from '../../drivers/driver.js';
import { createDriver } from '../../drivers/factory/factory.js';
import { NetconfDriver } from '../../drivers/netconf/driver.js';
import { NetconfPool } from '../../drivers/netconf/pool.js';
import { ietfInterfacesPlatform } from '../../drivers/platforms/ietf-interfaces/index.js';
import { holdLock } from '../../testkit/peers/ncclient.js';
import { deviceForPeer } from '../conformance/netconf-device.js';
import { ncclientReadPort, ncclientSetPort } from '../conformance/netconf-peer-tools.js';
import { rejection } from '../helpers/rejection.js';

const peers = inject('peers');
const peer = peers.netconf.ietf;
const PORT = '10GE9/0/1';
const intent = (description: string, port = PORT): PortIntent => ({
  port,
  description,
  enabled: true,
  portType: '10GBASE-LR',
});

function device(
  o: { confirmTimeoutSeconds?: number; rpcTimeoutMs?: number; hostKey?: string } = {},
): DeviceConfig {
  return deviceForPeer(peer, { id: 'nc-interop', platform: 'ietf-interfaces', ports: [PORT], ...o });
}

describe('NETCONF against netconfd (ietf-interfaces)', () => {
  const pool = new NetconfPool();
  const dev = device();
  const driver = new NetconfDriver(dev, ietfInterfacesPlatform, { pool });
  afterAll(async () => {
    await pool.closeAll();
  });

  const sent = (op: string) => pool.withSession(dev, async (s) => s.stats.sent.get(op) ?? 0);

  it('provisions a port, as ncclient sees it', async () => {
    const res = await driver.apply(intent('HC hc-interop-1 acme'));
    expect(res).toMatchObject({
      changed: true,
      verified: true,
      confirmedCommit: true,
      strategy: 'candidate-confirmed',
    });
    expect(await ncclientReadPort(peer, 'ietf', PORT)).toEqual({
      description: 'HC hc-interop-1 acme',
      enabled: true,
    });
  });

  it('re-provisioning the same intent sends no edit-config, lock or commit', async () => {
    const before = {
      edit: await sent('edit-config'),
      lock: await sent('lock'),
      commit: await sent('commit'),
    };
    const getBefore = await sent('get-config');
    const res = await driver.apply(intent('HC hc-interop-1 acme'));
    expect(res).toMatchObject({ changed: false, verified: true });
    expect(await sent('edit-config')).toBe(before.edit);
    expect(await sent('lock')).toBe(before.lock);
    expect(await sent('commit')).toBe(before.commit);
    // exactly one read: the comparison with running
    expect(await sent('get-config')).toBe(getBefore + 1);
  });

  it('one session is reused across calls', async () => {
    const id1 = await pool.withSession(dev, async (s) => s.sessionId);
    await driver.readPortConfig(PORT);
    expect(await pool.withSession(dev, async (s) => s.sessionId)).toBe(id1);
    expect(pool.size).toBe(1);
  });

  it('clears the port: description removed, admin down, entry kept', async () => {
    const res = await driver.clear(PORT);
    expect(res).toMatchObject({ changed: true, verified: true });
    expect(await ncclientReadPort(peer, 'ietf', PORT)).toEqual({ enabled: false });
  });

  it('a confirmed commit that is never confirmed rolls running back after confirm-timeout', async () => {
    await ncclientSetPort(peer, 'ietf', PORT, { description: 'HC hc-old-1 previous', enabled: true });
    const seenDuring: unknown[] = [];
    const p2 = new NetconfPool();
    // Long enough for ncclient (a Python start-up and an SSH login) to look while the commit is
    // pending on a loaded machine; the second look waits out the timeout from the commit itself.
    const CONFIRM_S = 10;
    const d2 = new NetconfDriver(
      device({ confirmTimeoutSeconds: CONFIRM_S, rpcTimeoutMs: 2_000 }),
      ietfInterfacesPlatform,
      {
        pool: p2,
        transaction: {
          hooks: {
            // The agent "dies" between the confirmed commit and the confirming one.
            afterConfirmedCommit: async () => {
              const committedAt = Date.now();
              seenDuring.push(await ncclientReadPort(peer, 'ietf', PORT));
              await sleep(Math.max(0, committedAt + CONFIRM_S * 1000 + 2_500 - Date.now()));
              seenDuring.push(await ncclientReadPort(peer, 'ietf', PORT));
              throw new Error('simulated crash before the confirming commit');
            },
          },
        },
      },
    );
    try {
      const err = await rejection(d2.apply(intent('HC hc-new-1 never confirmed')));
      expect((err as Error).message).toContain('simulated crash');
    } finally {
      await p2.closeAll();
    }
    // Applied while pending, rolled back by the device once the confirm-timeout ran out.
    expect(seenDuring[0]).toEqual({ description: 'HC hc-new-1 never confirmed', enabled: true });
    expect(seenDuring[1]).toEqual({ description: 'HC hc-old-1 previous', enabled: true });
    expect(await ncclientReadPort(peer, 'ietf', PORT)).toEqual({
      description: 'HC hc-old-1 previous',
      enabled: true,
    });
  }, 60_000);

  it('a session lost between confirmed and confirming commit rolls back at once, not after the timeout', async () => {
    await ncclientSetPort(peer, 'ietf', PORT, { description: 'HC hc-old-2 previous', enabled: true });
    const p4 = new NetconfPool();
    const dev4 = device({ confirmTimeoutSeconds: 60 });
    const d4 = new NetconfDriver(dev4, ietfInterfacesPlatform, {
      pool: p4,
      transaction: {
        hooks: {
          afterConfirmedCommit: async () => {
            // Same pooled session as the transaction's: the agent's connection drops here.
            await p4.withSession(dev4, async (s) => s.destroy());
          },
        },
      },
    });
    const t0 = Date.now();
    try {
      const err = await rejection(d4.apply(intent('HC hc-new-2 lost session')));
      expect(hasCode(err, 'unreachable')).toBe(true);
    } finally {
      await p4.closeAll();
    }
    // No persist: the device rolls back when the session ends, long before the 60 s timeout.
    let seen = await ncclientReadPort(peer, 'ietf', PORT);
    for (let i = 0; i < 20 && seen?.description !== 'HC hc-old-2 previous'; i++) {
      await sleep(250);
      seen = await ncclientReadPort(peer, 'ietf', PORT);
    }
    expect(seen).toEqual({ description: 'HC hc-old-2 previous', enabled: true });
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 40_000);

  it('a candidate locked by another session fails with lock-denied, retryable, and changes nothing', async () => {
    const lock = holdLock(peer, 60);
    await lock.locked;
    try {
      const err = await rejection(driver.apply(intent('HC hc-interop-2 blocked')));
      expect(hasCode(err, 'lock-denied')).toBe(true);
      expect(isDcAgentError(err) && err.retryable).toBe(true);
    } finally {
      await lock.release();
    }
    expect((await ncclientReadPort(peer, 'ietf', PORT))?.description).toBe('HC hc-old-2 previous');
    // Once the other session let go, the same job succeeds.
    expect(await driver.apply(intent('HC hc-interop-2 blocked'))).toMatchObject({
      changed: true,
      verified: true,
    });
  }, 30_000);

  it('validate-then-commit is acknowledged but never lands: the read-back reports verify-failed', async () => {
    const before = await ncclientReadPort(peer, 'ietf', PORT);
    const p3 = new NetconfPool();
    const quirky = new NetconfDriver(dev, ietfInterfacesPlatform, {
      pool: p3,
      transaction: { validateBeforeCommit: true },
    });
    try {
      const err = await rejection(quirky.apply(intent('HC hc-interop-3 validated')));
      expect(hasCode(err, 'verify-failed')).toBe(true);
      expect(await quirky.verify(intent('HC hc-interop-3 validated'))).toBe(false);
    } finally {
      await p3.closeAll();
    }
    expect(await ncclientReadPort(peer, 'ietf', PORT)).toEqual(before);
    // Our normal order (no validate) applies the very same change.
    expect(await driver.apply(intent('HC hc-interop-3 validated'))).toMatchObject({
      changed: true,
      verified: true,
    });
  }, 30_000);

  it('refuses a host key that differs from the pin, before authenticating', async () => {
    const wrong = createDriver(device({ hostKey: `SHA256:${'A'.repeat(43)}` }));
    try {
      const err = await rejection(wrong.readPortConfig(PORT));
      expect(hasCode(err, 'host-key-mismatch')).toBe(true);
      expect((err as Error).message).toContain(peer.hostKeySha256);
    } finally {
      await wrong.close();
    }
  });
});
