import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  alarmBounds,
  configLaneBounds,
  createMetrics,
  forgetPort,
  type Metrics,
  setConnectionState,
  setPortThresholds,
} from '../../../agent/metrics.js';
import { DEFAULT_THRESHOLDS } from '../../../config/defaults.js';

const text = (m: Metrics) => m.registry.metrics();

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
    const l = { connection: 'hc-1', device: 'sw1', port: '10GE1/0/1' };
    setConnectionState(m, l, 'under-construction');
    const ones = async () => (await samples(m, 'dcagent_connection_state')).filter((s) => s.endsWith(' 1'));
    expect(await ones()).toEqual([
      'dcagent_connection_state{connection="hc-1",device="sw1",port="10GE1/0/1",state="under-construction"} 1',
    ]);
    setConnectionState(m, l, 'unavailable');
    expect(await ones()).toEqual([
      'dcagent_connection_state{connection="hc-1",device="sw1",port="10GE1/0/1",state="unavailable"} 1',
    ]);
    expect(await samples(m, 'dcagent_connection_state')).toHaveLength(4);
  });

  it('exports a 100G port its own alarm bounds on every lane, not the 10G ones', async () => {
    const m = createMetrics();
    const port = { device: 'sw1', port: '100GE1/0/5' };
    setPortThresholds(m, port, configLaneBounds(DEFAULT_THRESHOLDS['100GBASE-LR4'], 4));
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
    const port = { device: 'sw1', port: 'p1' };
    setPortThresholds(m, port, [
      { rx: { ...alarmBounds([-14.4, 0.5]), 'low-warning': -12 }, tx: alarmBounds([-8.2, 0.5]) },
    ]);
    expect(await samples(m, 'dcagent_port_rx_threshold_dbm')).toContain(
      'dcagent_port_rx_threshold_dbm{device="sw1",port="p1",lane="1",bound="low-warning"} -12',
    );
    setPortThresholds(m, port, [{ rx: alarmBounds([-14.4, 0.5]), tx: alarmBounds([-8.2, 0.5]) }]);
    expect((await samples(m, 'dcagent_port_rx_threshold_dbm')).join('\n')).not.toContain('low-warning');
  });

  it('forgetting a port removes every series it had', async () => {
    const m = createMetrics();
    const l = { connection: 'hc-1', device: 'sw1', port: '100GE1/0/5' };
    const port = { device: l.device, port: l.port };
    setConnectionState(m, l, 'available');
    setPortThresholds(m, port, configLaneBounds(DEFAULT_THRESHOLDS['100GBASE-LR4'], 4));
    m.portOperUp.set(port, 1);
    m.portHealthy.set(port, 1);
    m.portOpticPresent.set(port, 1);
    for (let lane = 1; lane <= 4; lane++) {
      m.portRxDbm.set({ ...port, lane: String(lane) }, -3);
      m.portTxDbm.set({ ...port, lane: String(lane) }, -1);
      m.portRxDark.set({ ...port, lane: String(lane) }, 0);
    }
    expect(await text(m)).toContain('100GE1/0/5');
    forgetPort(m, l, 4);
    expect(await text(m)).not.toContain('100GE1/0/5');
  });
});
