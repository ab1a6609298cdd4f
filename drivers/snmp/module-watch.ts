import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { isMissing, OID, textValue } from '../mib/mib.js';
import { getMany, type OpticsBinding, type OpticsPort } from '../optics/adapter.js';
import type { SnmpReader, Varbind } from '../transport/snmp.js';
import type { ModuleInfo, OpticsChange } from './poll-result.js';

/** What discovery found in a port: its transceiver's entity and identity, or null for none. */
type PortModule = (ModuleInfo & { readonly entity: number | undefined }) | null;

const NO_IDENTITY: ModuleInfo = Object.freeze({ vendor: null, part: null, serial: null });

/**
 * The transceivers of one device's ports, discovery by discovery: a port whose transceiver came,
 * went or was swapped gets one `OpticsChange`, handed out with that port's next poll result. The
 * first discovery of a port is the baseline: nothing changed as far as anyone knows.
 */
export class ModuleWatch {
  readonly #reader: SnmpReader;
  readonly #log: Logger;
  readonly #deviceId: string;
  /** What the last discovery found per port; absent before the first. */
  readonly #modules = new Map<string, PortModule>();
  readonly #changes = new Map<string, OpticsChange>();

  constructor(reader: SnmpReader, log: Logger, deviceId: string) {
    this.#reader = reader;
    this.#log = log;
    this.#deviceId = deviceId;
  }

  /** Compares what discovery bound with what the previous discovery did, per port. */
  async note(ports: readonly OpticsPort[], bindings: ReadonlyMap<string, OpticsBinding>): Promise<void> {
    const info = await this.#identities(bindings);
    for (const p of ports) {
      const b = bindings.get(p.name);
      const now: PortModule = b
        ? { entity: b.entity, ...((b.entity !== undefined && info.get(b.entity)) || NO_IDENTITY) }
        : null;
      const before = this.#modules.get(p.name);
      this.#modules.set(p.name, now);
      if (before === undefined) continue;
      const change = changeOf(before, now);
      if (!change) continue;
      const m = (now ?? before)!;
      this.#changes.set(p.name, { change, module: { vendor: m.vendor, part: m.part, serial: m.serial } });
      // Both serials: the one pulled is what the RMA and the spares count need.
      this.#log.info(
        {
          device: this.#deviceId,
          port: p.name,
          change,
          serial: now?.serial ?? null,
          previousSerial: before?.serial ?? null,
        },
        'transceiver changed',
      );
    }
  }

  /** The port's transceiver as the last discovery found it; undefined for none or before discovery. */
  identity(port: string): ModuleInfo | undefined {
    return this.#modules.get(port) ?? undefined;
  }

  /** The port's pending change, once. */
  take(port: string): OpticsChange | undefined {
    const change = this.#changes.get(port);
    if (change) this.#changes.delete(port);
    return change;
  }

  /** Vendor, part and serial of every bound transceiver entity (entPhysical). */
  async #identities(bindings: ReadonlyMap<string, OpticsBinding>): Promise<Map<number, ModuleInfo>> {
    const entities = [...new Set([...bindings.values()].map((b) => b.entity).filter((e) => e !== undefined))];
    const info = new Map<number, ModuleInfo>();
    if (entities.length === 0) return info;
    try {
      const vbs = await getMany(
        this.#reader,
        entities.flatMap((e) => [
          `${OID.entPhysicalMfgName}.${e}`,
          `${OID.entPhysicalModelName}.${e}`,
          `${OID.entPhysicalSerialNum}.${e}`,
        ]),
      );
      const text = (vb: Varbind | undefined) => (isMissing(vb) ? null : textValue(vb) || null);
      entities.forEach((e, i) => {
        info.set(e, { vendor: text(vbs[i * 3]), part: text(vbs[i * 3 + 1]), serial: text(vbs[i * 3 + 2]) });
      });
    } catch (err) {
      // Identity is a nicety of the event; the binding itself is what polling needs.
      this.#log.debug({ device: this.#deviceId, err: errorMessage(err) }, 'no module identity (entPhysical)');
    }
    return info;
  }
}

function changeOf(before: PortModule, now: PortModule): OpticsChange['change'] | undefined {
  if (before === null && now !== null) return 'inserted';
  if (before !== null && now === null) return 'removed';
  if (before !== null && now !== null && (before.entity !== now.entity || before.serial !== now.serial))
    return 'replaced';
  return undefined;
}
