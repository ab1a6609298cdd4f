import type { DeviceConfig } from '../../config/load.js';
import { DcAgentError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import {
  openShell,
  type PtyOptions,
  type SshChannel,
  type SshTarget,
  sshTargetFrom,
} from '../transport/ssh.js';
import { CliChannel, type CommandResult, type SendOptions } from './channel.js';
import { type CliDialect, type CommandSpec, type PromptMatch, render } from './dialect.js';

/**
 * One logged-in CLI session: the SSH shell, the channel on it, and what login taught us (the
 * hostname, whether configuration is two-stage). Login reads past the banner to the first
 * prompt, climbs to the dialect's exec mode, and turns paging off.
 */

// Wide enough that no command or config line we handle is ever wrapped or scrolled sideways by
// the device's line editor (IOS's maximum terminal width is 512).
export const CLI_PTY: PtyOptions = { term: 'vt100', cols: 511, rows: 24 };

export type ShellOpener = typeof openShell;

export function cliSshTarget(device: DeviceConfig): SshTarget {
  const cli = device.cli;
  if (!cli) throw new DcAgentError('unsupported-platform', `device ${device.id} has no cli settings`);
  return sshTargetFrom(device.id, device.host, cli);
}

export class CliSession {
  readonly channel: CliChannel;
  readonly #ssh: SshChannel;
  readonly #dialect: CliDialect;
  /** Learned on the first entry into configuration; undefined until then. */
  twoStage: boolean | undefined;
  #closed = false;

  private constructor(ssh: SshChannel, channel: CliChannel, dialect: CliDialect) {
    this.#ssh = ssh;
    this.channel = channel;
    this.#dialect = dialect;
  }

  static async open(
    device: DeviceConfig,
    dialect: CliDialect,
    options: { logger?: Logger; signal?: AbortSignal; openShell?: ShellOpener } = {},
  ): Promise<CliSession> {
    const cli = device.cli;
    if (!cli) throw new DcAgentError('unsupported-platform', `device ${device.id} has no cli settings`);
    const log = (options.logger ?? silentLogger).child({ device: device.id, platform: dialect.name });
    const ssh = await (options.openShell ?? openShell)(cliSshTarget(device), CLI_PTY, {
      logger: log,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const channel = new CliChannel(ssh.stream, {
      deviceId: device.id,
      dialect,
      commandTimeoutMs: cli.rpcTimeoutMs,
      maxOutputBytes: cli.maxOutputBytes,
      logger: log,
    });
    ssh.onClose((err) =>
      channel.destroy(err ?? new DcAgentError('unreachable', `SSH connection to ${device.id} closed`)),
    );
    const session = new CliSession(ssh, channel, dialect);
    try {
      const call = options.signal ? { signal: options.signal } : {};
      await channel.waitForPrompt({
        timeoutMs: cli.connectTimeoutMs,
        confirm: dialect.loginQuestions,
        ...call,
      });
      // One empty line proves the prompt is live and not text in a banner.
      let prompt = (await channel.send('', call)).prompt;
      if (prompt.mode === 'config') prompt = (await session.send(dialect.commands.exitConfig, call)).prompt;
      if (prompt.mode === 'user' && dialect.execMode === 'privileged') {
        prompt = await session.#enable(device, call);
      }
      if (prompt.mode !== dialect.execMode) {
        throw new DcAgentError(
          'auth-failed',
          `${device.id} did not give a ${dialect.execMode} prompt: ${prompt.text}`,
        );
      }
      for (const cmd of dialect.sessionSetup) {
        const r = await channel.send(cmd, { ...call, allowErrors: true });
        // Paging left on is survivable (the channel answers pagers); say so and carry on.
        if (r.refusal) log.warn({ command: cmd, refusal: r.refusal }, 'CLI session setup command refused');
      }
      return session;
    } catch (err) {
      session.close();
      throw err;
    }
  }

  async #enable(device: DeviceConfig, call: SendOptions): Promise<PromptMatch> {
    const enable = this.#dialect.enable;
    if (!enable)
      throw new DcAgentError('internal', `${this.#dialect.name} has no way to enter privileged exec`);
    // The login password doubles as the enable secret: the inventory has no separate one, and
    // devices set up for automation usually give the account privilege 15 directly.
    const secret = device.cli?.credentials.password?.reveal() ?? '';
    const r = await this.channel.send(enable.command, {
      ...call,
      allowErrors: true,
      confirm: [{ pattern: enable.passwordPrompt, answer: secret }],
    });
    if (r.prompt.mode !== 'privileged') {
      throw new DcAgentError(
        'auth-failed',
        `${device.id} refused privileged exec ("${enable.command}"); give the account privilege 15 or an enable secret equal to its password`,
        { details: { device: device.id } },
      );
    }
    return r.prompt;
  }

  get closed(): boolean {
    return this.#closed || this.channel.broken !== undefined;
  }

  /** Sends a dialect command (answering its expected questions). */
  send(
    spec: CommandSpec,
    options: SendOptions = {},
    values: { port?: string; text?: string } = {},
  ): Promise<CommandResult> {
    return this.channel.send(render(spec, values), {
      ...options,
      confirm: [...(spec.confirm ?? []), ...(options.confirm ?? [])],
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.channel.destroy(new DcAgentError('unreachable', 'CLI session closed'));
    this.#ssh.close();
  }
}
