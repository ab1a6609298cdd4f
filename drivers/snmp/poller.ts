import type { AgentConfig, DeviceConfig } from '../../config/load.js';
import { DcAgentError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { Semaphore } from '../../core/semaphore.js';
import { SnmpError, type SnmpReader, SnmpSession } from '../transport/snmp.js';
import { DevicePoller } from './device-poller.js';
import { answerBudget } from './pdu-size.js';
import type { PollOptions, PortPollResult } from './poll-result.js';
import type { PortResolverOptions } from './port-resolver.js';

export type { PollFailureReason, PollOptions, PortPollResult, PortReading } from './poll-result.js';

export interface SnmpPollerOptions {
  logger?: Logger;
  clock?: () => number;
  /** Test hook: how sessions are made (default: a net-snmp SnmpSession per device). */
  sessionFactory?: (device: DeviceConfig, agentLimit: Semaphore) => SnmpReader & { close(): void };
  resolver?: PortResolverOptions;
  /** Told when a device restarted (sysUpTime went back). */
  onRestart?: (deviceId: string) => void;
}

/**
 * The agent's SNMP side and its one poll entry point, `poll(device, ports)`: one session and one
 * DevicePoller per device, created on first use and reused, one agent-wide cap on requests in
 * flight. The monitor, `dcagent status` and the bench all poll through it.
 */
export class SnmpPoller {
  readonly #devices: ReadonlyMap<string, DeviceConfig>;
  readonly #monitoring: AgentConfig['monitoring'];
  readonly #options: SnmpPollerOptions;
  readonly #agentLimit: Semaphore;
  readonly #pollers = new Map<string, { poller: DevicePoller; session: SnmpReader & { close(): void } }>();
  #closed = false;

  constructor(
    devices: readonly DeviceConfig[],
    monitoring: AgentConfig['monitoring'],
    options: SnmpPollerOptions = {},
  ) {
    this.#devices = new Map(devices.map((d) => [d.id, d]));
    this.#monitoring = monitoring;
    this.#options = options;
    this.#agentLimit = new Semaphore(monitoring.maxInFlight);
  }

  /** One result per port (default: every port of the device); per-port failures are results too. */
  async poll(deviceId: string, ports?: readonly string[], options?: PollOptions): Promise<PortPollResult[]> {
    return this.#devicePoller(deviceId).poll(ports, options);
  }

  close(): void {
    this.#closed = true;
    for (const { session } of this.#pollers.values()) session.close();
    this.#pollers.clear();
  }

  #devicePoller(deviceId: string): DevicePoller {
    if (this.#closed) throw new SnmpError('lifecycle', 'snmp-error', 'SNMP poller is closed');
    const existing = this.#pollers.get(deviceId);
    if (existing) return existing.poller;
    const device = this.#devices.get(deviceId);
    if (!device) throw new DcAgentError('unknown-device', `no device ${deviceId} in the inventory`);
    const m = this.#monitoring;
    const session =
      this.#options.sessionFactory?.(device, this.#agentLimit) ??
      new SnmpSession(device, {
        maxInFlight: m.maxInFlightPerDevice,
        agentLimit: this.#agentLimit,
        ...(this.#options.logger ? { logger: this.#options.logger } : {}),
      });
    const poller = new DevicePoller(device, session, {
      varbindsPerPdu: device.snmp.version === '3' ? m.varbindsPerPduV3 : m.varbindsPerPduV2c,
      answerBytes: answerBudget(device.snmp),
      ...(this.#options.logger ? { logger: this.#options.logger } : {}),
      ...(this.#options.clock ? { clock: this.#options.clock } : {}),
      ...(this.#options.resolver ? { resolver: this.#options.resolver } : {}),
      opticsRediscoveryMs: m.opticsRediscoverySeconds * 1000,
      ...(this.#options.onRestart ? { onRestart: this.#options.onRestart } : {}),
    });
    this.#pollers.set(deviceId, { poller, session });
    return poller;
  }
}
