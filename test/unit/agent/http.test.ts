import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
    const render = m.ports.render.bind(m.ports);
    let calls = 0;
    let released = 0;
    m.ports.render = () => {
      calls++;
      return { pieces: [Buffer.from('dcagent_x 1\n'), null as unknown as Buffer], release: () => released++ };
    };
    // The write of a non-string throws mid-body: the scraper must see a broken response, not a 200 it trusts.
    await expect(get(port)).rejects.toThrow();
    expect(calls).toBe(1);
    await vi.waitFor(() => expect(released).toBe(1), { timeout: 30_000 });
    m.ports.render = render;
    expect((await get(port)).status).toBe(200);
  });

  it('two scrapes at once each get their own whole text; a slab goes back only when its response is done', async () => {
    // Far more text than the loopback socket buffers hold, so the slow scrape stays mid-body.
    const m = fleet(20_000);
    const port = await serve(m);
    const render = m.ports.render.bind(m.ports);
    const released: number[] = [];
    let rendered = 0;
    m.ports.render = () => {
      const t = render();
      const id = rendered++;
      return {
        pieces: t.pieces,
        release: () => {
          released.push(id);
          t.release();
        },
      };
    };
    const slow = connect(port, '127.0.0.1');
    await new Promise<void>((r) => slow.once('connect', () => r()));
    const chunks: Buffer[] = [];
    slow.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise<void>((r) => slow.once('end', () => r()));
    slow.write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    slow.pause();
    await vi.waitFor(() => expect(rendered).toBe(1), { timeout: 30_000 });
    for (let i = 0; i < 20_000; i++)
      m.ports.hold(`hc-${i}`, `sw${i % 40}`, `100GE1/0/${i}`).state = 'unavailable';
    const fast = await get(port);
    expect(fast.body).toContain(
      'dcagent_connection_state{connection="hc-7",device="sw7",port="100GE1/0/7",state="unavailable"} 1',
    );
    await vi.waitFor(() => expect(released).toEqual([1]), { timeout: 30_000 });
    slow.resume();
    await ended;
    const body = Buffer.concat(chunks).toString('utf8');
    // The slow scrape is the fleet as it was when it began, every line of it.
    expect(body).toContain(
      'dcagent_connection_state{connection="hc-7",device="sw7",port="100GE1/0/7",state="available"} 1',
    );
    expect(body).not.toContain('state="unavailable"} 1');
    expect(body.split('\n').filter((l) => l.startsWith('dcagent_port_rx_dbm{'))).toHaveLength(80_000);
    await vi.waitFor(() => expect(released).toEqual([1, 0]), { timeout: 30_000 });
    slow.destroy();
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
