import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../config/load.js';
import { createLogger, type Logger } from '../../../core/logger.js';

const SECRETS = {
  SW_PASS: 'Tr0ub4dor&3-"quoted"-pass',
  SW_COMM: 'c0mmunity-str1ng-9f8e',
  SW_AUTH: 'auth-key-6d5c4b3a',
  SW_PRIV: 'priv-key-2a1b0c9d',
  REDIS_PASSWORD: 'redis-p@ss/w0rd',
};

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** A port that accepts TCP and closes at once: a device whose SSH service is broken. */
async function brokenSshPort(): Promise<{ port: number; close: () => void }> {
  const srv = createServer((sock) => sock.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  if (typeof addr !== 'object' || !addr) throw new Error('no address');
  return { port: addr.port, close: () => srv.close() };
}

const FP = 'SHA256:Ra3YvU1tUYxT5hZb2cU0qW8bN6m1FV8s1v0gq7JzK9A';

/** Everything careless code might log on a failed connection, fed through `log`. */
async function logAFailedConnection(log: Logger): Promise<void> {
  const cfg = buildConfig(
    {
      redis: { url: `redis://:${encodeURIComponent(SECRETS.REDIS_PASSWORD)}@127.0.0.1:1` },
      devices: [
        {
          id: 'sw1',
          host: '127.0.0.1',
          platform: 'ietf-interfaces',
          portType: '10GBASE-LR',
          ports: ['10GE1/0/1'],
          netconf: { username: 'netops', passwordEnv: 'SW_PASS', hostKey: FP },
          snmp: {
            version: 3,
            user: 'u',
            authProtocol: 'sha',
            authKeyEnv: 'SW_AUTH',
            privProtocol: 'aes',
            privKeyEnv: 'SW_PRIV',
          },
          optics: 'huawei',
        },
        {
          id: 'sw2',
          host: '127.0.0.1',
          platform: 'ietf-interfaces',
          portType: '10GBASE-LR',
          ports: ['10GE1/0/1'],
          netconf: { username: 'netops', passwordEnv: 'SW_PASS', hostKey: FP },
          snmp: { version: '2c', communityEnv: 'SW_COMM' },
          optics: 'h3c',
        },
      ],
    },
    { env: SECRETS },
  );
  log.info({ config: cfg }, 'config loaded');
  const device = cfg.devices[0]!;
  const password = device.netconf!.credentials.password!.reveal();
  const community = cfg.devices[1]!.snmp.community!.reveal();
  const broken = await brokenSshPort();
  const connectOptions = {
    host: '127.0.0.1',
    port: broken.port,
    username: 'netops',
    password,
    readyTimeout: 2_000,
  };
  const err = await new Promise<Error>((resolve) => {
    const c = new Client();
    c.on('error', resolve);
    c.on('ready', () => resolve(new Error('unexpected ready')));
    c.connect(connectOptions);
  });
  broken.close();
  // The shapes a careless log call produces: raw options, the secret in a message, in an error, in a URL.
  log.error({ err, connectOptions, device: device.id }, `connect to ${device.host} failed`);
  log.warn({ snmp: { community, authKey: device.snmp.authKey!.reveal() } }, 'snmp session');
  log.warn(`retrying with community ${community} and password ${password}`);
  log.error({ err: new Error(`auth failed for netops/${password}`) }, 'wrapped');
  log.info({ redisUrl: cfg.redis.url }, 'redis');
  log.info({ nested: { deeper: { privKey: device.snmp.privKey!.reveal() } } }, 'nested');
}

describe('secrets never reach the log', () => {
  it('the agent logger removes every secret, whatever the shape', async () => {
    const out = capture();
    await logAFailedConnection(createLogger({ destination: out.stream, level: 'debug' }));
    const text = out.text();
    expect(text).toContain('connect to 127.0.0.1 failed');
    expect(text).toContain('[REDACTED]');
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(text, name).not.toContain(secret);
      expect(text, name).not.toContain(JSON.stringify(secret).slice(1, -1));
      expect(text, name).not.toContain(encodeURIComponent(secret));
    }
  });

  it('control: the same calls through a plain pino logger do leak, so the test above can fail', async () => {
    const out = capture();
    await logAFailedConnection(pino({ level: 'debug' }, out.stream));
    const text = out.text();
    expect(text).toContain(JSON.stringify(SECRETS.SW_PASS).slice(1, -1));
    expect(text).toContain(SECRETS.SW_COMM);
    expect(text).toContain(SECRETS.SW_PRIV);
  });
});
