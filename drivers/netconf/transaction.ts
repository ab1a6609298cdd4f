import { DcAgentError, errorMessage } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import type { ApplyResult, PortConfigState } from '../driver.js';
import { renderPortConfig, satisfies } from '../port-state.js';
import type { XmlFragment } from '../xml/xml.js';
import type { NetconfPlatform } from './platform.js';
import { dataOf } from './reply.js';
import * as rpc from './rpc.js';
import { CAP, type Datastore } from './rpc.js';
import { isNetconfRpcError } from './rpc-error.js';
import type { NetconfSession, RpcOptions } from './session.js';

/**
 * Upper bound on each cleanup RPC (discard, unlock) after a failure: long enough for a loaded
 * device, short enough that a dead session does not hold the job for a full RPC deadline.
 */
const CLEANUP_TIMEOUT_MS = 10_000;

/**
 * One port change as a NETCONF transaction. A change is only done when it has been read back
 * from `running`; a device answering `<ok/>` is not proof (LAB-NOTES: netconfd acknowledged a
 * validate+commit that never reached running). With candidate and confirmed-commit:
 *   lock candidate → discard-changes → edit-config → commit confirmed → read back running →
 *   compare → confirming commit → unlock
 * and on any failure: cancel-commit (or let the confirm-timeout roll back), discard, unlock.
 */

/** The slice of a session the transaction needs, so tests can drive it with a scripted fake. */
export type RpcChannel = Pick<NetconfSession, 'rpc' | 'hasCapability' | 'deviceId'> & {
  /** The device's id for this session, when known (a scripted test device may have none). */
  readonly sessionId?: number;
};

export type Strategy = 'candidate-confirmed' | 'candidate' | 'running';

/**
 * Who took NETCONF locks on which device (kept in Redis by the agent). A host that froze keeps
 * its session, and with it the candidate lock, until the device notices; the lease-holding job
 * then asks these records whether the session in the way is one of ours that lost its lease.
 */
export interface NetconfLockRecords {
  /** Notes that `sessionId` on the device is about to take a lock under device lease `lease`. */
  record(deviceId: string, sessionId: number, lease: string): Promise<void>;
  /** True when the records give `sessionId` to a holder whose device lease has passed to another. */
  isStale(deviceId: string, sessionId: number): Promise<boolean>;
}

export interface PortChange {
  port: string;
  /** `<config>` content from the platform. */
  payload: XmlFragment;
  /** The state the read-back must show. */
  wanted: PortConfigState;
}

export interface TransactionOptions {
  platform: NetconfPlatform;
  confirmTimeoutSeconds: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Per-RPC deadline override. */
  rpcTimeoutMs?: number;
  /** Lock records and the lease this change runs under; without both, a lock-denied is final. */
  locks?: NetconfLockRecords;
  lease?: string;
  /**
   * Sends `<validate>` on the candidate before committing. Never set in production: it exists to
   * reproduce the netconfd quirk in tests and prove that the read-back reports it.
   */
  validateBeforeCommit?: boolean;
  /** Test hooks; each runs at the named point and may throw to simulate a failure there. */
  hooks?: {
    /** The candidate holds the edit (and our lock); nothing committed yet. */
    beforeCommit?: () => Promise<void>;
    afterConfirmedCommit?: () => Promise<void>;
    /** Every commit is done (the confirming one too) and running is verified; the lock is still held. */
    afterCommit?: () => Promise<void>;
  };
}

export interface TransactionResult extends ApplyResult {
  strategy: Strategy;
  before: PortConfigState;
  after: PortConfigState;
}

export function chooseStrategy(session: Pick<RpcChannel, 'hasCapability' | 'deviceId'>): Strategy {
  if (session.hasCapability(CAP.candidate)) {
    return session.hasCapability(CAP.confirmedCommit11) || session.hasCapability(CAP.confirmedCommit10)
      ? 'candidate-confirmed'
      : 'candidate';
  }
  if (session.hasCapability(CAP.writableRunning)) return 'running';
  throw new DcAgentError(
    'unsupported-platform',
    `${session.deviceId} offers neither :candidate nor :writable-running`,
    {
      details: { device: session.deviceId },
    },
  );
}

/** Reads one port's configuration from a datastore. */
export async function readPort(
  session: RpcChannel,
  platform: NetconfPlatform,
  port: string,
  source: Datastore = 'running',
  options: RpcOptions = {},
): Promise<PortConfigState> {
  const reply = await session.rpc(rpc.getConfig(source, platform.portFilter(port)), options);
  return platform.parsePort(dataOf(reply), port);
}

export async function runPortTransaction(
  session: RpcChannel,
  change: PortChange,
  options: TransactionOptions,
): Promise<TransactionResult> {
  // A pino child per transaction serialised its bindings every time, though most transactions
  // log one line at most: the success line carries them itself, and the rare paths that say more
  // (lock trouble, roll-back, unlock) make the child when they first need it.
  const base = options.logger ?? silentLogger;
  const at = { device: session.deviceId, port: change.port };
  let scoped: Logger | undefined;
  const log = (): Logger => {
    scoped ??= base.child(at);
    return scoped;
  };
  const call: RpcOptions = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.rpcTimeoutMs ? { timeoutMs: options.rpcTimeoutMs } : {}),
  };
  // Cleanup must still go out when the caller's signal has fired, so it does not carry it.
  const cleanupCall: RpcOptions = {
    timeoutMs: Math.min(options.rpcTimeoutMs ?? CLEANUP_TIMEOUT_MS, CLEANUP_TIMEOUT_MS),
  };
  const strategy = chooseStrategy(session);

  // Idempotence: nothing to send when running already matches.
  const before = await readPort(session, options.platform, change.port, 'running', call);
  if (satisfies(before, change.wanted)) {
    base.info({ ...at, strategy }, 'port already matches the intent; nothing sent');
    return { changed: false, verified: true, confirmedCommit: false, strategy, before, after: before };
  }

  const target: Datastore = strategy === 'running' ? 'running' : 'candidate';
  const errorOption = session.hasCapability(CAP.rollbackOnError) ? 'rollback-on-error' : undefined;
  await takeLock(session, target, call, options, log);
  let confirmPending = false;
  let editedCandidate = false;
  try {
    if (target === 'candidate') {
      // Leftovers of another session that did not clean up would be committed with our change.
      await session.rpc(rpc.discardChanges(), call);
    }
    await session.rpc(
      rpc.editConfig({
        target,
        config: change.payload,
        defaultOperation: 'merge',
        ...(errorOption ? { errorOption } : {}),
      }),
      call,
    );
    editedCandidate = target === 'candidate';
    if (target === 'candidate') {
      if (options.validateBeforeCommit) await session.rpc(rpc.validate('candidate'), call);
      await options.hooks?.beforeCommit?.();
      if (strategy === 'candidate-confirmed') {
        const confirmTimeout =
          options.platform.confirmTimeout?.(options.confirmTimeoutSeconds) ?? options.confirmTimeoutSeconds;
        await session.rpc(rpc.commit({ confirmed: true, confirmTimeout }), call);
        confirmPending = true;
        await options.hooks?.afterConfirmedCommit?.();
      } else {
        await session.rpc(rpc.commit(), call);
      }
      editedCandidate = false;
    }

    const after = await readPort(session, options.platform, change.port, 'running', call);
    if (!satisfies(after, change.wanted)) {
      throw new DcAgentError(
        'verify-failed',
        `${session.deviceId} acknowledged the change but running does not show it for ${change.port}`,
        {
          details: {
            device: session.deviceId,
            port: change.port,
            strategy,
            expected: renderPortConfig(change.wanted),
            actual: renderPortConfig(after),
          },
        },
      );
    }
    if (confirmPending) {
      await session.rpc(rpc.commit(), call);
      confirmPending = false;
    }
    await options.hooks?.afterCommit?.();
    base.info({ ...at, strategy }, 'port change committed and verified');
    return {
      changed: true,
      verified: true,
      confirmedCommit: strategy === 'candidate-confirmed',
      strategy,
      before,
      after,
    };
  } catch (err) {
    await rollBack(session, log, cleanupCall, { confirmPending, editedCandidate, target });
    throw err;
  } finally {
    try {
      await session.rpc(rpc.unlock(target), cleanupCall);
    } catch (err) {
      log().warn(
        { err: errorMessage(err) },
        `unlock ${target} failed; the device releases it when the session ends`,
      );
    }
  }
}

/**
 * Locks `target`. When the device refuses because another session holds the lock, and our
 * records show that session was opened by an agent (host) that has since lost the device lease,
 * that session is dead to us: kill it (RFC 6241 §7.9) and lock again, once. Any other holder (an
 * operator, a tool, a live agent) keeps its lock and the job gets lock-denied as before.
 */
async function takeLock(
  session: RpcChannel,
  target: Datastore,
  call: RpcOptions,
  options: TransactionOptions,
  log: () => Logger,
): Promise<void> {
  const { locks, lease } = options;
  if (locks && lease && session.sessionId !== undefined) {
    try {
      await locks.record(session.deviceId, session.sessionId, lease);
    } catch (err) {
      // Without the record a freeze of ours would only need the device's own timeout to clear.
      log().warn({ err: errorMessage(err) }, 'could not record the NETCONF session that takes the lock');
    }
  }
  let holder: number | undefined;
  try {
    await session.rpc(rpc.lock(target), call);
    return;
  } catch (err) {
    holder = lockHolder(err);
    if (holder === undefined || holder === session.sessionId || !locks) throw err;
    let stale = false;
    try {
      stale = await locks.isStale(session.deviceId, holder);
    } catch (lookup) {
      log().warn({ err: errorMessage(lookup), holder }, 'could not look up the lock holder; not killing it');
    }
    if (!stale) throw err;
    log().warn(
      { holder, target },
      'lock held by a session of an agent that lost its device lease; killing that session',
    );
  }
  await session.rpc(rpc.killSession(holder), call);
  await session.rpc(rpc.lock(target), call);
}

/** The session-id a lock-denied rpc-error names (RFC 6241 Appendix A: error-info session-id). */
function lockHolder(err: unknown): number | undefined {
  if (!isNetconfRpcError(err, 'lock-denied')) return undefined;
  for (const e of err.errors) {
    const raw = e.info?.['session-id'];
    const id = Number(Array.isArray(raw) ? raw[0] : raw);
    // 0 means "not a NETCONF session" (RFC 6241): the holder is outside NETCONF and cannot be killed.
    if (Number.isInteger(id) && id > 0) return id;
  }
  return undefined;
}

async function rollBack(
  session: RpcChannel,
  log: () => Logger,
  call: RpcOptions,
  state: { confirmPending: boolean; editedCandidate: boolean; target: Datastore },
): Promise<void> {
  if (state.confirmPending) {
    if (session.hasCapability(CAP.confirmedCommit11)) {
      try {
        await session.rpc(rpc.cancelCommit(), call);
        log().warn('confirmed commit cancelled; running is back to its previous configuration');
      } catch (err) {
        log().error(
          { err: errorMessage(err) },
          'cancel-commit failed; the confirm-timeout will roll running back',
        );
      }
    } else {
      log().warn(
        'device has no cancel-commit (confirmed-commit:1.0); the confirm-timeout will roll running back',
      );
    }
  }
  if (state.target === 'candidate') {
    try {
      await session.rpc(rpc.discardChanges(), call);
    } catch (err) {
      log().warn({ err: errorMessage(err), edited: state.editedCandidate }, 'discard-changes failed');
    }
  }
}
