import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  alarmBounds,
  configLaneBounds,
  createMetrics,
  type Metrics,
  metricsText,
  thresholdLaneBounds,
} from '../../../agent/metrics.js';
import { DEFAULT_THRESHOLDS } from '../../../config/defaults.js';
import { internLaneThresholds } from '../../../core/intern.js';

const text = (m: Metrics) => metricsText(m);

/** The sample lines of one series name, label order as prom-client prints it. */
async function samples(m: Metrics, name: string): Promise<string[]> {
  return (await text(m)).split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('agent metrics (CONTRACT §8)', () => {
  it('serves dcagent_build_info with the package version, and the standard process and Node.js series', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const m = createMetrics();
    expect(await samples(m, 'dcagent_build_info')).toEqual([`dcagent_build_info{version="${version}"} 1`]);
    const body = await text(m);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(body, name).toMatch(new RegExp(`^${name}( |\\{)`, 'm'));
    }
  });

  it('dcagent_ready follows the readiness probe at each scrape', async () => {
    const m = createMetrics();
    expect(await samples(m, 'dcagent_ready')).toEqual(['dcagent_ready 0']);
    let ready = true;
    m.readiness = () => ready;
    expect(await samples(m, 'dcagent_ready')).toEqual(['dcagent_ready 1']);
    ready = false;
    expect(await samples(m, 'dcagent_ready')).toEqual(['dcagent_ready 0']);
  });

  it('a connection has exactly one state at 1, and a change moves the 1', async () => {
    const m = createMetrics();
    const c = m.ports.hold('hc-1', 'sw1', '10GE1/0/1');
    c.state = 'under-construction';
    const ones = async () => (await samples(m, 'dcagent_connection_state')).filter((s) => s.endsWith(' 1'));
    expect(await ones()).toEqual([
      'dcagent_connection_state{connection="hc-1",device="sw1",port="10GE1/0/1",state="under-construction"} 1',
    ]);
    c.state = 'unavailable';
    expect(await ones()).toEqual([
      'dcagent_connection_state{connection="hc-1",device="sw1",port="10GE1/0/1",state="unavailable"} 1',
    ]);
    expect(await samples(m, 'dcagent_connection_state')).toHaveLength(4);
  });

  it('exports a 100G port its own alarm bounds on every lane, not the 10G ones', async () => {
    const m = createMetrics();
    m.ports.hold('hc-1', 'sw1', '100GE1/0/5').port.bounds = configLaneBounds(
      DEFAULT_THRESHOLDS['100GBASE-LR4'],
      4,
    );
    const rx = await samples(m, 'dcagent_port_rx_threshold_dbm');
    expect(rx).toHaveLength(8);
    expect(rx).toContain(
      'dcagent_port_rx_threshold_dbm{device="sw1",port="100GE1/0/5",lane="4",bound="low-alarm"} -10.6',
    );
    expect(rx).toContain(
      'dcagent_port_rx_threshold_dbm{device="sw1",port="100GE1/0/5",lane="1",bound="high-alarm"} 4.5',
    );
    expect(await samples(m, 'dcagent_port_tx_threshold_dbm')).toContain(
      'dcagent_port_tx_threshold_dbm{device="sw1",port="100GE1/0/5",lane="2",bound="low-alarm"} -4.3',
    );
  });

  it('warning bounds slot in per lane, and a bound that goes away loses its series', async () => {
    const m = createMetrics();
    const row = m.ports.hold('hc-1', 'sw1', 'p1').port;
    row.bounds = [{ rx: { ...alarmBounds([-14.4, 0.5]), 'low-warning': -12 }, tx: alarmBounds([-8.2, 0.5]) }];
    expect(await samples(m, 'dcagent_port_rx_threshold_dbm')).toContain(
      'dcagent_port_rx_threshold_dbm{device="sw1",port="p1",lane="1",bound="low-warning"} -12',
    );
    row.bounds = [{ rx: alarmBounds([-14.4, 0.5]), tx: alarmBounds([-8.2, 0.5]) }];
    expect((await samples(m, 'dcagent_port_rx_threshold_dbm')).join('\n')).not.toContain('low-warning');
  });

  it('ports with the same thresholds and lanes share one frozen bounds array, in the series as before', async () => {
    const t = internLaneThresholds(
      { lowAlarm: -16, lowWarning: -13, highWarning: null, highAlarm: 2 },
      { lowAlarm: -9, lowWarning: null, highWarning: null, highAlarm: 1 },
    );
    const four = thresholdLaneBounds(t, 4);
    expect(thresholdLaneBounds(t, 4)).toBe(four);
    expect(thresholdLaneBounds(t, 1)).not.toBe(four);
    expect(Object.isFrozen(four)).toBe(true);
    expect(four).toHaveLength(4);
    const m = createMetrics();
    m.ports.hold('hc-1', 'sw1', 'p1').port.bounds = four;
    m.ports.hold('hc-2', 'sw1', 'p2').port.bounds = thresholdLaneBounds(t, 4);
    const rx = await samples(m, 'dcagent_port_rx_threshold_dbm');
    expect(rx).toContain(
      'dcagent_port_rx_threshold_dbm{device="sw1",port="p2",lane="4",bound="low-warning"} -13',
    );
    expect(rx.filter((l) => l.includes('port="p1"'))).toHaveLength(12);
  });

  it('a dark lane keeps its dark series and has no Rx sample; a lane count that shrinks takes its series with it', async () => {
    const m = createMetrics();
    const row = m.ports.hold('hc-1', 'sw1', 'p1').port;
    row.lanes = [
      { rxDbm: -3.5, txDbm: 1 },
      { rxDbm: null, txDbm: null },
    ];
    expect(await samples(m, 'dcagent_port_rx_dbm')).toEqual([
      'dcagent_port_rx_dbm{device="sw1",port="p1",lane="1"} -3.5',
    ]);
    expect(await samples(m, 'dcagent_port_tx_dbm')).toEqual([
      'dcagent_port_tx_dbm{device="sw1",port="p1",lane="1"} 1',
    ]);
    expect(await samples(m, 'dcagent_port_rx_dark')).toEqual([
      'dcagent_port_rx_dark{device="sw1",port="p1",lane="1"} 0',
      'dcagent_port_rx_dark{device="sw1",port="p1",lane="2"} 1',
    ]);
    row.lanes = [{ rxDbm: -4, txDbm: 1 }];
    expect(await samples(m, 'dcagent_port_rx_dark')).toEqual([
      'dcagent_port_rx_dark{device="sw1",port="p1",lane="1"} 0',
    ]);
  });

  it('two connections on one port: one set of port series, a state series each, and the port stays until both are gone', async () => {
    const m = createMetrics();
    m.ports.hold('hc-1', 'sw1', 'p1').port.operUp = 1;
    const b = m.ports.hold('hc-2', 'sw1', 'p1');
    b.state = 'available';
    b.port.healthy = 1;
    expect(await samples(m, 'dcagent_port_oper_up')).toEqual([
      'dcagent_port_oper_up{device="sw1",port="p1"} 1',
    ]);
    expect(await samples(m, 'dcagent_port_healthy')).toEqual([
      'dcagent_port_healthy{device="sw1",port="p1"} 1',
    ]);
    m.ports.forget('hc-1');
    expect(await samples(m, 'dcagent_port_oper_up')).toHaveLength(1);
    m.ports.forget('hc-2');
    expect(await samples(m, 'dcagent_port_oper_up')).toEqual([]);
    expect(await samples(m, 'dcagent_connection_state')).toEqual([]);
  });

  it('escapes label values as the text format wants, so a port name cannot break a line', async () => {
    const m = createMetrics();
    m.ports.hold('hc-"1"', 'sw\\1', 'p\n1').port.operUp = 0;
    expect(await samples(m, 'dcagent_port_oper_up')).toEqual([
      'dcagent_port_oper_up{device="sw\\\\1",port="p\\n1"} 0',
    ]);
  });

  it('a large fleet is served in pieces that add up to the whole text', () => {
    const m = createMetrics();
    for (let i = 0; i < 2_000; i++) {
      const c = m.ports.hold(`hc-${i}`, `sw${i % 50}`, `p${i}`);
      c.state = 'available';
      c.port.operUp = 1;
      c.port.lanes = [{ rxDbm: -2, txDbm: 1 }];
      c.port.bounds = configLaneBounds(DEFAULT_THRESHOLDS['100GBASE-LR4'], 1);
    }
    const { pieces, release } = m.ports.render();
    expect(pieces.length).toBeGreaterThan(5);
    // Bytes outside the JS heap, so a slow scraper's pieces are never promoted (port-series.ts).
    expect(pieces.every((p) => Buffer.isBuffer(p) && p.length < 80 * 1024)).toBe(true);
    const whole = Buffer.concat(pieces).toString('utf8');
    release();
    expect(whole).toBe(m.ports.text());
    expect(whole.split('\n').filter((l) => l.startsWith('dcagent_connection_state{'))).toHaveLength(8_000);
  });

  it('a scrape reuses the slabs of one released before it, and never those of one still being written', () => {
    const m = createMetrics();
    const state = (s: 'available' | 'unavailable') => {
      for (let i = 0; i < 2_000; i++) {
        const c = m.ports.hold(`hc-${i}`, 'sw1', `p${i}`);
        c.state = s;
        c.port.operUp = s === 'available' ? 1 : 0;
      }
    };
    state('available');
    const first = m.ports.render();
    const firstText = Buffer.concat(first.pieces).toString('utf8');
    // Not released: a second scrape now must leave the first's bytes alone.
    state('unavailable');
    const second = m.ports.render();
    expect(Buffer.concat(first.pieces).toString('utf8')).toBe(firstText);
    const slabsOf = (t: { pieces: readonly Buffer[] }) => new Set(t.pieces.map((p) => p.buffer));
    const firstSlabs = slabsOf(first);
    expect([...slabsOf(second)].some((b) => firstSlabs.has(b))).toBe(false);
    expect(Buffer.concat(second.pieces).toString('utf8')).toContain(
      'dcagent_port_oper_up{device="sw1",port="p7"} 0',
    );
    first.release();
    first.release(); // twice is once: its slabs must not enter the pool twice
    // Two scrapes at once after it: had the first's slabs gone in twice, both would get them.
    const third = m.ports.render();
    const fourth = m.ports.render();
    const thirdSlabs = slabsOf(third);
    expect([...thirdSlabs].filter((b) => firstSlabs.has(b)).length).toBeGreaterThan(0);
    expect([...slabsOf(fourth)].some((b) => thirdSlabs.has(b))).toBe(false);
    expect(third.pieces.map((p) => p.buffer)).toHaveLength(thirdSlabs.size);
    second.release();
    third.release();
    fourth.release();
  });

  it('a piece that would not fit a slab in UTF-8 is a buffer of its own, whole', () => {
    const m = createMetrics();
    // Three bytes per character: 64 K characters of it are far more than a slab.
    const wide = '\u20ac'.repeat(40);
    for (let i = 0; i < 2_000; i++) m.ports.hold(`hc-${i}`, wide, `p${i}`).state = 'available';
    const text = m.ports.render();
    expect(Buffer.concat(text.pieces).toString('utf8')).toContain(`device="${wide}",port="p1999"`);
    expect(text.pieces.some((p) => p.length > 96 * 1024)).toBe(true);
    text.release();
  });

  it('forgetting a connection removes every series it had', async () => {
    const m = createMetrics();
    const c = m.ports.hold('hc-1', 'sw1', '100GE1/0/5');
    c.state = 'available';
    c.port.bounds = configLaneBounds(DEFAULT_THRESHOLDS['100GBASE-LR4'], 4);
    c.port.operUp = 1;
    c.port.healthy = 1;
    c.port.opticPresent = 1;
    c.port.lanes = [1, 2, 3, 4].map(() => ({ rxDbm: -3, txDbm: -1 }));
    expect(await text(m)).toContain('100GE1/0/5');
    m.ports.forget('hc-1');
    expect(await text(m)).not.toContain('100GE1/0/5');
  });
});
