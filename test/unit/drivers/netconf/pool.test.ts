import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../../../config/load.js';
import { DcAgentError, hasCode } from '../../../../core/errors.js';
import { NetconfPool } from '../../../../drivers/netconf/pool.js';
import * as rpc from '../../../../drivers/netconf/rpc.js';
import { FAKE_PASSWORD, FAKE_USER, FakeNetconfServer } from '../../../fakes/netconf-server.js';
import { testDevice } from '../../../helpers/device-config.js';

const servers: FakeNetconfServer[] = [];
const pools: NetconfPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.closeAll();
  for (const s of servers.splice(0)) await s.stop();
});

async function setup(idleCloseSeconds = 300) {
  const srv = new FakeNetconfServer();
  await srv.listen();
  servers.push(srv);
  const device: DeviceConfig = testDevice(
    {
      id: 'pool-dev',
      platform: 'ietf-interfaces',
      ports: ['p1'],
      netconf: {
        port: srv.port,
        username: FAKE_USER,
        passwordEnv: 'NC_PASS',
        hostKey: srv.hostKeyFingerprint,
        idleCloseSeconds,
        rpcTimeoutMs: 1_000,
      },
    },
    { NC_PASS: FAKE_PASSWORD },
  );
  const pool = new NetconfPool();
  pools.push(pool);
  return { srv, device, pool };
}

describe('NetconfPool', () => {
  it('reuses one session across calls, and connects once for concurrent first calls', async () => {
    const { srv, device, pool } = await setup();
    const ids = await Promise.all([1, 2, 3].map(() => pool.withSession(device, async (s) => s.sessionId)));
    expect(new Set(ids).size).toBe(1);
    await pool.withSession(device, (s) => s.rpc(rpc.get()));
    expect(srv.connectionCount).toBe(1);
    expect(pool.size).toBe(1);
  });

  it('reconnects when the device dropped the session', async () => {
    const { srv, device, pool } = await setup();
    srv.handler = (req, ch) =>
      req.operation === 'kill-session' ? ch.close() : ch.reply(req.messageId, '<ok/>');
    await expect(pool.withSession(device, (s) => s.rpc(rpc.killSession(1)))).rejects.toMatchObject({
      code: 'unreachable',
    });
    await sleep(20);
    expect((await pool.withSession(device, (s) => s.rpc(rpc.get()))).ok).toBe(true);
    expect(srv.connectionCount).toBe(2);
  });

  it('drops a session after an RPC timeout, so the next job starts on a fresh one', async () => {
    const { srv, device, pool } = await setup();
    srv.handler = () => {};
    const err = await pool
      .withSession(device, (s) => s.rpc(rpc.get(), { timeoutMs: 100 }))
      .catch((e: unknown) => e);
    expect(hasCode(err, 'timeout')).toBe(true);
    srv.handler = (req, ch) => ch.reply(req.messageId, '<ok/>');
    await pool.withSession(device, (s) => s.rpc(rpc.get()));
    expect(srv.connectionCount).toBe(2);
  });

  it('keeps the session after an ordinary rpc-error', async () => {
    const { srv, device, pool } = await setup();
    await pool
      .withSession(device, async () => {
        throw new DcAgentError('rpc-error', 'device said no');
      })
      .catch(() => {});
    await pool.withSession(device, (s) => s.rpc(rpc.get()));
    expect(srv.connectionCount).toBe(1);
  });

  it('closes a session idle for idleCloseSeconds with close-session', async () => {
    const { srv, device, pool } = await setup(1);
    await pool.withSession(device, (s) => s.rpc(rpc.get()));
    expect(pool.size).toBe(1);
    await sleep(1_300);
    expect(pool.size).toBe(0);
    expect(srv.requests.map((r) => r.operation)).toEqual(['get', 'close-session']);
    await pool.withSession(device, (s) => s.rpc(rpc.get()));
    expect(srv.connectionCount).toBe(2);
  });

  it('closeAll ends every session cleanly and refuses new work', async () => {
    const { srv, device, pool } = await setup();
    await pool.withSession(device, (s) => s.rpc(rpc.get()));
    await pool.closeAll();
    expect(srv.requests.at(-1)?.operation).toBe('close-session');
    await expect(pool.withSession(device, async () => 1)).rejects.toMatchObject({ code: 'lifecycle' });
  });
});
