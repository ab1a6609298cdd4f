import { OBSERVED_CONNECTION_STATES, type ObservedConnectionState } from '../contract/lifecycle.js';

/** The bounds of CONTRACT §8's threshold series. */
export const THRESHOLD_BOUNDS = ['low-alarm', 'low-warning', 'high-warning', 'high-alarm'] as const;
export type ThresholdBound = (typeof THRESHOLD_BOUNDS)[number];
/** One lane's bounds in dBm; a bound the source does not give is absent, not guessed. */
export type LaneBounds = Partial<Record<ThresholdBound, number>>;

/** What one port's series show: each field absent until a poll set it. */
export interface PortRow {
  operUp?: 0 | 1;
  healthy?: 0 | 1;
  opticPresent?: 0 | 1;
  /** The lanes of the last optics reading; a null Rx is a dark lane, a null Tx has no series. */
  lanes?: readonly { readonly rxDbm: number | null; readonly txDbm: number | null }[];
  /** Per lane, the bounds the health verdict uses. */
  bounds?: readonly { readonly rx: LaneBounds; readonly tx: LaneBounds }[];
}

interface HeldPort {
  readonly row: PortRow;
  /** `device="…",port="…"`, escaped once. */
  readonly labels: string;
  readonly holders: Set<string>;
}

/** One connection's series: its state, and the row of the port it is on. */
export interface ConnectionSeries {
  state?: ObservedConnectionState;
  readonly port: PortRow;
}

interface ConnRow extends ConnectionSeries {
  readonly labels: string;
  readonly portKey: string;
}

/** The per-port families: name, help, and how to print a port's samples of it. */
interface Family {
  readonly name: string;
  readonly help: string;
}

const FAMILIES = {
  rx: { name: 'dcagent_port_rx_dbm', help: 'Optical receive power per lane, dBm' },
  tx: { name: 'dcagent_port_tx_dbm', help: 'Optical transmit power per lane, dBm' },
  operUp: { name: 'dcagent_port_oper_up', help: '1 when ifOperStatus is up' },
  healthy: { name: 'dcagent_port_healthy', help: '1 when the port is healthy by CONTRACT §5' },
  state: {
    name: 'dcagent_connection_state',
    help: 'Lifecycle state of a tracked connection as this agent sees it: 1 for the current state, 0 for the others',
  },
  rxThreshold: {
    name: 'dcagent_port_rx_threshold_dbm',
    help: 'Receive power bound per lane in use for the health verdict, dBm',
  },
  txThreshold: {
    name: 'dcagent_port_tx_threshold_dbm',
    help: 'Transmit power bound per lane in use for the health verdict, dBm',
  },
  opticPresent: {
    name: 'dcagent_port_optic_present',
    help: '1 when a transceiver was found for the port, 0 when none (only for devices whose optics are read)',
  },
  rxDark: {
    name: 'dcagent_port_rx_dark',
    help: '1 when the lane gives no Rx reading (no light, a vendor sentinel, no transceiver), else 0',
  },
} as const satisfies Record<string, Family>;

/** Every family's name, for checks that list what the agent exports. */
export const PORT_SERIES_NAMES: readonly string[] = Object.values(FAMILIES).map((f) => f.name);

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function sampleValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

/**
 * One string of the parts, stored flat: a template literal makes a rope of its pieces, and kept
 * for the life of a connection those ropes cost several times the text (about 10 MB at 10,000).
 */
function flat(...parts: string[]): string {
  return parts.join('');
}

/** Where a scrape's text is cut into pieces, so a large fleet never becomes one string. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The per-port series of CONTRACT §8, kept as one small row per port and printed at scrape time.
 * prom-client keeps an object, a label object and a label-hash string per series and hashes the
 * labels on every set; at 10,000 ports that was ~170,000 series and most of the agent's heap
 * (docs/decisions/0007). Here a poll assigns fields, and a scrape streams the text in chunks.
 * A port held by two connections has one row: its series are the port's, not the connection's.
 */
export class PortSeries {
  private readonly ports = new Map<string, HeldPort>();
  private readonly conns = new Map<string, ConnRow>();

  /** The connection's series, and its port's row made on first use, held until `forget`. */
  hold(connection: string, device: string, port: string): ConnectionSeries {
    const key = flat(device, '\0', port);
    let held = this.ports.get(key);
    if (!held) {
      held = {
        row: {},
        labels: flat('device="', escapeLabel(device), '",port="', escapeLabel(port), '"'),
        holders: new Set(),
      };
      this.ports.set(key, held);
    }
    held.holders.add(connection);
    const conn = this.conns.get(connection);
    if (conn?.portKey === key) return conn;
    if (conn) this.release(connection, conn.portKey);
    const made: ConnRow = {
      labels: flat('connection="', escapeLabel(connection), '",', held.labels),
      portKey: key,
      port: held.row,
    };
    this.conns.set(connection, made);
    return made;
  }

  /** Drops the connection's series, and its port's once no other connection holds it. */
  forget(connection: string): void {
    const conn = this.conns.get(connection);
    if (!conn) return;
    this.conns.delete(connection);
    this.release(connection, conn.portKey);
  }

  private release(connection: string, portKey: string): void {
    const held = this.ports.get(portKey);
    if (!held) return;
    held.holders.delete(connection);
    if (held.holders.size === 0) this.ports.delete(portKey);
  }

  /**
   * The families in the text exposition format, in pieces of about 64 KB, all made in one
   * synchronous pass: a scrape is one point in time (no poll lands between two families), and
   * the caller may then write the pieces out at the socket's pace.
   */
  pieces(): string[] {
    const out: string[] = [];
    for (const piece of this.#render()) out.push(piece);
    return out;
  }

  *#render(): Generator<string> {
    const ports = [...this.ports.values()];
    const header = (f: Family) => `\n# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n`;
    let buf = '';
    // One port's lines at a time; the piece is handed on once it is large enough.
    const perPort = function* (f: Family, lines: (p: HeldPort) => string): Generator<string> {
      buf += header(f);
      for (const p of ports) {
        buf += lines(p);
        if (buf.length >= CHUNK_CHARS) {
          yield buf;
          buf = '';
        }
      }
    };
    const lanes = (p: HeldPort, line: (lane: string, l: NonNullable<PortRow['lanes']>[number]) => string) => {
      let s = '';
      const all = p.row.lanes ?? [];
      for (let i = 0; i < all.length; i++)
        s += line(`${p.labels},lane="${i + 1}"`, all[i] as (typeof all)[number]);
      return s;
    };
    yield* perPort(FAMILIES.rx, (p) =>
      lanes(p, (l, v) => (v.rxDbm === null ? '' : `${FAMILIES.rx.name}{${l}} ${sampleValue(v.rxDbm)}\n`)),
    );
    yield* perPort(FAMILIES.tx, (p) =>
      lanes(p, (l, v) => (v.txDbm === null ? '' : `${FAMILIES.tx.name}{${l}} ${sampleValue(v.txDbm)}\n`)),
    );
    // A dark lane keeps a series (CONTRACT §8), so an alert on it does not resolve with the light.
    yield* perPort(FAMILIES.rxDark, (p) =>
      lanes(p, (l, v) => `${FAMILIES.rxDark.name}{${l}} ${v.rxDbm === null ? 1 : 0}\n`),
    );
    for (const [f, field] of [
      [FAMILIES.operUp, 'operUp'],
      [FAMILIES.healthy, 'healthy'],
      [FAMILIES.opticPresent, 'opticPresent'],
    ] as const) {
      yield* perPort(f, (p) => {
        const v = p.row[field];
        return v === undefined ? '' : `${f.name}{${p.labels}} ${v}\n`;
      });
    }
    for (const [f, side] of [
      [FAMILIES.rxThreshold, 'rx'],
      [FAMILIES.txThreshold, 'tx'],
    ] as const) {
      yield* perPort(f, (p) => {
        let s = '';
        const all = p.row.bounds ?? [];
        for (let i = 0; i < all.length; i++) {
          const b = (all[i] as (typeof all)[number])[side];
          for (const bound of THRESHOLD_BOUNDS) {
            const v = b[bound];
            if (v !== undefined)
              s += `${f.name}{${p.labels},lane="${i + 1}",bound="${bound}"} ${sampleValue(v)}\n`;
          }
        }
        return s;
      });
    }
    // 0 for the states it is not in, so an alert can ask for one state without an absent() dance.
    buf += header(FAMILIES.state);
    for (const c of this.conns.values()) {
      const current = c.state;
      if (current === undefined) continue;
      for (const s of OBSERVED_CONNECTION_STATES)
        buf += `${FAMILIES.state.name}{${c.labels},state="${s}"} ${s === current ? 1 : 0}\n`;
      if (buf.length >= CHUNK_CHARS) {
        yield buf;
        buf = '';
      }
    }
    if (buf.length > 0) yield buf;
  }

  /** The whole text at once, for callers that want a string (tests, small fleets). */
  text(): string {
    return this.pieces().join('');
  }
}
