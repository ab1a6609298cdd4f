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

type Lane = NonNullable<PortRow['lanes']>[number];

/** A per-port family: its name and help. */
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
/** A piece's bytes: its 64 K characters and the line that crossed the mark, with room for UTF-8. */
const SLAB_BYTES = 96 * 1024;
/** Slabs kept between scrapes: a 10,000-port text takes about 270; two scrapes at once take more. */
const MAX_POOLED_SLABS = 640;

/**
 * One scrape's text: pieces that are views of pooled slabs. `release` gives the slabs back, and
 * must wait until the pieces are written out (the socket holds them until then).
 */
export interface ScrapeText {
  readonly pieces: readonly Buffer[];
  release(): void;
}

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
  /** Slabs the last scrapes released, reused by the next one (see `render`). */
  private readonly slabs: Buffer[] = [];

  /** The connection's series, and its port's row made on first use, held until `forget`. */
  hold(connection: string, device: string, port: string): ConnectionSeries {
    const key = flat(device, '\0', port);
    let held = this.ports.get(key);
    if (!held) {
      held = {
        // Every field from the start, undefined until a poll sets it: fields added later, in an
        // order that depends on the first polls, gave rows several maps and the monitor's writes
        // to them megamorphic stores.
        row: {
          operUp: undefined,
          healthy: undefined,
          opticPresent: undefined,
          lanes: undefined,
          bounds: undefined,
        },
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
      state: undefined,
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
   *
   * Each piece is UTF-8 bytes in a slab reused from scrape to scrape. Held as strings (ropes of
   * every line) while a scraper read them, the 17 MB of text at 10,000 ports outlived two
   * scavenges and was promoted, about 55 MB per scrape; in new buffers each scrape, the external
   * memory it added made V8 start a major collection every scrape. Reused slabs do neither
   * (decision 0007).
   */
  render(): ScrapeText {
    const out: Buffer[] = [];
    const taken: Buffer[] = [];
    const piece = (text: string) => {
      if (Buffer.byteLength(text, 'utf8') > SLAB_BYTES) {
        out.push(Buffer.from(text, 'utf8'));
        return;
      }
      const slab = this.slabs.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
      taken.push(slab);
      out.push(slab.subarray(0, slab.write(text, 0, 'utf8')));
    };
    let buf = '';
    // Lines go into the current piece, which is handed on once it is large enough.
    const add = (text: string) => {
      buf += text;
      if (buf.length >= CHUNK_CHARS) {
        piece(buf);
        buf = '';
      }
    };
    const header = (f: Family) => add(`\n# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n`);
    const ports = [...this.ports.values()];
    /** Each port's lanes, one line each where `value` gives one. */
    const perLane = (f: Family, value: (l: Lane) => number | null) => {
      header(f);
      for (const p of ports) {
        const lanes = p.row.lanes ?? [];
        for (let i = 0; i < lanes.length; i++) {
          const v = value(lanes[i] as Lane);
          if (v !== null) add(`${f.name}{${p.labels},lane="${i + 1}"} ${sampleValue(v)}\n`);
        }
      }
    };
    perLane(FAMILIES.rx, (l) => l.rxDbm);
    perLane(FAMILIES.tx, (l) => l.txDbm);
    // A dark lane keeps a series (CONTRACT §8), so an alert on it does not resolve with the light.
    perLane(FAMILIES.rxDark, (l) => (l.rxDbm === null ? 1 : 0));
    for (const [f, field] of [
      [FAMILIES.operUp, 'operUp'],
      [FAMILIES.healthy, 'healthy'],
      [FAMILIES.opticPresent, 'opticPresent'],
    ] as const) {
      header(f);
      for (const p of ports) {
        const v = p.row[field];
        if (v !== undefined) add(`${f.name}{${p.labels}} ${v}\n`);
      }
    }
    for (const [f, side] of [
      [FAMILIES.rxThreshold, 'rx'],
      [FAMILIES.txThreshold, 'tx'],
    ] as const) {
      header(f);
      for (const p of ports) {
        const all = p.row.bounds ?? [];
        for (let i = 0; i < all.length; i++) {
          const b = (all[i] as (typeof all)[number])[side];
          for (const bound of THRESHOLD_BOUNDS) {
            const v = b[bound];
            if (v !== undefined)
              add(`${f.name}{${p.labels},lane="${i + 1}",bound="${bound}"} ${sampleValue(v)}\n`);
          }
        }
      }
    }
    // 0 for the states it is not in, so an alert can ask for one state without an absent() dance.
    header(FAMILIES.state);
    for (const c of this.conns.values()) {
      const current = c.state;
      if (current === undefined) continue;
      for (const s of OBSERVED_CONNECTION_STATES)
        add(`${FAMILIES.state.name}{${c.labels},state="${s}"} ${s === current ? 1 : 0}\n`);
    }
    if (buf.length > 0) piece(buf);
    let released = false;
    return {
      pieces: out,
      release: () => {
        if (released) return;
        released = true;
        for (const slab of taken) if (this.slabs.length < MAX_POOLED_SLABS) this.slabs.push(slab);
      },
    };
  }

  /** The whole text at once, for callers that want a string (tests, small fleets). */
  text(): string {
    const text = this.render();
    try {
      return Buffer.concat(text.pieces).toString('utf8');
    } finally {
      text.release();
    }
  }
}
