// Over 400 lines: one NETCONF server state machine (sessions, locks, candidate, confirmed commit) whose RPCs all share that state.
import { type DefaultOperation, NETCONF_BASE_NS } from '../../drivers/netconf/rpc.js';
import {
  child,
  childText,
  el,
  fragment,
  parseXml,
  type XmlElement,
  type XmlFragment,
} from '../../drivers/xml/xml.js';
import type { InterfaceStatus } from '../model/switch.js';
import { asData, cloneTree, type DataNode, editTree, renderTree, sameTree } from './datastore.js';
import {
  badElement,
  inUse,
  isNetconfError,
  lockDenied,
  missingElement,
  NetconfError,
  notSupported,
  operationFailed,
  type RpcErrorSpec,
  renderRpcError,
} from './errors.js';
import { filterTree } from './filter.js';
import type { Hardware, LabPlatform } from './platform.js';

/**
 * The NETCONF side of one lab switch without any transport: running and candidate datastores,
 * locks, sessions, confirmed commit with its rollback timer, and one function that turns an
 * operation element into a reply body. The SSH server feeds it; unit tests call it directly.
 *
 * Behaviour follows RFC 6241 where it is precise, and netconfd (the interop peer) where it is
 * not. Where the lab chooses, the choice is written next to the code.
 */

type Target = 'running' | 'candidate';

export interface SessionHandle {
  /** Ends the session's transport (kill-session, reboot). */
  terminate(reason: string): void;
}

export interface RpcOutcome {
  /** The content of `<rpc-reply>`. */
  body: XmlFragment;
  /** True for close-session: the transport ends once the reply is out. */
  close?: boolean;
}

export interface NetconfDeviceOptions {
  platform: LabPlatform;
  hardware: Hardware;
  /** Physical port names, whose factory entries make up the first running datastore. */
  ports: readonly string[];
  /** Live interface state for `<get>`. */
  status(): InterfaceStatus[];
  /** Called after every change of running (commit, rollback, external change). */
  onRunningChange(running: readonly DataNode[], why: string): void;
}

interface PendingConfirm {
  /** Running as it was before the first confirmed commit of the chain. */
  rollback: DataNode[];
  session: number;
  persist?: string;
  timer: NodeJS.Timeout;
  deadline: number;
}

const DEFAULT_CONFIRM_TIMEOUT_S = 600;

export function configElement(payload: XmlFragment): XmlElement {
  return parseXml(el('config', { 'xmlns:nc': NETCONF_BASE_NS }, payload).xml);
}

export class NetconfDevice {
  readonly platform: LabPlatform;
  readonly #hardware: Hardware;
  readonly #status: () => InterfaceStatus[];
  readonly #onRunningChange: NetconfDeviceOptions['onRunningChange'];
  #running: DataNode[];
  /** Undefined while the candidate equals running (nobody edited it since the last commit). */
  #candidate: DataNode[] | undefined;
  #candidateEditor: number | undefined;
  /** Running as it was before the last commit that changed it: what `reboot(true)` comes back to. */
  #beforeLastCommit: DataNode[] | undefined;
  readonly #locks = new Map<Target, number>();
  readonly #sessions = new Map<number, SessionHandle>();
  #nextSessionId = 1;
  #confirm: PendingConfirm | undefined;

  constructor(o: NetconfDeviceOptions) {
    this.platform = o.platform;
    this.#hardware = o.hardware;
    this.#status = o.status;
    this.#onRunningChange = o.onRunningChange;
    let tree: DataNode[] = [];
    for (const port of o.ports)
      tree = editTree(tree, configElement(o.platform.factoryPort(port)), 'merge', o.platform.schema);
    this.#running = tree;
  }

  get running(): readonly DataNode[] {
    return this.#running;
  }

  get candidate(): readonly DataNode[] {
    return this.#candidate ?? this.#running;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Seconds left before a pending confirmed commit rolls back, or undefined. */
  get confirmPendingSeconds(): number | undefined {
    return this.#confirm ? Math.max(0, Math.ceil((this.#confirm.deadline - Date.now()) / 1000)) : undefined;
  }

  lockHolder(target: Target): number | undefined {
    return this.#locks.get(target);
  }

  openSession(handle: SessionHandle): number {
    const id = this.#nextSessionId++;
    this.#sessions.set(id, handle);
    return id;
  }

  /** The session is gone (closed, killed, dropped): release what it held. */
  endSession(id: number): void {
    if (!this.#sessions.delete(id)) return;
    const heldCandidate = this.#locks.get('candidate') === id;
    for (const [t, holder] of this.#locks) if (holder === id) this.#locks.delete(t);
    // RFC 6241 §8.3.1: a candidate lock released by session end discards the holder's changes.
    // The lab also drops unlocked edits left by a session that ended, so a client that died
    // mid-edit cannot wedge every later lock with lock-denied (the RFC leaves that case open).
    if (heldCandidate || (this.#candidateEditor === id && !this.#locks.has('candidate'))) {
      this.#candidate = undefined;
      this.#candidateEditor = undefined;
    }
    if (this.#confirm && this.#confirm.persist === undefined && this.#confirm.session === id) {
      this.#rollBack(`session ${id} ended before confirming its commit`);
    }
  }

  /**
   * Reboot: every session drops, a confirmed commit nobody confirmed is lost, running stays.
   * With `loseLastCommit` running also goes back to before the last commit (this switch has no
   * startup datastore: running is what a reboot keeps, so losing the save is losing the commit).
   */
  reboot(loseLastCommit = false): void {
    for (const [id, handle] of [...this.#sessions]) {
      handle.terminate('device reboot');
      this.endSession(id);
    }
    if (this.#confirm) this.#rollBack('device rebooted before the commit was confirmed');
    else if (loseLastCommit && this.#beforeLastCommit) {
      this.#setRunning(this.#beforeLastCommit, 'reboot lost the last commit');
    }
    this.#beforeLastCommit = undefined;
    this.#locks.clear();
    this.#candidate = undefined;
    this.#candidateEditor = undefined;
  }

  /**
   * A change made outside NETCONF (another operator on the CLI), committed at once. It lands in
   * running and, when someone has uncommitted edits, in the candidate too, so their commit
   * does not silently revert it.
   */
  applyExternal(payload: XmlFragment, why: string): void {
    this.applyExternalConfig(configElement(payload), why);
  }

  /** `applyExternal` for a `<config>` element already parsed. */
  applyExternalConfig(config: XmlElement, why: string): void {
    const schema = this.platform.schema;
    this.#setRunning(editTree(this.#running, config, 'merge', schema), why);
    if (this.#candidate) this.#candidate = editTree(this.#candidate, config, 'merge', schema);
  }

  stop(): void {
    if (this.#confirm) clearTimeout(this.#confirm.timer);
    this.#confirm = undefined;
  }

  /** Runs one operation for `session`; never throws. */
  rpc(session: number, op: XmlElement): RpcOutcome {
    try {
      return this.#dispatch(session, op);
    } catch (err) {
      const specs: readonly RpcErrorSpec[] = isNetconfError(err)
        ? err.specs
        : [
            {
              type: 'application',
              tag: 'operation-failed',
              message: `internal error: ${err instanceof Error ? err.message : String(err)}`,
            },
          ];
      return { body: fragment(...specs.map(renderRpcError)) };
    }
  }

  #dispatch(session: number, op: XmlElement): RpcOutcome {
    const ok: RpcOutcome = { body: el('ok') };
    switch (op.name) {
      case 'get-config': {
        const source = this.#datastore(op, 'source');
        const tree = source === 'running' ? this.#running : this.candidate;
        return this.#data(tree, op);
      }
      case 'get':
        return this.#data(this.platform.state(this.#running, this.#status()), op);
      case 'edit-config':
        this.#editConfig(session, op);
        return ok;
      case 'lock':
        this.#lock(session, this.#datastore(op, 'target'));
        return ok;
      case 'unlock':
        this.#unlock(session, this.#datastore(op, 'target'));
        return ok;
      case 'discard-changes':
        this.#checkLock(session, 'candidate');
        this.#candidate = undefined;
        this.#candidateEditor = undefined;
        return ok;
      case 'validate':
        this.#validate(op);
        return ok;
      case 'commit':
        this.#commit(session, op);
        return ok;
      case 'cancel-commit':
        this.#cancelCommit(session, childText(op, 'persist-id')?.trim());
        return ok;
      case 'close-session':
        return { ...ok, close: true };
      case 'kill-session':
        this.#killSession(session, op);
        return ok;
      case 'copy-config':
      case 'delete-config':
      case 'get-schema':
      case 'create-subscription':
        throw notSupported(`<${op.name}> on this device`);
      default:
        throw new NetconfError({
          type: 'protocol',
          tag: 'operation-not-supported',
          message: `unknown operation <${op.name}>`,
          info: { 'bad-element': op.name },
        });
    }
  }

  #datastore(op: XmlElement, param: 'source' | 'target'): Target {
    const holder = child(op, param);
    if (!holder) throw missingElement(param);
    const name = holder.children[0]?.name;
    if (name === 'running' || name === 'candidate') return name;
    if (name === 'url' || name === 'config') throw notSupported(`<${name}> as ${param} of <${op.name}>`);
    if (name === 'startup') throw notSupported('the startup datastore (no :startup capability)');
    throw badElement(param, `<${param}> must name running or candidate`);
  }

  #data(tree: readonly DataNode[], op: XmlElement): RpcOutcome {
    const filter = child(op, 'filter');
    if (filter && (filter.attrs.type ?? 'subtree') !== 'subtree') {
      throw new NetconfError({
        type: 'protocol',
        tag: 'bad-attribute',
        message: `filter type ${filter.attrs.type} needs the :xpath capability, which this device lacks`,
        info: { 'bad-attribute': 'type', 'bad-element': 'filter' },
      });
    }
    const selected = filter ? filterTree(tree, filter, this.platform.schema) : tree;
    return { body: el('data', undefined, renderTree(selected, this.platform.schema)) };
  }

  #checkLock(session: number, target: Target): void {
    const holder = this.#locks.get(target);
    if (holder !== undefined && holder !== session) throw inUse(target, holder);
  }

  #candidateDirty(): boolean {
    return this.#candidate !== undefined && !sameTree(this.#candidate, this.#running);
  }

  #lock(session: number, target: Target): void {
    const holder = this.#locks.get(target);
    if (holder !== undefined) throw lockDenied(target, holder);
    // RFC 6241 §8.3.5.1: no lock on a candidate holding someone's uncommitted changes.
    if (target === 'candidate' && this.#candidateDirty()) {
      const editor = this.#candidateEditor ?? 0;
      throw new NetconfError({
        type: 'protocol',
        tag: 'lock-denied',
        message: `the candidate holds uncommitted changes${editor ? ` of session ${editor}` : ''}; commit or discard them first`,
        info: { 'session-id': String(editor) },
      });
    }
    this.#locks.set(target, session);
  }

  #unlock(session: number, target: Target): void {
    if (this.#locks.get(target) !== session) {
      throw operationFailed(`the ${target} datastore is not locked by this session`, 'protocol');
    }
    this.#locks.delete(target);
  }

  #editConfig(session: number, op: XmlElement): void {
    const target = this.#datastore(op, 'target');
    if (target === 'running')
      throw notSupported('editing running directly (no :writable-running capability)');
    this.#checkLock(session, 'candidate');
    const defaultOperation = (childText(op, 'default-operation')?.trim() ?? 'merge') as DefaultOperation;
    if (!['merge', 'replace', 'none'].includes(defaultOperation)) {
      throw badElement('default-operation', `default-operation must be merge, replace or none`);
    }
    const testOption = childText(op, 'test-option')?.trim() ?? 'test-then-set';
    if (!['test-then-set', 'set', 'test-only'].includes(testOption)) {
      throw badElement('test-option', 'test-option must be test-then-set, set or test-only');
    }
    const errorOption = childText(op, 'error-option')?.trim();
    if (
      errorOption !== undefined &&
      !['stop-on-error', 'continue-on-error', 'rollback-on-error'].includes(errorOption)
    ) {
      throw badElement(
        'error-option',
        'error-option must be stop-on-error, continue-on-error or rollback-on-error',
      );
    }
    if (child(op, 'url')) throw notSupported('<url> in edit-config (no :url capability)');
    const config = child(op, 'config');
    if (!config) throw missingElement('config');
    // Edits apply to a copy, so any error leaves the candidate as it was (rollback-on-error).
    const next = editTree(this.candidate, config, defaultOperation, this.platform.schema);
    const problems = this.platform.check(
      next,
      this.#hardware,
      testOption === 'test-only' ? 'commit' : 'edit',
    );
    if (problems.length > 0) throw new NetconfError(problems);
    if (testOption === 'test-only') return;
    this.#candidate = next;
    this.#candidateEditor = session;
  }

  #validate(op: XmlElement): void {
    const source = child(op, 'source');
    const inline = child(source, 'config');
    const tree = inline
      ? editTree([], inline, 'merge', this.platform.schema)
      : this.#datastore(op, 'source') === 'running'
        ? this.#running
        : this.candidate;
    const problems = this.platform.check(tree, this.#hardware, 'commit');
    if (problems.length > 0) throw new NetconfError(problems);
  }

  #commit(session: number, op: XmlElement): void {
    this.#checkLock(session, 'running');
    this.#checkLock(session, 'candidate');
    const confirmed = child(op, 'confirmed') !== undefined;
    const persist = childText(op, 'persist')?.trim();
    const persistId = childText(op, 'persist-id')?.trim();
    const timeoutText = childText(op, 'confirm-timeout')?.trim();
    let timeoutS = DEFAULT_CONFIRM_TIMEOUT_S;
    if (timeoutText !== undefined) {
      if (!/^\d{1,10}$/.test(timeoutText) || Number(timeoutText) < 1 || Number(timeoutText) > 4_294_967_295) {
        throw new NetconfError({
          type: 'protocol',
          tag: 'invalid-value',
          message: `confirm-timeout must be a positive number of seconds, got ${JSON.stringify(timeoutText)}`,
          info: { 'bad-element': 'confirm-timeout' },
        });
      }
      timeoutS = Number(timeoutText);
    }
    const pending = this.#confirm;
    if (pending) {
      if (pending.persist !== undefined) {
        if (persistId !== pending.persist) {
          throw new NetconfError({
            type: 'protocol',
            tag: 'invalid-value',
            message:
              persistId === undefined
                ? 'a persistent confirmed commit is pending; give its persist-id to confirm or extend it'
                : 'persist-id does not match the pending confirmed commit',
            info: { 'bad-element': 'persist-id' },
          });
        }
      } else if (pending.session !== session) {
        throw new NetconfError({
          type: 'protocol',
          tag: 'in-use',
          message: `a confirmed commit of session ${pending.session} is pending; only that session can confirm it`,
          info: { 'session-id': String(pending.session) },
        });
      }
    } else if (persistId !== undefined) {
      throw new NetconfError({
        type: 'protocol',
        tag: 'invalid-value',
        message: 'persist-id given but no confirmed commit is pending',
        info: { 'bad-element': 'persist-id' },
      });
    }
    const next = this.candidate;
    const problems = this.platform.check(next, this.#hardware, 'commit');
    if (problems.length > 0) throw new NetconfError(problems);

    if (pending) clearTimeout(pending.timer);
    // A confirmed commit and the commit that confirms it are one change: both go back to the same point.
    this.#beforeLastCommit = pending?.rollback ?? this.#running;
    if (confirmed) {
      const rollback = pending?.rollback ?? this.#running;
      const timer = setTimeout(
        () => this.#rollBack(`confirmed commit not confirmed within ${timeoutS} s`),
        timeoutS * 1000,
      );
      timer.unref();
      this.#confirm = {
        rollback,
        session,
        timer,
        deadline: Date.now() + timeoutS * 1000,
        ...(persist !== undefined
          ? { persist }
          : pending?.persist !== undefined
            ? { persist: pending.persist }
            : {}),
      };
    } else {
      this.#confirm = undefined;
    }
    this.#candidate = undefined;
    this.#candidateEditor = undefined;
    this.#setRunning(
      cloneTree(next),
      confirmed ? 'confirmed commit' : pending ? 'confirming commit' : 'commit',
    );
  }

  #cancelCommit(session: number, persistId: string | undefined): void {
    const pending = this.#confirm;
    if (!pending) throw operationFailed('no confirmed commit is pending', 'protocol');
    if (pending.persist !== undefined ? persistId !== pending.persist : pending.session !== session) {
      throw new NetconfError({
        type: 'protocol',
        tag: 'invalid-value',
        message:
          pending.persist !== undefined
            ? 'persist-id does not match the pending confirmed commit'
            : `the pending confirmed commit belongs to session ${pending.session}`,
        info: { 'bad-element': 'persist-id' },
      });
    }
    this.#rollBack('cancel-commit');
  }

  #rollBack(why: string): void {
    const pending = this.#confirm;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#confirm = undefined;
    // The candidate goes back too: what it held was the change being undone.
    this.#candidate = undefined;
    this.#candidateEditor = undefined;
    // The last commit is undone already; the one before it was not recorded.
    this.#beforeLastCommit = undefined;
    this.#setRunning(pending.rollback, `rollback: ${why}`);
  }

  #killSession(session: number, op: XmlElement): void {
    const text = childText(op, 'session-id')?.trim();
    if (text === undefined) throw missingElement('session-id');
    const id = Number(text);
    if (!/^\d+$/.test(text) || id === session || !this.#sessions.has(id)) {
      throw new NetconfError({
        type: 'protocol',
        tag: 'invalid-value',
        message:
          id === session ? 'a session cannot kill itself; use close-session' : `there is no session ${text}`,
        info: { 'bad-element': 'session-id' },
      });
    }
    this.#sessions.get(id)?.terminate(`killed by session ${session}`);
    this.endSession(id);
  }

  #setRunning(tree: DataNode[], why: string): void {
    this.#running = tree;
    this.#onRunningChange(this.#running, why);
  }

  /** The running datastore as the drivers' parsers read a `<data>` reply. */
  runningAsData(): XmlElement {
    return asData(this.#running);
  }
}
