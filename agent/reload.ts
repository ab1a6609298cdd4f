import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Counter } from 'prom-client';
import type { AgentConfig, DeviceConfig } from '../config/load.js';
import { ConfigError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Secret } from '../core/secret.js';
import type { Metrics } from './metrics.js';

/**
 * What a reload would change (CONTRACT §6). Only the inventory (`devices`) changes at run time;
 * any other setting that differs is named in `restartOnly` and refuses the whole reload.
 */
export interface ConfigDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** Dotted paths of settings outside `devices` that differ. */
  restartOnly: string[];
}

/**
 * A comparable copy: secrets become a hash of their value (a new password is a change, and the
 * value never leaves this function), buffers likewise.
 */
function comparable(v: unknown): unknown {
  if (v instanceof Secret) return `secret:${sha(v.reveal())}`;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `bytes:${sha(Buffer.from(v))}`;
  if (Array.isArray(v)) return v.map(comparable);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, comparable((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function fingerprint(v: unknown): string {
  return JSON.stringify(comparable(v)) ?? 'undefined';
}

/** Leaf paths where two plain trees differ (a whole subtree when one side is not an object). */
function differingPaths(a: unknown, b: unknown, at: string, out: string[]): void {
  const isObj = (x: unknown): x is Record<string, unknown> =>
    x !== null && typeof x === 'object' && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      differingPaths(a[k], b[k], at ? `${at}.${k}` : k, out);
    }
    return;
  }
  if (fingerprint(a) !== fingerprint(b)) out.push(at);
}

export function diffConfigs(old: AgentConfig, next: AgentConfig): ConfigDiff {
  const { devices: oldDevices, source: _s1, ...oldRest } = old;
  const { devices: nextDevices, source: _s2, ...nextRest } = next;
  const restartOnly: string[] = [];
  differingPaths(comparable(oldRest), comparable(nextRest), '', restartOnly);
  const before = new Map<string, DeviceConfig>(oldDevices.map((d) => [d.id, d]));
  const after = new Map<string, DeviceConfig>(nextDevices.map((d) => [d.id, d]));
  const added = [...after.keys()].filter((id) => !before.has(id));
  const removed = [...before.keys()].filter((id) => !after.has(id));
  const changed = [...after.keys()].filter((id) => {
    const b = before.get(id);
    return b !== undefined && fingerprint(b) !== fingerprint(after.get(id));
  });
  return { added, removed, changed, restartOnly };
}

export function isEmptyDiff(d: ConfigDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length + d.restartOnly.length === 0;
}

export type ReloadResult = 'applied' | 'unchanged' | 'invalid' | 'restart-required' | 'failed';

export interface ReloaderDeps {
  /** Reads and validates the file; throws ConfigError with one issue per problem. */
  load(): AgentConfig;
  current(): AgentConfig;
  /** Puts the new inventory to use. */
  apply(next: AgentConfig, diff: ConfigDiff): void;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * One reload (SIGHUP or `run --watch-config`): load, refuse or apply, one log line for the outcome
 * (plus one per problem). It never throws: a bad file must not end a running agent.
 */
export class ConfigReloader {
  private readonly counter: Counter<'result'> | undefined;

  constructor(private readonly deps: ReloaderDeps) {
    this.counter = deps.metrics
      ? new Counter({
          name: 'dcagent_config_reloads_total',
          help: 'Config reloads (SIGHUP, --watch-config) by result: applied, unchanged, invalid, restart-required, failed',
          labelNames: ['result'],
          registers: [deps.metrics.registry],
        })
      : undefined;
  }

  reload(trigger: string): ReloadResult {
    const result = this.attempt(trigger);
    this.counter?.inc({ result });
    return result;
  }

  private attempt(trigger: string): ReloadResult {
    const log = this.deps.logger;
    let next: AgentConfig;
    try {
      next = this.deps.load();
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const i of err.issues)
          log.error({ trigger, path: i.path }, `config reload: ${i.path}: ${i.message}`);
      } else {
        log.error({ trigger, err: errorMessage(err) }, 'config reload: cannot load the file');
      }
      log.error({ trigger }, 'config reload refused: the file is invalid; keeping the running inventory');
      return 'invalid';
    }
    const diff = diffConfigs(this.deps.current(), next);
    if (diff.restartOnly.length > 0) {
      log.error(
        { trigger, settings: diff.restartOnly },
        `config reload refused: ${diff.restartOnly.join(', ')} cannot change at run time (restart needed); only devices reload, nothing applied`,
      );
      return 'restart-required';
    }
    if (isEmptyDiff(diff)) {
      log.info({ trigger }, 'config reloaded: no change');
      return 'unchanged';
    }
    try {
      this.deps.apply(next, diff);
    } catch (err) {
      // A bug of ours, not the file's: say so, and keep running on whatever applied.
      log.error({ trigger, err: errorMessage(err) }, 'config reload failed while applying');
      return 'failed';
    }
    log.info(
      {
        trigger,
        added: diff.added,
        removed: diff.removed,
        changed: diff.changed,
        devices: next.devices.length,
      },
      'config reloaded',
    );
    return 'applied';
  }
}

/**
 * Calls `onChange` once the config file settles after a change. The directory is watched, not the
 * file: an editor or config-management tool that writes a new file and renames it into place
 * replaces the inode a file watch would follow.
 */
export function watchConfigFile(
  path: string,
  onChange: () => void,
  logger: Logger,
  debounceMs = 500,
): { close(): void } {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file !== null && file.toString() !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on('error', (err) =>
      logger.error({ err: errorMessage(err) }, 'config watch failed; SIGHUP still reloads'),
    );
  } catch (err) {
    logger.error({ err: errorMessage(err), path }, 'cannot watch the config file; SIGHUP still reloads');
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
