import type { AgentConfig } from '../config/load.js';
import type { LogLimiter } from '../core/log-limit.js';
import type { Logger } from '../core/logger.js';
import type { RedisKeys } from '../core/redis-keys.js';
import type { Metrics } from './metrics.js';
import type { RedisClient } from './redis.js';
import { HintStream } from './traps/hint-stream.js';
import { type PollNowResult, TrapHints } from './traps/hints.js';
import { TrapReceiver } from './traps/receiver.js';

/** The monitor's slice that traps use. */
export interface TrapMonitor {
  pollNow(device: string): Promise<PollNowResult | undefined>;
  heldDevices(): ReadonlySet<string>;
}

export interface TrapServiceDeps {
  cfg: AgentConfig;
  monitor: TrapMonitor;
  metrics: Metrics;
  logger: Logger;
  log: LogLimiter;
  redis: RedisClient;
  /** The follower's own connection for its blocking read (used only when hints are forwarded). */
  follower?: RedisClient;
  keys: RedisKeys;
}

/**
 * `monitoring.traps` put together: the receiver, the per-device hint loops, and the stream that
 * carries hints to the replica holding the device. Built by the composition root only when
 * traps are enabled.
 */
export class TrapService {
  readonly #hints: TrapHints;
  readonly #receiver: TrapReceiver;
  readonly #stream: HintStream | undefined;

  constructor(d: TrapServiceDeps) {
    const t = d.cfg.monitoring.traps;
    const { metrics } = d;
    this.#stream =
      t.forward && d.follower
        ? new HintStream({
            redis: d.redis,
            follower: d.follower,
            keys: d.keys,
            agentId: d.cfg.agent.id,
            log: d.log,
            // Every replica reads every forwarded hint; only the holder acts. It was counted where received.
            onHint: (device, at) => void this.#hints.forwarded(device, at),
          })
        : undefined;
    const stream = this.#stream;
    this.#hints = new TrapHints({
      pollNow: (device) => d.monitor.pollNow(device),
      holds: (device) => d.monitor.heldDevices().has(device),
      ...(stream ? { forward: (device: string, at: number) => stream.publish(device, at) } : {}),
      confirmMs: t.confirmMs,
      ratePerDevice: t.ratePerDevice,
      maxConfirms: Math.max(d.cfg.monitoring.upPolls, d.cfg.monitoring.downPolls),
      onDetected: (s) => metrics.detection.observe({ source: 'trap' }, s),
      onActive: (n) => metrics.trapHintsActive.set(n),
      onError: (device, err) =>
        d.log.warn(`trap-poll:${device}`, { device, err: err.message }, 'trap-triggered poll failed'),
    });
    this.#receiver = new TrapReceiver({
      listen: t.listen,
      port: t.port,
      devices: d.cfg.devices,
      offer: (device, at) => this.#hints.offer(device, at),
      count: (device, type, result) => metrics.trapsReceived.inc({ device, type, result }),
      logger: d.logger,
      log: d.log,
    });
  }

  async start(): Promise<void> {
    await this.#receiver.start();
    this.#stream?.start();
  }

  async stop(): Promise<void> {
    this.#receiver.close();
    await this.#stream?.stop();
    await this.#hints.stop();
  }
}
