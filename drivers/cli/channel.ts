import type { Duplex } from 'node:stream';
import { DcAgentError, type ErrorOptions, type FailureCode, isDcAgentError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { type CliDialect, type Confirmation, matchPrompt, type PromptMatch } from './dialect.js';
import { TerminalLines } from './terminal.js';

/**
 * The prompt-driven channel (scrapli's channel layer): it types one command, reads what the
 * device draws until the device shows a prompt again, and returns the lines in between. Along
 * the way it answers pagers and expected questions, bounds the bytes it will hold, and gives
 * every command a deadline. A command the device refuses (an error line or a `^` marker)
 * rejects with the device's own text.
 *
 * After a timeout, an abort, an overflow or a dead transport the channel is out of step with the
 * device (the command may still be running), so it refuses every later command: only a new
 * session is known to be at a prompt.
 */

const RETURN = '\n';
/** Output between commands (log messages, a chatty banner) is dropped, but not held without end. */
const MAX_IDLE_PARTIAL = 64 * 1024;
const MARKER_LINE = /^\s*\^\s*$/;

export class CliCommandError extends DcAgentError {
  override readonly name = 'CliCommandError';
  readonly command: string;
  /** What the device printed for the command, echo and marker included. */
  readonly output: string;
  /** Just the refusal, as the device worded it. */
  readonly deviceText: string;

  constructor(
    code: Extract<FailureCode, 'rpc-error' | 'commit-failed'>,
    deviceId: string,
    command: string,
    deviceText: string,
    output: string,
    options: ErrorOptions = {},
  ) {
    super(code, `${deviceId} refused "${command}": ${deviceText}`, {
      ...options,
      details: { device: deviceId, command, deviceText, output, ...(options.details ?? {}) },
    });
    this.command = command;
    this.output = output;
    this.deviceText = deviceText;
  }
}

export interface CliChannelOptions {
  deviceId: string;
  dialect: CliDialect;
  /** Default deadline of one command, from typing it to the next prompt. */
  commandTimeoutMs: number;
  /** Most bytes one command's output may take. */
  maxOutputBytes: number;
  logger?: Logger;
}

export interface SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Questions this command may ask, with their answers. Anything else unexpected runs into the deadline. */
  confirm?: readonly Confirmation[];
  /** Return refused commands as results (with `refusal` set) instead of rejecting. */
  allowErrors?: boolean;
}

export interface CommandResult {
  command: string;
  /** Output lines after the echo, up to the prompt. */
  lines: string[];
  output: string;
  prompt: PromptMatch;
  /** Pager prompts answered on the way. */
  pages: number;
  /** The device's refusal, when allowErrors let it through. */
  refusal?: string;
}

interface Waiter {
  command: string;
  /** Initial prompt: nothing was typed, so no echo to wait for. */
  expectEcho: boolean;
  lines: string[];
  bytes: number;
  pages: number;
  confirm: readonly Confirmation[];
  allowErrors: boolean;
  resolve(r: CommandResult): void;
  reject(err: DcAgentError): void;
}

export class CliChannel {
  readonly #stream: Duplex;
  readonly #options: CliChannelOptions;
  readonly #dialect: CliDialect;
  readonly #log: Logger;
  readonly #decoder = new TextDecoder('utf-8');
  readonly #term = new TerminalLines();
  #waiter: Waiter | undefined;
  #broken: DcAgentError | undefined;
  #host: string | undefined;
  #prompt: PromptMatch | undefined;
  #bytesIn = 0;

  constructor(stream: Duplex, options: CliChannelOptions) {
    this.#stream = stream;
    this.#options = options;
    this.#dialect = options.dialect;
    this.#log = (options.logger ?? silentLogger).child({ device: options.deviceId });
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('error', (err: Error) =>
      this.destroy(
        new DcAgentError('unreachable', `CLI channel to ${options.deviceId} failed: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    // The device hanging up ends the readable side first; 'close' may come later or not at all.
    const hungUp = (): void =>
      this.destroy(new DcAgentError('unreachable', `${options.deviceId} closed the CLI session`));
    stream.on('end', hungUp);
    stream.on('close', hungUp);
  }

  /** The hostname learned from the first prompt; later prompts must carry it. */
  get host(): string | undefined {
    return this.#host;
  }

  /** The last prompt seen. */
  get prompt(): PromptMatch | undefined {
    return this.#prompt;
  }

  /** Why the channel is out of step, when it is. */
  get broken(): DcAgentError | undefined {
    return this.#broken;
  }

  get bytesIn(): number {
    return this.#bytesIn;
  }

  /**
   * Reads the login banner up to the first prompt, answering `questions` on the way, and learns
   * the hostname from it.
   */
  async waitForPrompt(
    options: Omit<SendOptions, 'allowErrors'> & { timeoutMs: number },
  ): Promise<PromptMatch> {
    const r = await this.#run('', false, options);
    if (this.#host === undefined) this.#host = r.prompt.view === undefined ? r.prompt.name : undefined;
    return r.prompt;
  }

  /** Types `command` and Enter, and resolves at the next prompt. */
  send(command: string, options: SendOptions = {}): Promise<CommandResult> {
    return this.#run(command, true, options);
  }

  /** Marks the channel unusable and fails the command in flight. Idempotent. */
  destroy(err: DcAgentError): void {
    if (!this.#broken) this.#broken = err;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.reject(err);
    }
  }

  #run(command: string, typed: boolean, options: SendOptions): Promise<CommandResult> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#waiter) {
      return Promise.reject(
        new DcAgentError('internal', `CLI channel to ${this.#options.deviceId} is busy with another command`),
      );
    }
    const timeoutMs = options.timeoutMs ?? this.#options.commandTimeoutMs;
    const signal = options.signal;
    return new Promise<CommandResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        const reason: unknown = signal?.reason;
        this.destroy(
          isDcAgentError(reason)
            ? reason
            : new DcAgentError('timeout', `command "${command}" on ${this.#options.deviceId} was aborted`, {
                cause: reason,
              }),
        );
      };
      const waiter: Waiter = {
        command,
        expectEcho: typed,
        lines: [],
        bytes: 0,
        pages: 0,
        confirm: options.confirm ?? [],
        allowErrors: options.allowErrors ?? false,
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      if (signal?.aborted) {
        reject(new DcAgentError('timeout', `command "${command}" on ${this.#options.deviceId} was aborted`));
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        const shown = this.#term.partial.slice(-200);
        this.destroy(
          new DcAgentError(
            'timeout',
            `no prompt from ${this.#options.deviceId} within ${timeoutMs} ms after ${typed ? `"${command}"` : 'login'}`,
            { details: { device: this.#options.deviceId, command, lastLine: shown } },
          ),
        );
      }, timeoutMs);
      this.#waiter = waiter;
      if (typed) {
        // Whatever arrived since the last prompt (a log message, say) is not this command's output.
        const stale = this.#term.takeLines();
        if (stale.length > 0)
          this.#log.debug({ lines: stale.length }, 'dropping CLI output between commands');
        this.#log.debug({ command }, 'CLI command');
        this.#write(command + RETURN);
      } else {
        this.#pump();
      }
    });
  }

  #write(text: string): void {
    if (this.#stream.writable) this.#stream.write(text);
  }

  #onData(chunk: Buffer): void {
    this.#bytesIn += chunk.length;
    const w = this.#waiter;
    if (w) {
      w.bytes += chunk.length;
      if (w.bytes > this.#options.maxOutputBytes) {
        this.destroy(
          new DcAgentError(
            'rpc-error',
            `output of "${w.command}" from ${this.#options.deviceId} exceeds maxOutputBytes (${this.#options.maxOutputBytes})`,
            { details: { device: this.#options.deviceId, command: w.command } },
          ),
        );
        return;
      }
    }
    this.#term.write(this.#decoder.decode(chunk, { stream: true }));
    if (w) this.#pump();
    else {
      this.#term.takeLines();
      if (this.#term.partial.length > MAX_IDLE_PARTIAL) this.#term.clearPartial();
    }
  }

  /** Looks at what the terminal shows now and acts on pagers, questions and prompts. */
  #pump(): void {
    const w = this.#waiter;
    if (!w) return;
    for (const l of this.#term.takeLines()) w.lines.push(l);
    const partial = this.#term.partial;
    if (partial === '') return;
    if (this.#dialect.pager.pattern.test(partial)) {
      this.#term.clearPartial();
      w.pages++;
      this.#write(this.#dialect.pager.answer);
      return;
    }
    for (const q of w.confirm) {
      if (q.pattern.test(partial)) {
        // The question stays in the record (as the operator would have seen it), the answer does not.
        w.lines.push(partial);
        this.#term.clearPartial();
        this.#write(q.answer + RETURN);
        return;
      }
    }
    // The echo of the command ends with a newline; a prompt before that is the old one redrawn.
    if (w.expectEcho && w.lines.length === 0) return;
    const prompt = matchPrompt(this.#dialect, partial, this.#host);
    if (!prompt) return;
    this.#waiter = undefined;
    this.#term.clearPartial();
    this.#prompt = prompt;
    const lines = w.expectEcho ? dropEcho(w.lines, w.command) : w.lines;
    const result: CommandResult = {
      command: w.command,
      lines,
      output: lines.join('\n'),
      prompt,
      pages: w.pages,
    };
    const refusal = refusalIn(this.#dialect, lines);
    if (refusal === undefined) {
      w.resolve(result);
    } else if (w.allowErrors) {
      w.resolve({ ...result, refusal });
    } else {
      w.reject(new CliCommandError('rpc-error', this.#options.deviceId, w.command, refusal, result.output));
    }
  }
}

/** Output after the echoed command line (`<prompt><command>`). */
function dropEcho(lines: readonly string[], command: string): string[] {
  const typed = command.trimEnd();
  // The echo is the first line unless the device put a notice before it; never look far.
  for (let i = 0; i < Math.min(lines.length, 3); i++) {
    if ((lines[i] ?? '').endsWith(typed)) return lines.slice(i + 1);
  }
  return [...lines];
}

/** The device's refusal in a command's output, or undefined when there is none. */
export function refusalIn(dialect: CliDialect, lines: readonly string[]): string | undefined {
  const hits: string[] = [];
  let marker = false;
  for (const l of lines) {
    if (MARKER_LINE.test(l)) marker = true;
    else if (dialect.errorPatterns.some((p) => p.test(l))) hits.push(l.trim());
  }
  if (hits.length > 0) return hits.join(' ');
  return marker ? `the device marked the command with '^': ${lines.join(' / ').trim()}` : undefined;
}
