import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { readRange } from '../../agent/events/stream.js';
import { AGENT_NODE_FLAGS } from '../../agent/node-flags.js';
import type { DcEvent } from '../../contract/events.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { BIN, ROOT } from './cli.js';

/** A `dcagent run` child process with its own config file and log. */
export class AgentProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly logPath: string,
    readonly configPath: string,
  ) {}

  static writeConfig(config: object, dir = mkdtempSync(join(tmpdir(), 'dcagent-agent-'))): string {
    const path = join(dir, 'agent.yaml');
    writeFileSync(path, stringify(config));
    return path;
  }

  /**
   * `launch`: node with the options the launcher's first line gives it (decision 0013; the
   * default), the launcher executed itself (its shebang), `npx dcagent` (CONTRACT §2), or plain
   * `node bin/dcagent.js`.
   */
  static start(
    configPath: string,
    env: Record<string, string> = {},
    args: string[] = [],
    launch: 'node-with-options' | 'launcher' | 'npx' | 'plain-node' = 'node-with-options',
  ): AgentProcess {
    const logPath = `${configPath}.${Date.now()}.log`;
    const fd = openSync(logPath, 'a');
    const run = ['run', '--config', configPath, ...args];
    // For the launcher, env finds this node first, the one the suite runs on.
    const path = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
    const byLauncher = launch === 'launcher' || launch === 'npx';
    const [command, argv]: [string, string[]] =
      launch === 'launcher'
        ? [BIN, run]
        : launch === 'npx'
          ? ['npx', ['--no-install', 'dcagent', ...run]]
          : [process.execPath, [...(launch === 'plain-node' ? [] : AGENT_NODE_FLAGS), BIN, ...run]];
    const child = spawn(command, argv, {
      cwd: ROOT,
      env: { ...process.env, ...(byLauncher ? { PATH: path } : {}), ...env },
      stdio: ['ignore', fd, fd],
    });
    return new AgentProcess(child, logPath, configPath);
  }

  log(): string {
    return readFileSync(this.logPath, 'utf8');
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Whether the process has ended. */
  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** How often `text` occurs in the log so far. */
  count(text: string): number {
    return this.log().split(text).length - 1;
  }

  /** The metrics/health base URL, from the `dcagent running` log line (so `httpPort: 0` works). */
  async httpUrl(timeoutMs = 20_000): Promise<string> {
    await this.waitForLog('dcagent running', timeoutMs);
    const m = /"http":"(http:\/\/[^"]+)"/.exec(this.log());
    if (!m?.[1]) throw new Error(`no http address in the agent log:\n${this.log().slice(-2000)}`);
    return m[1];
  }

  /** GET on the agent's HTTP server; a refused connection is status 0. */
  async http(path: string): Promise<{ status: number; body: string }> {
    try {
      const res = await fetch(`${await this.httpUrl()}${path}`, { signal: AbortSignal.timeout(5_000) });
      return { status: res.status, body: await res.text() };
    } catch {
      return { status: 0, body: '' };
    }
  }

  /** The sum of a Prometheus series' samples per value of `label` (e.g. a histogram's _count by device). */
  async metric(name: string, label: string): Promise<Map<string, number>> {
    const { body } = await this.http('/metrics');
    return sumByLabel(body, name, label);
  }

  /** Resolves with the exit code (or signal name) once the process has ended, without signalling it. */
  waitForExit(timeoutMs = 30_000): Promise<number | string> {
    if (this.exited) return Promise.resolve(this.child.exitCode ?? String(this.child.signalCode));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`agent still running after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.child.once('exit', (code, sig) => {
        clearTimeout(timer);
        resolve(code ?? String(sig));
      });
    });
  }

  async waitForLog(text: string, timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.log().includes(text)) return;
      if (this.child.exitCode !== null)
        throw new Error(`agent exited ${this.child.exitCode}:\n${this.log().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`agent log never showed ${JSON.stringify(text)}:\n${this.log().slice(-3000)}`);
  }

  /** Sends a signal and resolves with the exit code (or signal name) once the process has ended. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | string> {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      return this.child.exitCode ?? String(this.child.signalCode);
    const done = new Promise<number | string>((r) =>
      this.child.once('exit', (code, sig) => r(code ?? String(sig))),
    );
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await done;
    clearTimeout(timer);
    return result;
  }
}

/** Sums the samples of series `name` in Prometheus text, grouped by the value of `label`. */
export function sumByLabel(text: string, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const labels = m[1] ?? '';
    const value = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(labels)?.[1];
    if (value === undefined) continue;
    out.set(value, (out.get(value) ?? 0) + Number(m[2]));
  }
  return out;
}

/** Reads the event stream and waits for events of one connection. */
export class EventWatcher {
  private readonly redis: Redis;
  private readonly keys: RedisKeys;
  constructor(url: string, prefix: string, stream = 'events') {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2 });
    // While a test keeps Redis down on purpose, reconnect errors are expected, not unhandled.
    this.redis.on('error', () => {});
    this.keys = new RedisKeys(prefix, stream);
  }

  async all(subject?: string): Promise<DcEvent[]> {
    const out: DcEvent[] = [];
    let after = '-';
    for (;;) {
      const page = await readRange(this.redis, this.keys, after, 1000);
      out.push(...page.entries.map((e) => e.event).filter((e) => !subject || e.subject === subject));
      if (!page.last) return out;
      after = page.last;
    }
  }

  /** Waits until an event of `subject` matches `pred`; returns it. */
  async waitFor(subject: string, pred: (e: DcEvent) => boolean, timeoutMs = 30_000): Promise<DcEvent> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const hit = (await this.all(subject)).find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seen = (await this.all(subject)).map((e) => `${e.sequence}:${e.type}`).join(', ');
    throw new Error(`no matching event for ${subject} within ${timeoutMs} ms; saw: ${seen}`);
  }

  close(): void {
    this.redis.disconnect();
  }
}
