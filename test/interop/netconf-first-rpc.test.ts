// netconfd sits on an RPC that reaches it in one read with the client's hello (LAB-NOTES): no
// reply until more input arrives. Under load two quick writes of ours can merge like that; here a
// transport merges them on purpose, so the quirk shows every time on the real server, and the
// session's first-reply watchdog is what gets the answer (issue 11 item 12).
import { afterEach, describe, expect, inject, it } from 'vitest';
import { hasCode } from '../../core/errors.js';
import { sessionOptionsFor, sshTargetFor } from '../../drivers/netconf/pool.js';
import * as rpc from '../../drivers/netconf/rpc.js';
import { NetconfSession } from '../../drivers/netconf/session.js';
import { openSubsystem } from '../../drivers/transport/ssh.js';
import { deviceForPeer } from '../conformance/netconf-device.js';

const peers = inject('peers');
const device = deviceForPeer(peers.netconf.ietf, {
  id: 'nc-first-rpc',
  platform: 'ietf-interfaces',
  ports: ['XGE1/0/1'],
});
const sessions: NetconfSession[] = [];

afterEach(() => {
  for (const s of sessions.splice(0)) s.destroy();
});

/** A session whose hello is held back and written in one piece with its first RPC. */
async function mergedSession(o: { firstReplyWatchdogMs: number; rpcTimeoutMs: number }) {
  const channel = await openSubsystem(sshTargetFor(device), 'netconf');
  const { stream } = channel;
  const write = stream.write.bind(stream) as (chunk: Buffer) => boolean;
  let held: Buffer | undefined;
  let writes = 0;
  stream.write = ((chunk: string | Uint8Array) => {
    const buf = Buffer.from(chunk);
    writes++;
    if (writes === 1) {
      held = buf;
      return true;
    }
    if (held) {
      const both = Buffer.concat([held, buf]);
      held = undefined;
      return write(both);
    }
    return write(buf);
  }) as typeof stream.write;
  const session = await NetconfSession.start(
    { stream, close: () => channel.close() },
    { ...sessionOptionsFor(device), ...o },
  );
  sessions.push(session);
  return session;
}

const firstRead = rpc.getConfig('running');

describe('the first RPC of a fresh session, sent in one read with the hello', () => {
  it('is answered once the watchdog nudges the server, within the RPC deadline', async () => {
    const session = await mergedSession({ firstReplyWatchdogMs: 500, rpcTimeoutMs: 10_000 });
    const reply = await session.rpc(firstRead);
    expect(reply.errors).toEqual([]);
    expect(session.nudged).toBe(true);
    // The session is in step afterwards: a plain RPC is answered without help.
    await session.rpc(rpc.getConfig('running'));
  });

  it('without the watchdog, netconfd never answers it (the quirk this guards against)', async () => {
    const session = await mergedSession({ firstReplyWatchdogMs: 0, rpcTimeoutMs: 3_000 });
    const err = await session.rpc(firstRead).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasCode(err, 'timeout'), String(err)).toBe(true);
    expect(session.nudged).toBe(false);
  });
});
