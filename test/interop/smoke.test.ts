// Proves each peer of the rig answers, through the libraries the agent itself uses. If one of
// these fails, the interop suite's other failures are about the rig, not the code under test.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'ssh2';
import { describe, expect, inject, it } from 'vitest';
import { holdLock, NcclientError, ncclient } from '../../testkit/peers/ncclient.js';
import { type NetconfPeerInfo, PEERS_FILE_ENV, readPeersFromEnv } from '../../testkit/peers/types.js';

const peers = inject('peers');

// net-snmp ships no types; declaring only what this file uses keeps it independent of
// whatever declaration the driver code adopts.
interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}
interface SnmpSession {
  get(oids: string[], cb: (err: Error | null, varbinds?: Varbind[]) => void): void;
  set(varbinds: Varbind[], cb: (err: Error | null, varbinds?: Varbind[]) => void): void;
  close(): void;
  on(event: 'error', cb: (err: Error) => void): void;
}
interface NetSnmp {
  Version2c: number;
  Version3: number;
  SecurityLevel: { authPriv: number };
  AuthProtocols: { sha: number };
  PrivProtocols: { aes: number };
  ObjectType: { Integer: number };
  createSession(host: string, community: string, options: object): SnmpSession;
  createV3Session(host: string, user: object, options: object): SnmpSession;
  isVarbindError(vb: Varbind): boolean;
  varbindError(vb: Varbind): string;
}
const snmp = createRequire(import.meta.url)('net-snmp') as NetSnmp;

const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const IF_ADMIN_STATUS_2 = '1.3.6.1.2.1.2.2.1.7.2';

function snmpCall(session: SnmpSession, call: (cb: (err: Error | null, vbs?: Varbind[]) => void) => void) {
  return new Promise<Varbind[]>((resolve, reject) => {
    session.on('error', reject);
    call((err, vbs) => {
      if (err) return reject(err);
      const bad = (vbs ?? []).find((vb) => snmp.isVarbindError(vb));
      if (bad) return reject(new Error(`${bad.oid}: ${snmp.varbindError(bad)}`));
      resolve(vbs ?? []);
    });
  });
}

async function v2c<T>(community: string, fn: (s: SnmpSession) => Promise<T>): Promise<T> {
  const session = snmp.createSession(peers.snmp.host, community, {
    port: peers.snmp.port,
    version: snmp.Version2c,
    timeout: 2000,
    retries: 1,
  });
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** OpenSSH's fingerprint form: base64 of SHA-256 over the key blob, without padding. */
const sha256Fingerprint = (key: Buffer) =>
  `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

/** Reads the server's NETCONF <hello> over the `netconf` subsystem, pinning the host key. */
function readHello(
  peer: NetconfPeerInfo,
  pin: string,
  { timeoutMs = 10_000, maxBytes = 256 * 1024 } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presented = '';
    const finish = (err: Error | null, hello?: string) => {
      clearTimeout(timer);
      client.end();
      if (err) reject(err);
      else resolve(hello!);
    };
    const timer = setTimeout(() => finish(new Error(`no <hello> within ${timeoutMs} ms`)), timeoutMs);
    client.on('error', (err) => finish(new Error(`${err.message} (presented ${presented || 'nothing'})`)));
    client.on('ready', () => {
      client.subsys('netconf', (err, stream) => {
        if (err) return finish(err);
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (d: Buffer) => {
          chunks.push(d);
          size += d.length;
          const all = Buffer.concat(chunks);
          const end = all.indexOf(']]>]]>');
          if (end >= 0) finish(null, all.subarray(0, end).toString('utf8'));
          else if (size > maxBytes) finish(new Error(`no end of <hello> within ${maxBytes} bytes`));
        });
        stream.on('close', () => finish(new Error('netconf subsystem closed before the end of <hello>')));
      });
    });
    client.connect({
      host: peer.host,
      port: peer.port,
      username: peer.username,
      privateKey: readFileSync(peer.privateKeyPath),
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        presented = sha256Fingerprint(key);
        return presented === pin;
      },
    });
  });
}

describe('redis peer', () => {
  it('answers PING through ioredis, on its own port', async () => {
    expect(peers.redis.port).not.toBe(6379);
    const redis = new Redis(peers.redis.url, {
      lazyConnect: true,
      connectTimeout: 3000,
      maxRetriesPerRequest: 1,
    });
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});

describe('netconf peers (netconfd behind sshd)', () => {
  const instances = Object.values(peers.netconf);

  it.each(instances.map((p) => [p.name, p] as const))(
    '%s: pinned host key, <hello> with base:1.1 and :candidate',
    async (_name, peer) => {
      const hello = await readHello(peer, peer.hostKeySha256);
      expect(hello).toContain('<hello');
      expect(hello).toContain('urn:ietf:params:netconf:base:1.1');
      expect(hello).toContain('urn:ietf:params:netconf:capability:candidate:1.0');
      // The instance really loaded its YANG files (a bad path only warns at startup).
      for (const mod of peer.modules)
        expect(hello).toContain(`module=${basename(mod).replace(/(@[\d-]+)?\.yang$/, '')}`);
    },
  );

  it.skipIf(!peers.netconf.huawei)(
    `huawei: the seeded ports exist (needs ${peers.yang.dir}/huawei)`,
    async () => {
      const hw = peers.netconf.huawei!;
      const data = await ncclient(hw, { op: 'get-config' });
      expect(hw.seededPorts.length).toBeGreaterThan(0);
      for (const port of hw.seededPorts) expect(data).toContain(`<name>${port}</name>`);
      expect(data).toContain('<name>_public_</name>');
    },
  );

  it('refuses a host key that does not match the pin', async () => {
    const wrong = peers.netconf.ietf.hostKeys.rsa; // a real fingerprint, just not the presented key's
    await expect(readHello(peers.netconf.ietf, wrong, { timeoutMs: 5000 })).rejects.toThrow(
      /verification failed|denied/i,
    );
  });

  it('ncclient (independent checker) reads and writes the ietf device', async () => {
    const peer = peers.netconf.ietf;
    const name = `smoke-${process.pid}`;
    const iface = (body: string) =>
      `<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface${body}</interface></interfaces>`;
    await ncclient(peer, {
      op: 'edit-config',
      config: iface(
        `><name>${name}</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><description>rig smoke</description>`,
      ),
    });
    try {
      const data = await ncclient(peer, { op: 'get-config', source: 'running' });
      expect(data).toContain('<data');
      expect(data).toContain(`<name>${name}</name>`);
      expect(data).toContain('rig smoke');
    } finally {
      await ncclient(peer, {
        op: 'edit-config',
        config: iface(
          ` xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete"><name>${name}</name>`,
        ),
      });
    }
    expect(await ncclient(peer, { op: 'get-config' })).not.toContain(`<name>${name}</name>`);
  });

  it('ncclient lock-and-hold makes another session fail to lock', async () => {
    const peer = peers.netconf.ietf;
    const held = holdLock(peer, 60);
    try {
      await held.locked;
      const err = await ncclient(peer, { op: 'lock-and-hold', seconds: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NcclientError);
      expect((err as NcclientError).exitCode).toBe(1);
      expect((err as NcclientError).stderr).toMatch(/lock-denied|in-use/);
    } finally {
      expect(await held.release()).toBe(0);
    }
  });
});

describe('snmp peer (snmpsimd)', () => {
  it('answers a v2c GET of the recorded cisco_16_switch', async () => {
    const [descr, uptime] = await v2c('cisco_16_switch', (s) =>
      snmpCall(s, (cb) => s.get([SYS_DESCR, SYS_UPTIME], cb)),
    );
    expect(String(descr?.value)).toMatch(/Cisco IOS Software/);
    expect(uptime?.value).toBe(697202257);
  });

  it('answers an SNMPv3 authPriv (SHA/AES) GET in the device context', async () => {
    const { v3 } = peers.snmp;
    const session = snmp.createV3Session(
      peers.snmp.host,
      {
        name: v3.user,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols.sha,
        authKey: v3.authKey,
        privProtocol: snmp.PrivProtocols.aes,
        privKey: v3.privKey,
      },
      {
        port: peers.snmp.port,
        version: snmp.Version3,
        context: 'cisco_16_switch',
        timeout: 3000,
        retries: 1,
      },
    );
    try {
      const [name] = await snmpCall(session, (cb) => session.get([SYS_NAME], cb));
      expect(String(name?.value)).toBe('Profiler3750');
    } finally {
      session.close();
    }
  });

  it('serves the fixture with a writable ifAdminStatus (SET then GET)', async () => {
    expect(peers.snmp.communities).toContain('sample-ifmib');
    await v2c('sample-ifmib', async (s) => {
      const set = (value: number) =>
        snmpCall(s, (cb) => s.set([{ oid: IF_ADMIN_STATUS_2, type: snmp.ObjectType.Integer, value }], cb));
      await set(1);
      try {
        const [vb] = await snmpCall(s, (cb) => s.get([IF_ADMIN_STATUS_2], cb));
        expect(vb?.value).toBe(1);
      } finally {
        await set(2);
      }
    });
  });
});

describe('hand-over to child processes', () => {
  it(`${PEERS_FILE_ENV} names a file with the same peers`, () => {
    expect(readPeersFromEnv()).toEqual(peers);
  });
});
