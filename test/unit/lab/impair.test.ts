// The lab's bad network (lab/model/impair.ts): seeded SNMP loss and delay at the switch's UDP socket,
// and an in-order delay on its TCP sockets, asked through net-snmp and plain sockets.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OID } from '../../../drivers/mib/mib.js';
import { netSnmp, type Varbind } from '../../../drivers/transport/snmp.js';
import { DelayLine, delaySocket, seededRandom } from '../../../lab/model/impair.js';
import { ietfLabPlatform } from '../../../lab/netconf/platforms/ietf-interfaces.js';
import { NetconfSimSwitch } from '../../../lab/netconf/switch.js';
import { LabSnmpAgent } from '../../../lab/snmp/agent.js';

const COMMUNITY = 'lab-impair';

interface RawSession {
  get(oids: string[], cb: (err: Error | null, vbs?: Varbind[]) => void): void;
  close(): void;
}

describe('seeded randomness and the delay line', () => {
  it('the same seed gives the same draws', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('keeps order when the delay shrinks between pushes', async () => {
    const line = new DelayLine();
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      line.push(60, () => seen.push(1));
      line.push(0, () => seen.push(2));
      line.push(20, () => {
        seen.push(3);
        resolve();
      });
    });
    await done;
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('impaired lab SNMP responder', () => {
  let sw: NetconfSimSwitch;
  let agent: LabSnmpAgent;
  const sessions: RawSession[] = [];

  function session(timeout: number): RawSession {
    const s = (
      netSnmp as unknown as { createSession(h: string, c: string, o: object): RawSession }
    ).createSession('127.0.0.1', COMMUNITY, {
      port: agent.port,
      version: netSnmp.Version2c,
      timeout,
      retries: 0,
    });
    sessions.push(s);
    return s;
  }
  const get = (s: RawSession) =>
    new Promise<Varbind[]>((resolve, reject) =>
      s.get([OID.sysUpTime], (e, v) => (e ? reject(e) : resolve(v!))),
    );

  beforeAll(async () => {
    sw = new NetconfSimSwitch({
      id: 'sw-impair',
      platform: ietfLabPlatform,
      optics: 'h3c',
      ports: [{ name: '10GE1/0/1', portType: '10GBASE-LR' }],
      linkUpDelayMs: 0,
    });
    agent = await LabSnmpAgent.start(sw, { host: '127.0.0.1', community: COMMUNITY });
  });
  afterAll(async () => {
    for (const s of sessions) s.close();
    await agent.close();
    sw.stop();
  });

  it('loses exactly the requests its seed says, and the same ones again with the same seed', async () => {
    const run = async () => {
      sw.impair({ snmpLoss: 0.3, seed: 42 });
      const s = session(80);
      const outcome: boolean[] = [];
      for (let i = 0; i < 40; i++)
        outcome.push(
          await get(s).then(
            () => true,
            () => false,
          ),
        );
      return outcome;
    };
    const lostBefore = agent.counters.lost;
    const first = await run();
    const second = await run();
    sw.impair({});
    const r = seededRandom(42);
    const expected = Array.from({ length: 40 }, () => !(r() < 0.3));
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    expect(agent.counters.lost - lostBefore).toBe(2 * expected.filter((ok) => !ok).length);
  });

  it('100% loss answers nothing; clearing the impairment answers again', async () => {
    sw.impair({ snmpLoss: 1 });
    await expect(get(session(100))).rejects.toThrow(/timed out/i);
    sw.impair({});
    expect(await get(session(1000))).toHaveLength(1);
  });

  it('a delayed reply misses a shorter timeout and lands within a longer one', async () => {
    sw.impair({ snmpDelayMs: 400 });
    try {
      await expect(get(session(100))).rejects.toThrow(/timed out/i);
      expect(await get(session(5_000))).toHaveLength(1);
    } finally {
      sw.impair({});
    }
  });
});

describe('delaySocket', () => {
  let server: Server;
  let delay = 0;
  beforeAll(async () => {
    // An echo server whose accepted sockets go through the lab's delay, as SwitchListener's do.
    server = createServer((sock: Socket) => {
      delaySocket(sock, () => delay);
      sock.on('data', (d) => sock.write(d));
      sock.on('end', () => sock.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('passes every byte through in order each way, even while the delay changes, and ends', async () => {
    const port = (server.address() as { port: number }).port;
    const client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    const got: Buffer[] = [];
    client.on('data', (d) => got.push(d));
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    const chunks = Array.from({ length: 30 }, (_, i) => `chunk-${i};`);
    for (const [i, c] of chunks.entries()) {
      delay = [80, 0, 30][i % 3]!;
      client.write(c);
      await new Promise((r) => setTimeout(r, 5));
    }
    client.end();
    await ended;
    expect(Buffer.concat(got).toString()).toBe(chunks.join(''));
    client.destroy();
  });
});
