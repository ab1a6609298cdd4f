import type { Platform } from '../../contract/port-types.js';
import type {
  ApplyResult,
  DeviceDriver,
  Operation,
  Plan,
  PortConfigState,
  PortIntent,
  PortReading,
} from '../../drivers/driver.js';

/**
 * An in-memory device for testing the job processors' decisions (ordering, locking, error
 * translation) in isolation. Device behaviour itself is tested against real netconfd and the lab.
 */
export class MemoryDriver implements DeviceDriver {
  readonly platform: Platform = 'ietf-interfaces';
  readonly ports = new Map<string, PortConfigState>();
  readonly subinterfaces = new Map<string, string[]>();
  readonly calls: string[] = [];
  /** Errors thrown by the next calls of apply(), one per call. */
  readonly applyFailures: Error[] = [];
  /** Overrides merged into the results of the next calls of apply(), one per call (e.g. a bug's wrong type). */
  readonly applyOverrides: Record<string, unknown>[] = [];
  /** Resolves apply() only when this promise does, to hold a job inside the lock. */
  gate: Promise<void> | undefined;
  concurrentWrites = 0;
  maxConcurrentWrites = 0;

  constructor(readonly deviceId: string) {}

  async plan(operation: Operation, intent: PortIntent): Promise<Plan> {
    this.calls.push(`plan:${operation}`);
    const before = await this.readPortConfig(intent.port);
    const after = {
      port: intent.port,
      exists: true,
      description: intent.description,
      enabled: intent.enabled,
    };
    return {
      operation,
      platform: this.platform,
      device: this.deviceId,
      port: intent.port,
      rpc: `<edit ${intent.port}/>`,
      diff: '',
      changes: 1,
      before,
      after,
    };
  }

  async apply(intent: PortIntent): Promise<ApplyResult> {
    this.calls.push('apply');
    this.concurrentWrites++;
    this.maxConcurrentWrites = Math.max(this.maxConcurrentWrites, this.concurrentWrites);
    try {
      if (this.gate) await this.gate;
      const failure = this.applyFailures.shift();
      if (failure) throw failure;
      const override = this.applyOverrides.shift();
      if (override)
        return { changed: true, verified: true, confirmedCommit: true, ...override } as ApplyResult;
      const cur = this.ports.get(intent.port);
      if (cur?.description === intent.description && cur.enabled === intent.enabled) {
        return { changed: false, verified: true, confirmedCommit: true };
      }
      this.ports.set(intent.port, {
        port: intent.port,
        exists: true,
        description: intent.description,
        enabled: intent.enabled,
      });
      return { changed: true, verified: true, confirmedCommit: true };
    } finally {
      this.concurrentWrites--;
    }
  }

  async verify(intent: PortIntent): Promise<boolean> {
    const cur = this.ports.get(intent.port);
    return cur?.description === intent.description && cur?.enabled === intent.enabled;
  }

  async clear(port: string): Promise<ApplyResult> {
    this.calls.push('clear');
    this.ports.set(port, { port, exists: true, enabled: false });
    return { changed: true, verified: true, confirmedCommit: true };
  }

  async listSubinterfaces(port: string): Promise<string[]> {
    this.calls.push('listSubinterfaces');
    return this.subinterfaces.get(port) ?? [];
  }

  async readPorts(ports: readonly string[]): Promise<PortReading[]> {
    const out: PortReading[] = [];
    for (const port of ports) {
      const state = await this.readPortConfig(port);
      out.push({ state, subinterfaces: state.exists ? await this.listSubinterfaces(port) : [] });
    }
    return out;
  }

  async readPortConfig(port: string): Promise<PortConfigState> {
    this.calls.push('read');
    return this.ports.get(port) ?? { port, exists: false };
  }

  async close(): Promise<void> {}
}
