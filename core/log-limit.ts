import type { Logger } from 'pino';

type Level = 'error' | 'warn' | 'info' | 'debug';

/**
 * At most one log line per kind per interval. An error that repeats because something outside
 * the agent is broken (a revoked ACL, a dead server) would otherwise write a line per attempt;
 * building and writing those lines is what turned one such fault into a hot loop that starved
 * the HTTP endpoints (issue 21). The first line of a kind is written at once; the lines in
 * between are counted and the count rides on the next line written.
 */
export class LogLimiter {
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    readonly intervalMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  log(level: Level, kind: string, fields: Record<string, unknown>, message: string): boolean {
    const now = this.clock();
    const seen = this.#last.get(kind);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return false;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.#last.set(kind, { at: now, suppressed: 0 });
    this.logger[level]({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
    return true;
  }

  warn(kind: string, fields: Record<string, unknown>, message: string): boolean {
    return this.log('warn', kind, fields, message);
  }

  /** Forgets a kind, so the next occurrence (a new outage after a recovery) is logged at once. */
  reset(kind: string): void {
    this.#last.delete(kind);
  }
}
