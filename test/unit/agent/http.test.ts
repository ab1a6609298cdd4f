import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../agent/http.js';
import type { AgentLifecycle } from '../../../agent/lifecycle.js';
import { createMetrics, type Metrics } from '../../../agent/metrics.js';
import { createLogger } from '../../../core/logger.js';

// /metrics as a scraper sees it: the registry's text, then the per-port families streamed in
// pieces over a real loopback socket.

const servers: ReturnType<typeof createHttpServer>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(metrics: Metrics, metricsWriteIdleMs?: number): Promise<number> {
  const server = createHttpServer({
    metrics,
    ...(metricsWriteIdleMs !== undefined ? { metricsWriteIdleMs } : {}),
    lifecycle: { state: 'running' } as AgentLifecycle,
    readiness: { checks: {} },
    logger: createLogger({ level: 'silent' }),
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function get(port: number, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function fleet(ports: number): Metrics {
  const m = createMetrics();
  for (let i = 0; i < ports; i++) {
    const c = m.ports.hold(`hc-${i}`, `sw${i % 40}`, `100GE1/0/${i}`);
    c.state = 'available';
    c.port.operUp = 1;
    c.port.lanes = [1, 2, 3, 4].map(() => ({ rxDbm: -2.5, txDbm: 0.5 }));
  }
  return m;
}

describe('GET /metrics', () => {
  it('serves the registry and every port series of a large fleet, whole and in order', async () => {
    const m = fleet(5_000);
    const res = await get(await serve(m));
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain; version=0.0.4');
    expect(res.body.startsWith('# HELP')).toBe(true);
    expect(res.body).toContain('dcagent_build_info{');
    expect(res.body.endsWith(m.ports.text())).toBe(true);
    expect(res.body.split('\n').filter((l) => l.startsWith('dcagent_port_rx_dbm{'))).toHaveLength(20_000);
  });

  it('HEAD answers with the headers alone', async () => {
    const res = await get(await serve(fleet(10)), 'HEAD');
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
  });

  it('a failure after the headers cuts the body short and leaves the agent running', async () => {
    const m = fleet(10);
    const port = await serve(m);
    const pieces = m.ports.pieces.bind(m.ports);
    let calls = 0;
    m.ports.pieces = () => {
      calls++;
      return ['dcagent_x 1\n', null as unknown as string];
    };
    // The write of a non-string throws mid-body: the scraper must see a broken response, not a 200 it trusts.
    await expect(get(port)).rejects.toThrow();
    expect(calls).toBe(1);
    m.ports.pieces = pieces;
    expect((await get(port)).status).toBe(200);
  });

  it('a scraper that stops reading is cut off after the idle limit, not held for good', async () => {
    // Far more text than the loopback socket buffers hold, so the server has to wait for it.
    const m = fleet(40_000);
    const port = await serve(m, 300);
    const server = servers.at(-1)!;
    const client = connect(port, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    client.pause();
    const open = () => new Promise<number>((r) => server.getConnections((_, n) => r(n)));
    await new Promise((r) => setTimeout(r, 200));
    expect(await open()).toBe(1);
    // Without the limit the socket stays open (the body never drains, or keep-alive holds it 5 s).
    const t0 = Date.now();
    while ((await open()) > 0 && Date.now() - t0 < 3_000) await new Promise((r) => setTimeout(r, 50));
    expect(await open()).toBe(0);
    client.destroy();
  });
});
