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
  async saveAudit(_device: string, connectionId: string, audit: AuditRecord): Promise<void> {
    this.audits.set(connectionId, structuredClone(audit));
  }
}
