import { setTimeout as sleep } from 'node:timers/promises';
import type pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DcAgentError, hasCode } from '../../../../core/errors.js';
import { Secret } from '../../../../core/secret.js';
import * as rpc from '../../../../drivers/netconf/rpc.js';
import { NetconfRpcError } from '../../../../drivers/netconf/rpc-error.js';
import { NetconfSession } from '../../../../drivers/netconf/session.js';
import { isConnectTimeout, type SshTarget } from '../../../../drivers/transport/ssh.js';
import { child } from '../../../../drivers/xml/xml.js';
import {
  chunked,
  FAKE_PASSWORD,
  FAKE_USER,
  FakeNetconfServer,
  okReply,
} from '../../../fakes/netconf-server.js';
import { capturingLogger } from '../../../helpers/log-capture.js';
import { rejection } from '../../../helpers/rejection.js';

const servers: FakeNetconfServer[] = [];
const sessions: NetconfSession[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  for (const srv of servers.splice(0)) await srv.stop();
});

async function startServer(
  o: ConstructorParameters<typeof FakeNetconfServer>[0] = {},
): Promise<FakeNetconfServer> {
  const srv = new FakeNetconfServer(o);
  await srv.listen();
  servers.push(srv);
  return srv;
}

function target(srv: FakeNetconfServer, over: Partial<SshTarget> = {}): SshTarget {
  return {
    deviceId: 'fake-1',
    host: '127.0.0.1',
    port: srv.port,
    username: FAKE_USER,
    password: new Secret(FAKE_PASSWORD),
    hostKey: srv.hostKeyFingerprint,
    connectTimeoutMs: 5_000,
    keepaliveIntervalMs: 0,
    ...over,
  };
}

async function connect(
  srv: FakeNetconfServer,
  over: Partial<SshTarget> = {},
  extra: { logger?: pino.Logger } = {},
) {
  const s = await NetconfSession.connect(target(srv, over), {
    deviceId: 'fake-1',
    rpcTimeoutMs: 2_000,
    helloTimeoutMs: 2_000,
    ...(extra.logger ? { logger: extra.logger } : {}),
  });
  sessions.push(s);
  return s;
}

describe('NetconfSession over ssh2 against a fake server', () => {
  it('exchanges hellos, negotiates chunked framing and parses capabilities', async () => {
    const srv = await startServer({ sessionId: 42 });
    const s = await connect(srv);
    expect(s.sessionId).toBe(42);
    expect(s.framing).toBe('chunked');
    expect(s.hasCapability('urn:ietf:params:netconf:capability:candidate:1.0')).toBe(true);
    expect(s.hasCapability('urn:ietf:params:netconf:capability:validate:1.1')).toBe(false);
    const reply = await s.rpc(rpc.lock('candidate'));
    expect(reply.ok).toBe(true);
    expect(srv.requests[0]?.operation).toBe('lock');
  });

  it('stays on end-of-message framing with a base:1.0-only server', async () => {
    const srv = await startServer({ base11: false });
    const s = await connect(srv);
    expect(s.framing).toBe('eom');
    expect((await s.rpc(rpc.discardChanges())).ok).toBe(true);
  });

  it('matches two replies that arrive in one write, in either order', async () => {
    const srv = await startServer();
    const held: string[] = [];
    srv.handler = (req, ch) => {
      held.push(req.messageId);
      if (held.length === 2) {
        // Reverse order, one write: matching must go by message-id, not arrival.
        const [a, b] = held as [string, string];
        ch.write(
          chunked(okReply(b, `<data><n>${b}</n></data>`)) + chunked(okReply(a, `<data><n>${a}</n></data>`)),
        );
      }
    };
    const s = await connect(srv);
    const [r1, r2] = await Promise.all([s.rpc(rpc.get()), s.rpc(rpc.getConfig('running'))]);
    expect(child(child(r1.root, 'data'), 'n')?.text).toBe(r1.messageId);
    expect(child(child(r2.root, 'data'), 'n')?.text).toBe(r2.messageId);
    expect(r1.messageId).not.toBe(r2.messageId);
  });

  it('reassembles a reply whose chunk header is split across writes', async () => {
    const srv = await startServer();
    srv.handler = async (req, ch) => {
      const body = okReply(req.messageId, '<data><x>split</x></data>');
      const len = String(Buffer.byteLength(body));
      const pieces = [
        '\n',
        '#',
        len.slice(0, 1),
        `${len.slice(1)}\n${body.slice(0, 10)}`,
        body.slice(10),
        '\n#',
        '#\n',
      ];
      for (const p of pieces) {
        ch.write(p);
        await sleep(5);
      }
    };
    const s = await connect(srv);
    const reply = await s.rpc(rpc.get());
    expect(child(child(reply.root, 'data'), 'x')?.text).toBe('split');
  });

  it('a silent server makes the RPC hit its deadline, not hang', async () => {
    const srv = await startServer();
    srv.handler = () => {};
    const s = await connect(srv);
    const t0 = Date.now();
    const err = await rejection(s.rpc(rpc.get(), { timeoutMs: 300 }));
    expect(hasCode(err, 'timeout')).toBe(true);
    // The device may have acted on it: not a connect timeout, so nobody retries it blindly.
    expect(isConnectTimeout(err)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(s.inFlight).toBe(0);
  });

  it('each RPC in flight keeps its own deadline, whatever order they were sent in', async () => {
    const srv = await startServer();
    // Only discard-changes is answered, and only once the shortest deadline has passed.
    let shortestPassed: () => void = () => {};
    const afterShortest = new Promise<void>((resolve) => {
      shortestPassed = resolve;
    });
    srv.handler = (req, ch) => {
      if (req.operation === 'discard-changes')
        void afterShortest.then(() => ch.reply(req.messageId, '<ok/>'));
    };
    const s = await connect(srv);
    const t0 = Date.now();
    const at: Record<string, number> = {};
    const outcome: Record<string, string> = {};
    const track = (name: string, p: Promise<unknown>) =>
      p.then(
        () => {
          outcome[name] = 'ok';
        },
        (err: unknown) => {
          outcome[name] = hasCode(err, 'timeout') ? 'timeout' : String(err);
          at[name] = Date.now() - t0;
          if (name === 'get-config') shortestPassed();
        },
      );
    await Promise.all([
      track('get', s.rpc(rpc.get(), { timeoutMs: 1_500 })),
      // Earlier than the deadline already armed: the session has to re-arm for it.
      track('get-config', s.rpc(rpc.getConfig('running'), { timeoutMs: 300 })),
      track('lock', s.rpc(rpc.lock('candidate'), { timeoutMs: 800 })),
      // Answered while the others wait: a reply must not disturb their deadlines.
      track('discard', s.rpc(rpc.discardChanges(), { timeoutMs: 5_000 })),
    ]);
    expect(outcome).toEqual({ get: 'timeout', 'get-config': 'timeout', lock: 'timeout', discard: 'ok' });
    // Never early (1 ms of slack for Date.now()'s whole milliseconds), and the short
    // deadline did not wait for the long one that was armed first.
    expect(at['get-config']).toBeGreaterThanOrEqual(299);
    expect(at.lock).toBeGreaterThanOrEqual(799);
    expect(at.get).toBeGreaterThanOrEqual(1_499);
    // Equal only if the loop stalled so long that several expired in one pass.
    expect(at['get-config']).toBeLessThanOrEqual(at.get!);
    expect(at.lock).toBeLessThanOrEqual(at.get!);
    expect(s.inFlight).toBe(0);
  });

  it('a session with nothing in flight does not keep the process alive', async () => {
    const srv = await startServer();
    srv.handler = (req, ch) => setTimeout(() => ch.reply(req.messageId, '<ok/>'), 100);
    const s = await connect(srv);
    expect(s.holdsProcess).toBe(false);
    const p = s.rpc(rpc.lock('candidate'), { timeoutMs: 60_000 });
    // The RPC's deadline holds the process while the RPC is in flight...
    expect(s.holdsProcess).toBe(true);
    await p;
    // ...and lets it go once the answer is in, though it stays armed for the next RPC.
    expect(s.holdsProcess).toBe(false);
    const q = s.rpc(rpc.unlock('candidate'), { timeoutMs: 60_000 });
    expect(s.holdsProcess).toBe(true);
    await q;
    expect(s.holdsProcess).toBe(false);
  });

  it('lets the process go when the last RPC in flight ends by abort, destroy or close', async () => {
    const srv = await startServer();
    srv.handler = () => {};
    const aborted = await connect(srv);
    const ac = new AbortController();
    const p = aborted.rpc(rpc.get(), { signal: ac.signal, timeoutMs: 60_000 });
    expect(aborted.holdsProcess).toBe(true);
    ac.abort(new DcAgentError('timeout', 'job deadline'));
    await rejection(p);
    expect(aborted.holdsProcess).toBe(false);

    const destroyed = await connect(srv);
    const q = destroyed.rpc(rpc.get(), { timeoutMs: 60_000 });
    destroyed.destroy();
    await rejection(q);
    expect(destroyed.holdsProcess).toBe(false);

    const closed = await connect(srv);
    const r = closed.rpc(rpc.get(), { timeoutMs: 60_000 });
    // The fake server never answers close-session either: close gives up after its own wait.
    await closed.close(200);
    await rejection(r);
    expect(closed.holdsProcess).toBe(false);
  });

  it('waits out a deadline longer than a timer can hold instead of failing at once', async () => {
    const srv = await startServer();
    srv.handler = () => {};
    const s = await connect(srv);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      // Over 2^31-1 ms: Node would run such a timer after 1 ms.
      const p = s.rpc(rpc.get(), { timeoutMs: 2 ** 31 + 1_000 });
      p.catch(() => {});
      await sleep(100);
      expect(s.inFlight).toBe(1);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('an AbortSignal cancels a pending RPC', async () => {
    const srv = await startServer();
    srv.handler = () => {};
    const s = await connect(srv);
    const ac = new AbortController();
    const p = s.rpc(rpc.get(), { signal: ac.signal });
    ac.abort(new DcAgentError('timeout', 'job deadline'));
    const err = await rejection(p);
    expect((err as Error).message).toBe('job deadline');
    expect(s.inFlight).toBe(0);
  });

  it('a close in the middle of a reply fails every pending RPC', async () => {
    const srv = await startServer();
    let seen = 0;
    srv.handler = (req, ch) => {
      if (++seen < 3) return;
      const body = okReply(req.messageId, '<data>partial</data>');
      ch.write(`\n#${Buffer.byteLength(body)}\n${body.slice(0, 20)}`);
      setTimeout(() => ch.close(), 20);
    };
    const s = await connect(srv);
    const closed = new Promise<DcAgentError | undefined>((resolve) => s.onClose(resolve));
    const results = await Promise.allSettled([s.rpc(rpc.get()), s.rpc(rpc.get()), s.rpc(rpc.get())]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(hasCode((r as PromiseRejectedResult).reason, 'unreachable')).toBe(true);
    }
    expect(await closed).toBeInstanceOf(DcAgentError);
    expect(s.closed).toBe(true);
    expect(hasCode(await rejection(s.rpc(rpc.get())), 'unreachable')).toBe(true);
  });

  it('logs and drops a reply with an unknown message-id, then takes the right one', async () => {
    const srv = await startServer();
    srv.handler = (req, ch) => {
      ch.send(okReply('999', '<data><who>stranger</who></data>'));
      ch.send(okReply(req.messageId, '<data><who>mine</who></data>'));
    };
    const { logger, lines } = capturingLogger();
    const s = await connect(srv, {}, { logger });
    const reply = await s.rpc(rpc.get());
    expect(child(child(reply.root, 'data'), 'who')?.text).toBe('mine');
    expect(lines.some((l) => l.messageId === '999' && String(l.msg).includes('unknown message-id'))).toBe(
      true,
    );
  });

  it('a reply carrying a DTD is refused at once, not expanded, and fails only its own RPC', async () => {
    const srv = await startServer();
    srv.handler = (req, ch) =>
      ch.send(
        req.operation === 'get'
          ? `<!DOCTYPE r [<!ENTITY boom "x">]><rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="${req.messageId}"><data>&boom;</data></rpc-reply>`
          : okReply(req.messageId),
      );
    const s = await connect(srv);
    const t0 = Date.now();
    const err = await rejection(s.rpc(rpc.get()));
    expect(hasCode(err, 'rpc-error')).toBe(true);
    expect((err as Error).message).toMatch(/DTD/);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect((await s.rpc(rpc.lock('candidate'))).ok).toBe(true);
  });

  it('delivers notifications separately, including one sent in the same write as the hello', async () => {
    const notification = (n: string) =>
      `<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2026-01-01T00:00:00Z</eventTime><event xmlns="urn:x"><n>${n}</n></event></notification>`;
    const srv = await startServer({ afterHello: () => chunked(notification('first')) });
    srv.handler = (req, ch) => {
      ch.send(notification('second'));
      ch.reply(req.messageId, '<ok/>');
    };
    const s = await connect(srv);
    const got: string[] = [];
    s.onNotification((n) => got.push(child(n.events[0], 'n')?.text ?? ''));
    await s.rpc(rpc.get());
    expect(got).toEqual(['first', 'second']);
  });

  it('turns rpc-error into a typed NetconfRpcError with every field', async () => {
    const srv = await startServer();
    srv.handler = (req, ch) =>
      ch.reply(
        req.messageId,
        `<rpc-error><error-type>protocol</error-type><error-tag>lock-denied</error-tag><error-severity>error</error-severity><error-app-tag>app</error-app-tag><error-path>/interfaces</error-path><error-message xml:lang="en">Lock failed, lock already held</error-message><error-info><session-id>12</session-id></error-info></rpc-error>`,
      );
    const s = await connect(srv);
    const err = await rejection(s.rpc(rpc.lock('candidate')));
    expect(err).toBeInstanceOf(NetconfRpcError);
    const e = err as NetconfRpcError;
    expect(e.code).toBe('lock-denied');
    expect(e.retryable).toBe(true);
    expect(e.errors[0]).toEqual({
      type: 'protocol',
      tag: 'lock-denied',
      severity: 'error',
      appTag: 'app',
      path: '/interfaces',
      message: 'Lock failed, lock already held',
      info: { 'session-id': '12' },
    });
  });

  it('sends close-session on a clean close', async () => {
    const srv = await startServer();
    const s = await connect(srv);
    await s.close();
    expect(srv.requests.map((r) => r.operation)).toEqual(['close-session']);
    expect(s.closed).toBe(true);
  });

  it('refuses a host key that differs from the pin before any authentication attempt', async () => {
    const srv = await startServer();
    const { logger, lines } = capturingLogger();
    const err = await rejection(
      connect(srv, { hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, { logger }),
    );
    expect(hasCode(err, 'host-key-mismatch')).toBe(true);
    expect((err as Error).message).toContain(srv.hostKeyFingerprint);
    await sleep(50);
    // No authentication request of any kind reached the server, so the password never left.
    expect(srv.authAttempts).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain(FAKE_PASSWORD);
  });

  it('accepts any key with insecureAcceptAnyHostKey, logging a warning', async () => {
    const srv = await startServer();
    const { logger, lines } = capturingLogger();
    const { hostKey: _drop, ...rest } = target(srv);
    const s = await NetconfSession.connect(
      { ...rest, insecureAcceptAnyHostKey: true },
      { deviceId: 'fake-1', rpcTimeoutMs: 2_000, helloTimeoutMs: 2_000, logger },
    );
    sessions.push(s);
    expect(lines.some((l) => l.level === 40 && String(l.msg).includes('insecureAcceptAnyHostKey'))).toBe(
      true,
    );
  });

  it('maps a wrong password to auth-failed without the password in the message', async () => {
    const srv = await startServer();
    const err = await rejection(connect(srv, { password: new Secret('wrong-password-1') }));
    expect(hasCode(err, 'auth-failed')).toBe(true);
    expect((err as Error).message).not.toContain('wrong-password-1');
    expect(srv.authAttempts.some((a) => a.method === 'password')).toBe(true);
  });

  it('a server that never sends its hello hits the hello deadline', async () => {
    const srv = await startServer({ silentHello: true });
    const t0 = Date.now();
    const err = await rejection(
      NetconfSession.connect(target(srv), { deviceId: 'fake-1', rpcTimeoutMs: 2_000, helloTimeoutMs: 300 }),
    );
    expect(hasCode(err, 'timeout')).toBe(true);
    expect((err as Error).message).toContain('hello');
    // A connect-phase deadline: `plan` and jobs may try once more on a fresh connection.
    expect(isConnectTimeout(err)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('a hello without base:1.0 or base:1.1 is refused', async () => {
    const srv = await startServer({ capabilities: ['urn:example:only'] });
    const err = await rejection(connect(srv));
    expect(hasCode(err, 'unsupported-platform')).toBe(true);
  });

  it('maps a refused connection to unreachable', async () => {
    const srv = await startServer();
    const port = srv.port;
    await srv.stop();
    servers.splice(0);
    const err = await rejection(connect({ port, hostKeyFingerprint: 'SHA256:x' } as FakeNetconfServer));
    expect(hasCode(err, 'unreachable')).toBe(true);
  });
});
