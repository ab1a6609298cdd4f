import type { DeviceConfig } from '../../config/load.js';
import type { Platform } from '../../contract/port-types.js';
import { DcAgentError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import type {
  ApplyResult,
  CallOptions,
  DeviceDriver,
  Operation,
  Plan,
  PlanOptions,
  PlanValidation,
  PortConfigState,
  PortIntent,
  PortReading,
} from '../driver.js';
import {
  clearedState,
  countChanges,
  intendedState,
  satisfies,
  unifiedDiff,
  viewAfter,
  wantedState,
} from '../port-state.js';
import type { XmlFragment } from '../xml/xml.js';
import type { NetconfPlatform } from './platform.js';
import type { NetconfPool } from './pool.js';
import { dataOf } from './reply.js';
import * as rpc from './rpc.js';
import { CAP, type Datastore } from './rpc.js';
import { isNetconfRpcError, type RpcErrorInfo } from './rpc-error.js';
import type { NetconfSession } from './session.js';
import {
  chooseStrategy,
  type NetconfLockRecords,
  type PortChange,
  readPort,
  runPortTransaction,
  type TransactionOptions,
} from './transaction.js';

/**
 * DeviceDriver for NETCONF devices: the platform says what to send, the transaction how, the
 * pool over which session. The driver itself is the glue and the plan renderer.
 */

export interface NetconfDriverDeps {
  pool: NetconfPool;
  logger?: Logger;
  /** Whether `close()` also closes the pool (true when the factory made the pool for this driver). */
  ownsPool?: boolean;
  /** Passed through to every transaction (tests use it to inject faults). */
  transaction?: Pick<TransactionOptions, 'validateBeforeCommit' | 'hooks'>;
  /** Who took NETCONF locks, so a lock left by a holder that lost its device lease can be cleared. */
  locks?: NetconfLockRecords;
}

/** The result of `apply`/`clear` with the transaction's extra facts, for logs and tests. */
export interface NetconfApplyResult extends ApplyResult {
  strategy: string;
}

/** Sessions that passed a platform's capability check, and which platform's. */
const capabilitiesChecked = new WeakMap<NetconfSession, NetconfPlatform>();

export class NetconfDriver implements DeviceDriver {
  readonly deviceId: string;
  readonly platform: Platform;
  readonly #device: DeviceConfig;
  readonly #impl: NetconfPlatform;
  readonly #pool: NetconfPool;
  #logChild: Logger | undefined;
  readonly #deps: NetconfDriverDeps;

  constructor(device: DeviceConfig, platform: NetconfPlatform, deps: NetconfDriverDeps) {
    if (!device.netconf)
      throw new DcAgentError('unsupported-platform', `device ${device.id} has no netconf block`);
    this.deviceId = device.id;
    this.platform = platform.name;
    this.#device = device;
    this.#impl = platform;
    this.#pool = deps.pool;
    this.#deps = deps;
  }

  /** Made on first use: a driver is built per job, and most jobs never need it. */
  get #log(): Logger {
    this.#logChild ??= (this.#deps.logger ?? silentLogger).child({
      device: this.deviceId,
      platform: this.platform,
    });
    return this.#logChild;
  }

  #session<T>(fn: (s: NetconfSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#pool.withSession(
      this.#device,
      async (s) => {
        this.#checkCapabilities(s);
        return fn(s);
      },
      signal,
    );
  }

  #checkCapabilities(s: NetconfSession): void {
    // A session's hello never changes, so one pass per session and platform is enough.
    if (capabilitiesChecked.get(s) === this.#impl) return;
    const missing = this.#impl.requiredCapabilities.filter((c) => !s.hasCapability(c));
    // YANG 1.1 modules are not listed in the hello (RFC 7950 §5.6.4), only in the YANG library;
    // a server that points there may well implement the model, and a wrong model still fails
    // loudly at the first edit, so only a server without either is refused up front.
    const usesYangLibrary = s.serverCapabilities.some((c) =>
      c.startsWith('urn:ietf:params:netconf:capability:yang-library:'),
    );
    if (missing.length > 0 && !usesYangLibrary) {
      throw new DcAgentError(
        'unsupported-platform',
        `${this.deviceId} does not advertise ${missing.join(', ')}; is its platform really ${this.platform}?`,
        { details: { device: this.deviceId, missing } },
      );
    }
    capabilitiesChecked.set(s, this.#impl);
  }

  #change(operation: Operation, intentOrPort: PortIntent | string): PortChange {
    if (operation === 'provision') {
      const intent = intentOrPort as PortIntent;
      return { port: intent.port, payload: this.#impl.intentPayload(intent), wanted: intendedState(intent) };
    }
    const port = typeof intentOrPort === 'string' ? intentOrPort : intentOrPort.port;
    return { port, payload: this.#impl.clearPayload(port), wanted: clearedState(port) };
  }

  #transactionOptions(options: CallOptions): TransactionOptions {
    const nc = this.#device.netconf!;
    const { signal, lease } = options;
    return {
      platform: this.#impl,
      confirmTimeoutSeconds: nc.confirmTimeoutSeconds,
      logger: this.#log,
      rpcTimeoutMs: nc.rpcTimeoutMs,
      ...(signal ? { signal } : {}),
      ...(lease && this.#deps.locks ? { lease, locks: this.#deps.locks } : {}),
      ...(this.#deps.transaction ?? {}),
    };
  }

  async plan(operation: Operation, intent: PortIntent, options: PlanOptions = {}): Promise<Plan> {
    const change = this.#change(operation, operation === 'provision' ? intent : intent.port);
    const after = wantedState(operation, intent);
    const render = (target: Datastore): string =>
      rpc.editConfig({ target, config: change.payload, defaultOperation: 'merge' });
    if (options.offline) {
      // Without the device we cannot know its datastores; candidate is what every platform here prefers.
      return {
        operation,
        platform: this.platform,
        device: this.deviceId,
        port: change.port,
        rpc: render('candidate'),
        diff: '',
        changes: 0,
        after,
      };
    }
    return this.#session(async (s) => {
      const call = options.signal ? { signal: options.signal } : {};
      const target: Datastore = chooseStrategy(s) === 'running' ? 'running' : 'candidate';
      const before = await readPort(s, this.#impl, change.port, 'running', call);
      const merged = viewAfter(before, after, operation);
      const diff = unifiedDiff(this.deviceId, change.port, before, merged);
      const validation = options.validate
        ? await this.#testOnly(s, change.payload, options.signal)
        : undefined;
      return {
        operation,
        platform: this.platform,
        device: this.deviceId,
        port: change.port,
        rpc: render(target),
        diff,
        changes: countChanges(diff),
        before,
        after: merged,
        ...(validation ? { validation } : {}),
      };
    }, options.signal);
  }

  /**
   * `--validate`: edit-config test-option=test-only on the candidate. test-only applies nothing
   * (RFC 6241 §7.2), so we neither lock nor discard: a discard would throw away another session's
   * uncommitted candidate edits, and a lock would make plan fail while someone else is working.
   * A device without :validate:1.1 (test-only needs it) is refused with a clear error.
   */
  async #testOnly(s: NetconfSession, payload: XmlFragment, signal?: AbortSignal): Promise<PlanValidation> {
    if (!s.hasCapability(CAP.validate11) || !s.hasCapability(CAP.candidate)) {
      throw new DcAgentError(
        'unsupported-platform',
        `${this.deviceId} lacks :validate:1.1 with :candidate, so --validate cannot test the edit`,
      );
    }
    try {
      const reply = await s.rpc(
        rpc.editConfig({
          target: 'candidate',
          config: payload,
          defaultOperation: 'merge',
          testOption: 'test-only',
        }),
        signal ? { signal } : {},
      );
      // Warnings ride along with <ok/>; the engineer asked what the device said, so they are shown.
      const notes = reply.errors.map(describeRpcError);
      return { accepted: true, answer: [reply.ok ? '<ok/>' : 'a reply without <ok/>', ...notes].join('; ') };
    } catch (err) {
      // The device refusing the edit is the answer --validate exists for, not a failure of plan.
      // A lock held elsewhere (lock-denied) is no verdict on the edit, so it stays an error.
      if (isNetconfRpcError(err, 'rpc-error')) {
        return { accepted: false, answer: err.errors.map(describeRpcError).join('; ') || err.message };
      }
      throw err;
    }
  }

  // async so a payload the platform refuses becomes a rejection, never a synchronous throw.
  async apply(intent: PortIntent, options: CallOptions = {}): Promise<NetconfApplyResult> {
    return this.#run(this.#change('provision', intent), options);
  }

  async clear(port: string, options: CallOptions = {}): Promise<NetconfApplyResult> {
    return this.#run(this.#change('deprovision', port), options);
  }

  #run(change: PortChange, options: CallOptions): Promise<NetconfApplyResult> {
    const { signal } = options;
    return this.#session(async (s) => {
      const r = await runPortTransaction(s, change, this.#transactionOptions(options));
      return {
        changed: r.changed,
        verified: r.verified,
        confirmedCommit: r.confirmedCommit,
        strategy: r.strategy,
      };
    }, signal);
  }

  async verify(intent: PortIntent, options: CallOptions = {}): Promise<boolean> {
    const state = await this.readPortConfig(intent.port, options);
    return satisfies(state, intendedState(intent));
  }

  readPortConfig(port: string, options: CallOptions = {}): Promise<PortConfigState> {
    return this.#session(
      (s) => readPort(s, this.#impl, port, 'running', options.signal ? { signal: options.signal } : {}),
      options.signal,
    );
  }

  readPorts(ports: readonly string[], options: CallOptions = {}): Promise<PortReading[]> {
    const call = options.signal ? { signal: options.signal } : {};
    // One read for the whole device, however many ports: an audit of 20 ports is one RPC.
    return this.#session(async (s) => {
      const data = dataOf(await s.rpc(rpc.getConfig('running', this.#impl.allPortsFilter()), call));
      return ports.map((port) => {
        const state = this.#impl.parsePort(data, port);
        return { state, subinterfaces: state.exists ? this.#impl.listSubinterfaces(data, port) : [] };
      });
    }, options.signal);
  }

  listSubinterfaces(port: string, options: CallOptions = {}): Promise<string[]> {
    return this.#session(async (s) => {
      const reply = await s.rpc(
        rpc.getConfig('running', this.#impl.interfacesFilter()),
        options.signal ? { signal: options.signal } : {},
      );
      return this.#impl.listSubinterfaces(dataOf(reply), port);
    }, options.signal);
  }

  async close(): Promise<void> {
    if (this.#deps.ownsPool) await this.#pool.closeAll();
    else await this.#pool.closeDevice(this.deviceId);
  }
}

function describeRpcError(e: RpcErrorInfo): string {
  return `${e.severity} ${e.tag}${e.message ? `: ${e.message}` : ''}${e.path ? ` (at ${e.path})` : ''}`;
}
