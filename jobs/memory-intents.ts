import type { AuditRecord, IntentRecord, IntentStore } from './ports.js';

/**
 * An IntentStore in memory: the processor's default where no Redis store is wired (plans, tests of
 * the envelope), and the store the drift unit tests use.
 */
export class MemoryIntentStore implements IntentStore {
  readonly intents = new Map<string, IntentRecord>();
  readonly audits = new Map<string, AuditRecord>();

  async record(intent: IntentRecord): Promise<void> {
    this.intents.set(intent.connectionId, structuredClone(intent));
  }
  async forDevice(device: string): Promise<IntentRecord[]> {
    return [...this.intents.values()].filter((i) => i.device === device).map((i) => structuredClone(i));
  }
  async lastAudit(_device: string, connectionId: string): Promise<AuditRecord | undefined> {
    const a = this.audits.get(connectionId);
    return a ? structuredClone(a) : undefined;
  }
  async lastAudits(device: string): Promise<Map<string, AuditRecord>> {
    const out = new Map<string, AuditRecord>();
    for (const i of this.intents.values()) {
      const a = i.device === device ? this.audits.get(i.connectionId) : undefined;
      if (a) out.set(i.connectionId, structuredClone(a));
    }
    return out;
  }
  async saveAudits(_device: string, audits: ReadonlyMap<string, AuditRecord>): Promise<void> {
    for (const [connectionId, a] of audits) this.audits.set(connectionId, structuredClone(a));
  }
}
