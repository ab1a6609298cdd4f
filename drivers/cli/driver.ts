// Over 400 lines: one class, the CLI change transaction (read, type, commit, read back, save, restore), kept whole.
import type { DeviceConfig } from '../../config/load.js';
import type { Platform } from '../../contract/port-types.js';
import { DcAgentError, errorMessage, isDcAgentError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import type {
  ApplyResult,
  CallOptions,
  DeviceDriver,
  Operation,
  Plan,
  PlanOptions,
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
} from '../port-state.js';
import { CliCommandError } from './channel.js';
import {
  assertSendable,
  type CliDialect,
  changeSession,
  descriptionIssues,
  type PortTarget,
  parsePortConfig,
  parseSubinterfaces,
  portLines,
  render,
  renderDialectPortConfig,
} from './dialect.js';
import { CliSession, type ShellOpener } from './session.js';

/**
 * DeviceDriver for devices configured by typing (CLI over SSH). The dialect says what to type;
 * this class decides when: read the port, compare, change only what differs, commit where the
 * device has a commit, read back, save. A refusal in the middle puts the port back as it was
 * (two-stage: drop the uncommitted changes; otherwise type the old lines again).
 *
 * CLI has no confirmed commit, so the safety net is the read-back plus the restore, and
 * `confirmedCommit` is always false.
 */

export interface CliDriverDeps {
  logger?: Logger;
  /** How shells are opened; tests inject faults here. */
  openShell?: ShellOpener;
}

export class CliDriver implements DeviceDriver {
  readonly deviceId: string;
  readonly platform: Platform;
  readonly #device: DeviceConfig;
  readonly #dialect: CliDialect;
  readonly #log: Logger;
  readonly #deps: CliDriverDeps;
  #session: CliSession | undefined;
  /** One conversation at a time: a CLI session is a single cursor. */
  #queue: Promise<unknown> = Promise.resolve();
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #idleCloseMs: number;
  #closed = false;

  constructor(device: DeviceConfig, dialect: CliDialect, deps: CliDriverDeps = {}) {
    if (!device.cli) throw new DcAgentError('unsupported-platform', `device ${device.id} has no cli block`);
    this.deviceId = device.id;
    this.platform = dialect.name;
    this.#device = device;
    this.#dialect = dialect;
    this.#deps = deps;
    this.#idleCloseMs = device.cli.idleCloseSeconds * 1000;
    this.#log = (deps.logger ?? silentLogger).child({ device: device.id, platform: dialect.name });
  }

  // --- DeviceDriver -------------------------------------------------------------------------

  async plan(operation: Operation, intent: PortIntent, options: PlanOptions = {}): Promise<Plan> {
    const port = intent.port;
    const { target, wanted } =
      operation === 'provision' ? this.#provisionTarget(intent) : this.#clearTarget(port);
    if (options.validate) {
      throw new DcAgentError(
        'unsupported-platform',
        `${this.platform} has no test-only edit; plan without --validate`,
      );
    }
    const base = { operation, platform: this.platform, device: this.deviceId, port };
    if (options.offline) {
      const lines = portLines(this.#dialect, target);
      return {
        ...base,
        rpc: this.#script(port, lines, this.#dialect.twoStage.offline),
        diff: '',
        changes: 0,
        after: wanted,
      };
    }
    return this.#exclusive(async (s) => {
      const call = callOf(options);
      const before = await this.#read(s, port, call);
      const after = viewAfter(before, wanted, operation);
      const diff = unifiedDiff(this.deviceId, port, before, after, (state) =>
        renderDialectPortConfig(this.#dialect, state),
      );
      const lines = satisfies(before, wanted) ? [] : portLines(this.#dialect, target, before);
      const twoStage = lines.length > 0 ? await this.#probeTwoStage(s, call) : false;
      return {
        ...base,
        rpc: lines.length > 0 ? this.#script(port, lines, twoStage) : '',
        diff,
        changes: countChanges(diff),
        before,
        after,
      };
    }, options.signal);
  }

  async apply(intent: PortIntent, options: CallOptions = {}): Promise<ApplyResult> {
    const { target, wanted } = this.#provisionTarget(intent);
    return this.#change(intent.port, target, wanted, options);
  }

  async clear(port: string, options: CallOptions = {}): Promise<ApplyResult> {
    const { target, wanted } = this.#clearTarget(port);
    return this.#change(port, target, wanted, options);
  }

  async verify(intent: PortIntent, options: CallOptions = {}): Promise<boolean> {
    const state = await this.readPortConfig(intent.port, options);
    return satisfies(state, intendedState(intent));
  }

  async readPortConfig(port: string, options: CallOptions = {}): Promise<PortConfigState> {
    assertSendable(this.#dialect, port);
    return this.#exclusive((s) => this.#read(s, port, callOf(options)), options.signal);
  }

  async readPorts(ports: readonly string[], options: CallOptions = {}): Promise<PortReading[]> {
    for (const port of ports) assertSendable(this.#dialect, port);
    const call = callOf(options);
    // One command for the whole device, however many ports: an audit of 20 ports is one exchange.
    return this.#exclusive(async (s) => {
      const output = (await s.send(this.#dialect.commands.showAllPorts, call)).output;
      return ports.map((port) => {
        const state = parsePortConfig(this.#dialect, output, port);
        return { state, subinterfaces: state.exists ? parseSubinterfaces(output, port) : [] };
      });
    }, options.signal);
  }

  async listSubinterfaces(port: string, options: CallOptions = {}): Promise<string[]> {
    assertSendable(this.#dialect, port);
    return this.#exclusive(async (s) => {
      const r = await s.send(this.#dialect.commands.listInterfaces, callOf(options));
      return parseSubinterfaces(r.output, port);
    }, options.signal);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    await this.#queue.catch(() => {});
    this.#session?.close();
    this.#session = undefined;
  }

  // --- the change ---------------------------------------------------------------------------

  #clearTarget(port: string): { target: PortTarget; wanted: PortConfigState } {
    assertSendable(this.#dialect, port);
    return { target: { enabled: false }, wanted: clearedState(port) };
  }

  /** What the intent asks of the port, refused with invalid-job before anything is sent. */
  #provisionTarget(intent: PortIntent): { target: PortTarget; wanted: PortConfigState } {
    const description = intent.description === '' ? undefined : intent.description;
    assertSendable(this.#dialect, intent.port, description);
    return {
      target: { ...(description !== undefined ? { description } : {}), enabled: intent.enabled },
      wanted: intendedState(intent),
    };
  }

  #change(
    port: string,
    target: PortTarget,
    wanted: PortConfigState,
    options: CallOptions,
  ): Promise<ApplyResult> {
    return this.#exclusive(async (s) => {
      const call = callOf(options);
      const before = await this.#read(s, port, call);
      if (!before.exists) {
        throw new DcAgentError('rpc-error', `${this.deviceId} shows no configuration for interface ${port}`, {
          details: { device: this.deviceId, port },
        });
      }
      if (satisfies(before, wanted)) return { changed: false, verified: true, confirmedCommit: false };
      const lines = portLines(this.#dialect, target, before);
      await this.#configure(s, port, lines, before, call);
      const after = await this.#read(s, port, call);
      if (!satisfies(after, wanted)) {
        const restored = await this.#restore(s, port, before, true);
        throw new DcAgentError(
          'verify-failed',
          `${this.deviceId} accepted the change to ${port} but reads back ${describe(after)}, not ${describe(wanted)}${restored ? '' : '; restoring the previous configuration failed'}`,
          { details: { device: this.deviceId, port, restored } },
        );
      }
      try {
        await s.send(this.#dialect.commands.save, call);
      } catch (err) {
        // Unsaved, the change would vanish at the next reload while the job says it is done; put
        // the port back so a retry redoes (and saves) the whole change.
        const restored = await this.#restore(s, port, before, true);
        throw new DcAgentError(
          'commit-failed',
          `${this.deviceId} could not save the configuration: ${errorMessage(err)}${restored ? ' (change undone)' : '; restoring the previous configuration failed'}`,
          { cause: err, details: { device: this.deviceId, port, restored } },
        );
      }
      return { changed: true, verified: true, confirmedCommit: false };
    }, options.signal);
  }

  /** Configuration mode, the port's lines, commit where there is one, and out. Restores on failure. */
  async #configure(
    s: CliSession,
    port: string,
    lines: readonly string[],
    before: PortConfigState,
    call: CallOptions,
  ): Promise<void> {
    const c = this.#dialect.commands;
    let committed = false;
    let entered = false;
    try {
      const p = (await s.send(c.enterConfig, call)).prompt;
      entered = true;
      this.#noteStage(s, p.mode === 'config' ? p.stage : undefined);
      if (p.mode !== 'config') throw this.#lost(c.enterConfig.command, p.text);
      const pi = (await s.send(c.interface, call, { port })).prompt;
      if (pi.mode !== 'config' || pi.view === undefined || pi.view === 'config') {
        throw this.#lost(render(c.interface, { port }), pi.text);
      }
      for (const line of lines) await s.channel.send(line, call);
      if (s.twoStage && c.commit) {
        try {
          await s.send(c.commit, call);
        } catch (err) {
          throw err instanceof CliCommandError
            ? new CliCommandError('commit-failed', this.deviceId, err.command, err.deviceText, err.output)
            : err;
        }
        committed = true;
      }
      const out = (await s.send(c.exitConfig, call)).prompt;
      if (out.mode === 'config') throw this.#lost(c.exitConfig.command, out.text);
    } catch (err) {
      if (!entered) throw err;
      const restored = await this.#restore(s, port, before, committed);
      this.#log.warn({ port, err: errorMessage(err), restored }, 'CLI change failed');
      if (restored || !isDcAgentError(err)) throw err;
      throw new DcAgentError(err.code, `${err.message}; restoring the previous configuration also failed`, {
        cause: err,
        retryable: err.retryable,
        details: { ...err.details, restored: false },
      });
    }
  }

  /**
   * Puts the port back to `before`. Uncommitted two-stage changes are dropped; anything already
   * in effect is typed back line by line. A channel that is out of step is abandoned, and the
   * restore runs on a new session (a dropped session also discards a two-stage candidate).
   * Returns whether the port is known to be back.
   */
  async #restore(s: CliSession, port: string, before: PortConfigState, committed: boolean): Promise<boolean> {
    const pendingOnly = s.twoStage === true && !committed;
    try {
      if (s.closed) {
        s.close();
        if (this.#session === s) this.#session = undefined;
        if (pendingOnly) return true;
        const fresh = await this.#open();
        try {
          return await this.#retype(fresh, port, before);
        } finally {
          fresh.close();
        }
      }
      if (pendingOnly && this.#dialect.commands.abort) {
        const r = await s.send(this.#dialect.commands.abort);
        return r.prompt.mode !== 'config';
      }
      return await this.#retype(s, port, before);
    } catch (err) {
      this.#log.error({ port, err: errorMessage(err) }, 'restoring the previous port configuration failed');
      return false;
    }
  }

  async #retype(s: CliSession, port: string, before: PortConfigState): Promise<boolean> {
    const c = this.#dialect.commands;
    const safe =
      before.description === undefined || descriptionIssues(this.#dialect, before.description).length === 0;
    const old: PortTarget = {
      ...(before.description !== undefined && safe ? { description: before.description } : {}),
      enabled: before.enabled ?? this.#dialect.config.defaultEnabled,
    };
    // Without its old text we would clear a description that was there; leave it as it is now.
    const lines = portLines(this.#dialect, old).filter((l) => safe || l !== render(c.noDescription));
    if (s.channel.prompt?.mode !== 'config') {
      const p = (await s.send(c.enterConfig)).prompt;
      this.#noteStage(s, p.stage);
    }
    await s.send(c.interface, {}, { port });
    for (const line of lines) await s.channel.send(line);
    if (s.twoStage && c.commit) await s.send(c.commit);
    await s.send(c.exitConfig);
    return safe;
  }

  /** Whether the device commits in two stages, asked by entering configuration and leaving at once. */
  async #probeTwoStage(s: CliSession, call: CallOptions): Promise<boolean> {
    if (s.twoStage !== undefined) return s.twoStage;
    if (this.#dialect.twoStage.marks.length === 0) return false;
    const p = (await s.send(this.#dialect.commands.enterConfig, call)).prompt;
    this.#noteStage(s, p.stage);
    await s.send(this.#dialect.commands.exitConfig, call);
    return s.twoStage ?? false;
  }

  #noteStage(s: CliSession, stage: string | undefined): void {
    s.twoStage = stage !== undefined && this.#dialect.twoStage.marks.includes(stage);
  }

  #lost(command: string, prompt: string): DcAgentError {
    return new DcAgentError(
      'rpc-error',
      `${this.deviceId} is not where "${command}" should lead (prompt ${prompt})`,
      {
        details: { device: this.deviceId, command, prompt },
      },
    );
  }

  async #read(s: CliSession, port: string, call: CallOptions): Promise<PortConfigState> {
    const r = await s.send(this.#dialect.commands.showPort, call, { port });
    return parsePortConfig(this.#dialect, r.output, port);
  }

  /** The lines plan shows: the configuration session and the save. */
  #script(port: string, lines: readonly string[], twoStage: boolean): string {
    return [...changeSession(this.#dialect, port, lines, twoStage), render(this.#dialect.commands.save)].join(
      '\n',
    );
  }

  // --- sessions -----------------------------------------------------------------------------

  #open(signal?: AbortSignal): Promise<CliSession> {
    return CliSession.open(this.#device, this.#dialect, {
      logger: this.#log,
      ...(signal ? { signal } : {}),
      ...(this.#deps.openShell ? { openShell: this.#deps.openShell } : {}),
    });
  }

  /**
   * Runs `fn` on the device's session, one call at a time, logging in first when there is none.
   * Any failure ends the session: after a refusal or a timeout only a fresh login is known to be
   * at a clean prompt (and on two-stage devices, logging out drops anything uncommitted).
   */
  #exclusive<T>(fn: (s: CliSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.#closed) throw new DcAgentError('lifecycle', `the CLI driver for ${this.deviceId} is closed`);
      clearTimeout(this.#idleTimer);
      let s = this.#session;
      if (!s || s.closed) {
        s?.close();
        s = await this.#open(signal);
        this.#session = s;
      }
      try {
        return await fn(s);
      } catch (err) {
        s.close();
        if (this.#session === s) this.#session = undefined;
        throw err;
      } finally {
        this.#armIdle();
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result;
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#session?.close();
      this.#session = undefined;
    }, this.#idleCloseMs);
    this.#idleTimer.unref();
  }
}

function callOf(options: CallOptions): CallOptions {
  return options.signal ? { signal: options.signal } : {};
}

function describe(state: PortConfigState): string {
  return JSON.stringify({ description: state.description ?? null, enabled: state.enabled ?? null });
}
