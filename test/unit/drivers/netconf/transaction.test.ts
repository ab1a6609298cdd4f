import { describe, expect, it } from 'vitest';
import { hasCode } from '../../../../core/errors.js';
import type { PortConfigState } from '../../../../drivers/driver.js';
import { parseRpcReply, type RpcReply } from '../../../../drivers/netconf/reply.js';
import { CAP, operationName } from '../../../../drivers/netconf/rpc.js';
import { NetconfRpcError } from '../../../../drivers/netconf/rpc-error.js';
import { type RpcChannel, runPortTransaction } from '../../../../drivers/netconf/transaction.js';
import { ietfInterfacesPlatform as platform } from '../../../../drivers/platforms/ietf-interfaces/index.js';
import { clearedState, intendedState } from '../../../../drivers/port-state.js';
import { child, el, parseXml } from '../../../../drivers/xml/xml.js';
import { capturingLogger } from '../../../helpers/log-capture.js';
import { rejection } from '../../../helpers/rejection.js';

const PORT = '10GE1/0/1';

/**
 * A scripted device with running and candidate datastores for one port. It records every
 * operation, can refuse any of them, and can play the LAB-NOTES device that acknowledges commits
 * without applying them.
 */
class ScriptedDevice implements RpcChannel {
  readonly deviceId = 'scripted';
  ops: string[] = [];
  running: PortConfigState = { port: PORT, exists: true, enabled: false };
  candidate: PortConfigState = { ...this.running };
  beforeConfirmed: PortConfigState | undefined;
  ignoreCommits = false;
  failOn = new Map<string, NetconfRpcError>();
  constructor(readonly caps: string[]) {}

  hasCapability(uri: string): boolean {
    return this.caps.includes(uri);
  }

  async rpc(xml: string): Promise<RpcReply> {
    const op = operationName(xml);
    const root = parseXml(xml);
    const label =
      op === 'commit' && child(root, 'confirmed')
        ? 'commit-confirmed'
        : op === 'lock' || op === 'unlock' || op === 'edit-config'
          ? `${op}:${child(child(root, 'target'), 'running') ? 'running' : 'candidate'}`
          : op;
    this.ops.push(label);
    const failure = this.failOn.get(label);
    if (failure) throw failure;
    let body = '<ok/>';
    switch (op) {
      case 'get-config':
        body = `<data>${this.render(this.running)}</data>`;
        break;
      case 'edit-config': {
        const cfg = child(root, 'config');
        const next = platform.parsePort(
          { name: 'data', attrs: {}, children: cfg?.children ?? [], text: '' },
          PORT,
        );
        const desc = next.description === '' ? undefined : next.description;
        const base = label.endsWith('running') ? 'running' : 'candidate';
        this[base] = {
          port: PORT,
          exists: true,
          enabled: next.enabled ?? true,
          ...(desc !== undefined ? { description: desc } : {}),
        };
        break;
      }
      case 'commit':
        if (child(root, 'confirmed')) this.beforeConfirmed = { ...this.running };
        else this.beforeConfirmed = undefined;
        if (!this.ignoreCommits) this.running = { ...this.candidate };
        break;
      case 'cancel-commit':
        if (this.beforeConfirmed) this.running = this.beforeConfirmed;
        this.beforeConfirmed = undefined;
        break;
      case 'discard-changes':
        this.candidate = { ...this.running };
        break;
    }
    return parseRpcReply(parseXml(`<rpc-reply message-id="1">${body}</rpc-reply>`));
  }

  render(s: PortConfigState): string {
    return `<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>${s.port}</name>${
      s.description !== undefined ? el('description', undefined, s.description).xml : ''
    }<enabled>${s.enabled}</enabled></interface></interfaces>`;
  }
}

const FULL = [CAP.candidate, CAP.confirmedCommit11, CAP.confirmedCommit10, CAP.rollbackOnError];
const want = { port: PORT, description: 'HC hc-t-1 x', enabled: true, portType: '10GBASE-LR' as const };
const change = () => ({ port: PORT, payload: platform.intentPayload(want), wanted: intendedState(want) });
const options = { platform, confirmTimeoutSeconds: 30 };

const lockDenied = () =>
  new NetconfRpcError('lock-denied', 'lock', [{ type: 'protocol', tag: 'lock-denied', severity: 'error' }]);
const rpcError = (op: string, code: 'rpc-error' | 'commit-failed' = 'rpc-error') =>
  new NetconfRpcError(code, op, [{ type: 'application', tag: 'operation-failed', severity: 'error' }]);

describe('port transaction', () => {
  it('candidate + confirmed commit: the full sequence, verified from running', async () => {
    const dev = new ScriptedDevice(FULL);
    const res = await runPortTransaction(dev, change(), options);
    expect(res).toMatchObject({
      changed: true,
      verified: true,
      confirmedCommit: true,
      strategy: 'candidate-confirmed',
    });
    expect(dev.ops).toEqual([
      'get-config',
      'lock:candidate',
      'discard-changes',
      'edit-config:candidate',
      'commit-confirmed',
      'get-config',
      'commit',
      'unlock:candidate',
    ]);
    expect(dev.running).toMatchObject({ description: want.description, enabled: true });
  });

  it('sends nothing but one read when running already matches', async () => {
    const dev = new ScriptedDevice(FULL);
    dev.running = intendedState(want);
    const res = await runPortTransaction(dev, change(), options);
    expect(res).toMatchObject({ changed: false, verified: true, confirmedCommit: false });
    expect(dev.ops).toEqual(['get-config']);
  });

  it('an acknowledged commit that did not land is verify-failed, cancelled, discarded and unlocked', async () => {
    const dev = new ScriptedDevice(FULL);
    dev.ignoreCommits = true;
    const before = { ...dev.running };
    const err = await rejection(runPortTransaction(dev, change(), options));
    expect(hasCode(err, 'verify-failed')).toBe(true);
    expect(dev.ops.slice(-4)).toEqual(['get-config', 'cancel-commit', 'discard-changes', 'unlock:candidate']);
    expect(dev.ops).not.toContain('commit');
    expect(dev.running).toEqual(before);
  });

  it('lock-denied fails at once, retryable, with no edit and no unlock of a lock we never held', async () => {
    const dev = new ScriptedDevice(FULL);
    dev.failOn.set('lock:candidate', lockDenied());
    const err = await rejection(runPortTransaction(dev, change(), options));
    expect(hasCode(err, 'lock-denied')).toBe(true);
    expect((err as NetconfRpcError).retryable).toBe(true);
    expect(dev.ops).toEqual(['get-config', 'lock:candidate']);
  });

  it('an edit-config error discards and unlocks without committing', async () => {
    const dev = new ScriptedDevice(FULL);
    dev.failOn.set('edit-config:candidate', rpcError('edit-config'));
    const err = await rejection(runPortTransaction(dev, change(), options));
    expect(hasCode(err, 'rpc-error')).toBe(true);
    expect(dev.ops).toEqual([
      'get-config',
      'lock:candidate',
      'discard-changes',
      'edit-config:candidate',
      'discard-changes',
      'unlock:candidate',
    ]);
  });

  it('a failed confirming commit cancels the confirmed one', async () => {
    const dev = new ScriptedDevice(FULL);
    dev.failOn.set('commit', rpcError('commit', 'commit-failed'));
    const before = { ...dev.running };
    const err = await rejection(runPortTransaction(dev, change(), options));
    expect(hasCode(err, 'commit-failed')).toBe(true);
    expect(dev.ops.slice(-3)).toEqual(['cancel-commit', 'discard-changes', 'unlock:candidate']);
    expect(dev.running).toEqual(before);
  });

  it('with confirmed-commit:1.0 only there is no cancel-commit; the timeout rolls back', async () => {
    const dev = new ScriptedDevice([CAP.candidate, CAP.confirmedCommit10]);
    dev.ignoreCommits = true;
    await rejection(runPortTransaction(dev, change(), options));
    expect(dev.ops).not.toContain('cancel-commit');
    expect(dev.ops.slice(-2)).toEqual(['discard-changes', 'unlock:candidate']);
  });

  it('candidate without confirmed-commit: plain commit, then read-back', async () => {
    const dev = new ScriptedDevice([CAP.candidate]);
    const res = await runPortTransaction(dev, change(), options);
    expect(res).toMatchObject({ changed: true, confirmedCommit: false, strategy: 'candidate' });
    expect(dev.ops).toEqual([
      'get-config',
      'lock:candidate',
      'discard-changes',
      'edit-config:candidate',
      'commit',
      'get-config',
      'unlock:candidate',
    ]);
  });

  it('writable-running only: lock and edit running, then read-back', async () => {
    const dev = new ScriptedDevice([CAP.writableRunning]);
    const res = await runPortTransaction(dev, change(), options);
    expect(res).toMatchObject({ changed: true, strategy: 'running' });
    expect(dev.ops).toEqual([
      'get-config',
      'lock:running',
      'edit-config:running',
      'get-config',
      'unlock:running',
    ]);
  });

  it('a device with neither candidate nor writable-running is unsupported', async () => {
    const err = await rejection(runPortTransaction(new ScriptedDevice([]), change(), options));
    expect(hasCode(err, 'unsupported-platform')).toBe(true);
  });

  it('the validate quirk option sends validate before the commit', async () => {
    const dev = new ScriptedDevice(FULL);
    await runPortTransaction(dev, change(), { ...options, validateBeforeCommit: true });
    expect(dev.ops.indexOf('validate')).toBe(dev.ops.indexOf('commit-confirmed') - 1);
  });

  it('clear uses the same path and verifies the cleared state', async () => {
    const dev = new ScriptedDevice(FULL);
    dev.running = intendedState(want);
    const res = await runPortTransaction(
      dev,
      { port: PORT, payload: platform.clearPayload(PORT), wanted: clearedState(PORT) },
      options,
    );
    expect(res.changed).toBe(true);
    expect(dev.running).toEqual({ port: PORT, exists: true, enabled: false });
  });
});

describe('what a transaction logs', () => {
  const capture = capturingLogger;
  // Lines are written synchronously by the stream above, but let any queued write land.
  const settle = () => new Promise((r) => setImmediate(r));

  it('names device and port on the success line, the nothing-to-do line and a roll-back', async () => {
    const done = capture();
    await runPortTransaction(new ScriptedDevice(FULL), change(), { ...options, logger: done.logger });
    const same = capture();
    const matching = new ScriptedDevice(FULL);
    matching.running = intendedState(want);
    await runPortTransaction(matching, change(), { ...options, logger: same.logger });
    const failed = capture();
    const broken = new ScriptedDevice(FULL);
    broken.ignoreCommits = true;
    await rejection(runPortTransaction(broken, change(), { ...options, logger: failed.logger }));
    await settle();
    const where = { device: 'scripted', port: PORT };
    expect(done.lines).toEqual([
      expect.objectContaining({
        ...where,
        strategy: 'candidate-confirmed',
        msg: 'port change committed and verified',
      }),
    ]);
    expect(same.lines).toEqual([
      expect.objectContaining({ ...where, msg: 'port already matches the intent; nothing sent' }),
    ]);
    expect(failed.lines.length).toBeGreaterThan(0);
    for (const line of failed.lines) expect(line).toMatchObject(where);
    expect(failed.lines.map((l) => l.msg)).toContain(
      'confirmed commit cancelled; running is back to its previous configuration',
    );
  });
});

describe('a lock held by another session', () => {
  const denied = (holder: number) =>
    new NetconfRpcError('lock-denied', 'lock', [
      { type: 'protocol', tag: 'lock-denied', severity: 'error', info: { 'session-id': String(holder) } },
    ]);
  /** Denies the first lock naming session 7; the lock after a kill-session goes through. */
  class HeldDevice extends ScriptedDevice {
    readonly sessionId = 3;
    override async rpc(xml: string): Promise<RpcReply> {
      if (operationName(xml) === 'lock' && !this.ops.includes('kill-session')) {
        this.ops.push('lock:candidate');
        throw denied(7);
      }
      return super.rpc(xml);
    }
  }
  const records = (stale: boolean) => {
    const seen: string[] = [];
    return {
      seen,
      locks: {
        record: async (device: string, session: number, lease: string) => {
          seen.push(`record ${device} ${session} ${lease}`);
        },
        isStale: async (device: string, session: number) => {
          seen.push(`isStale ${device} ${session}`);
          return stale;
        },
      },
    };
  };

  it('kills the session when the records give it to a holder that lost its lease, then locks', async () => {
    const dev = new HeldDevice(FULL);
    const r = records(true);
    const res = await runPortTransaction(dev, change(), {
      platform,
      confirmTimeoutSeconds: 30,
      locks: r.locks,
      lease: 'agent-b/job-1/t',
    });
    expect(res.changed).toBe(true);
    expect(r.seen).toEqual(['record scripted 3 agent-b/job-1/t', 'isStale scripted 7']);
    expect(dev.ops.filter((o) => o === 'lock:candidate' || o === 'kill-session')).toEqual([
      'lock:candidate',
      'kill-session',
      'lock:candidate',
    ]);
  });

  it('never kills a holder the records do not give away (an operator, a live agent)', async () => {
    const dev = new HeldDevice(FULL);
    const r = records(false);
    await expect(
      runPortTransaction(dev, change(), { platform, confirmTimeoutSeconds: 30, locks: r.locks, lease: 'x' }),
    ).rejects.toSatisfy((e: unknown) => hasCode(e, 'lock-denied'));
    expect(dev.ops).not.toContain('kill-session');
    expect(dev.running).toEqual({ port: PORT, exists: true, enabled: false });
  });
});
