import { errorMessage } from '../core/errors.js';
import type { LogLimiter } from '../core/log-limit.js';
import { classifyRedisError } from './redis-access.js';

/** More errors than this within the window are a loop, whatever their kind. */
const BURST_LIMIT = 20;
const BURST_WINDOW_MS = 1_000;

export interface RedisGuardOptions {
  /** Runs the start-up permission check again; resolves when access is whole. */
  check(): Promise<void>;
  /** Stops taking jobs (without waiting for the ones in hand) while Redis refuses us. */
  pause(): Promise<void> | void;
  resume(): Promise<void> | void;
  /** Called once when only auth/permission errors were seen for `exitAfterMs`. */
  fatal(reason: string): void;
  log: LogLimiter;
  exitAfterMs: number;
  /** First and largest wait between re-checks. */
  minDelayMs?: number;
  maxDelayMs?: number;
  clock?: () => number;
}

/**
 * Keeps a Redis fault from spinning (CONTRACT §2). The first error from the job worker pauses
 * it and starts re-checking access with a growing delay; only a passing check resumes it. While
 * paused the agent is not ready. Authentication and permission errors do not heal by waiting,
 * so when nothing else has been seen for `exitAfterMs` the process gives up (exit 1) and lets
 * its supervisor and its alerts take over.
 */
export class RedisGuard {
  #degradedSince: number | undefined;
  /** Since when every error seen was an auth or permission error; undefined otherwise. */
  #authOnlySince: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #delay: number;
  #stopped = false;
  #fatal = false;
  #lastKind: string | undefined;
  #burstStart = 0;
  #burst = 0;
  private readonly clock: () => number;
  private readonly minDelay: number;
  private readonly maxDelay: number;

  constructor(private readonly o: RedisGuardOptions) {
    this.clock = o.clock ?? Date.now;
    this.minDelay = o.minDelayMs ?? 1_000;
    this.maxDelay = o.maxDelayMs ?? 10_000;
    this.#delay = this.minDelay;
  }

  /** Whether job processing runs normally (false while paused by a fault). */
  get healthy(): boolean {
    return this.#degradedSince === undefined;
  }

  /** The kind of the last fault, for readiness output. */
  get lastFault(): string | undefined {
    return this.healthy ? undefined : this.#lastKind;
  }

  /** An error from the worker or a Redis client: note it, and pause the worker if not paused yet. */
  report(source: string, err: unknown): void {
    if (this.#stopped || this.#fatal) return;
    const kind = classifyRedisError(err) ?? 'other';
    this.#lastKind = kind;
    this.o.log.warn(
      `${source}:${kind}`,
      { source, kind, err: errorMessage(err).split('\n')[0] },
      kind === 'auth' || kind === 'permission'
        ? `Redis refused the agent (${kind}); jobs paused until access is back`
        : `${source} error; backing off`,
    );
    const now = this.clock();
    if (kind === 'auth' || kind === 'permission') this.#authOnlySince ??= now;
    else this.#authOnlySince = undefined;
    this.#checkFatal(now);
    if (this.#degradedSince !== undefined) return;
    // A lone unexplained error (a job's lock lost in a race) is BullMQ's to handle; only a
    // burst of them, or any fault that waiting cannot fix by itself, pauses the worker.
    if (kind === 'other' || kind === 'unreachable') {
      if (now - this.#burstStart > BURST_WINDOW_MS) {
        this.#burstStart = now;
        this.#burst = 0;
      }
      if (++this.#burst < BURST_LIMIT) return;
    }
    this.#degradedSince = now;
    this.#delay = this.minDelay;
    void Promise.resolve(this.o.pause()).catch(() => {});
    this.#schedule();
  }

  #checkFatal(now: number): void {
    if (this.#fatal || this.#authOnlySince === undefined) return;
    const seconds = Math.round((now - this.#authOnlySince) / 1000);
    if (now - this.#authOnlySince >= this.o.exitAfterMs) {
      this.#fatal = true;
      this.stop();
      this.o.fatal(`only Redis authentication/permission errors for ${seconds} s`);
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#recheck(), this.#delay);
    this.#timer.unref();
    this.#delay = Math.min(this.#delay * 2, this.maxDelay);
  }

  async #recheck(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.o.check();
    } catch (err) {
      const kind = classifyRedisError(err) ?? 'other';
      const now = this.clock();
      if (kind === 'auth' || kind === 'permission') this.#authOnlySince ??= now;
      else this.#authOnlySince = undefined;
      this.#lastKind = kind;
      this.o.log.warn(
        `recheck:${kind}`,
        { kind, err: errorMessage(err).split('\n')[0] },
        'Redis access still failing',
      );
      this.#checkFatal(now);
      this.#schedule();
      return;
    }
    if (this.#stopped) return;
    const seconds = Math.round((this.clock() - (this.#degradedSince ?? this.clock())) / 1000);
    this.#degradedSince = undefined;
    this.#authOnlySince = undefined;
    this.#lastKind = undefined;
    this.o.log.log('info', 'restored', { pausedSeconds: seconds }, 'Redis access is back; jobs resumed');
    await Promise.resolve(this.o.resume()).catch((err: unknown) => this.report('worker', err));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
