// The lab's NETCONF server with independent clients (ncclient, raw ssh2) and ours: what a client
// sees must be what netconfd shows it, from the hello to the rpc-errors and the confirmed-commit
// rollback; the lab's own faults (silence, reboot) must look like a real box's.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'ssh2';
import { describe, expect, inject, it } from 'vitest';
import type { DeviceConfig } from '../../config/load.js';
import { isDcAgentError } from '../../core/errors.js';
import { createDriver } from '../../drivers/factory/factory.js';
import { EOM_MARKER } from '../../drivers/netconf/framer.js';
import { sessionOptionsFor, sshTargetFor } from '../../drivers/netconf/pool.js';
import * as rpc from '../../drivers/netconf/rpc.js';
import { NetconfSession } from '../../drivers/netconf/session.js';
import { ietfInterfacesPlatform } from '../../drivers/platforms/ietf-interfaces/index.js';
import { holdLock, ncclient } from '../../testkit/peers/ncclient.js';
import { NCCLIENT_PYTHON, NCCLIENT_TOOL } from '../../testkit/peers/rig.js';
import { clientKey, labForFile, labPeerInfo } from '../conformance/lab-suite.js';
import { deviceForPeer } from '../conformance/netconf-device.js';
import { ncclientReadPort } from '../conformance/netconf-peer-tools.js';

const run = promisify(execFile);
const peers = inject('peers');
const key = clientKey();
const lab = labForFile({ devices: 2, ports: 4, platform: 'ietf-interfaces', linkUpDelayMs: 100 }, key);

/** What `p` rejects with; a fulfilled `p` yields a marker that no assertion below accepts. */
const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => ({ fulfilled: true }),
    (err: unknown) => err,
  );

/** Lock, clean, edit and commit with confirm-timeout, then leave the commit unconfirmed. */
async function unconfirmedCommit(device: DeviceConfig, port: string, description: string, seconds: number) {
  const s = await NetconfSession.connect(sshTargetFor(device), sessionOptionsFor(device));
  await s.rpc(rpc.lock('candidate'));
  await s.rpc(rpc.discardChanges());
  await s.rpc(
    rpc.editConfig({
      target: 'candidate',
      config: ietfInterfacesPlatform.intentPayload({
        port,
        description,
        enabled: true,
        portType: '10GBASE-LR',
      }),
    }),
  );
  await s.rpc(rpc.commit({ confirmed: true, confirmTimeout: seconds }));
  return s;
}

describe('lab NETCONF server', () => {
  it('ncclient logs in by key and reads the whole running config: every port, shut, without description', async () => {
    const d = (await lab()).devices[0]!;
    const xml = await ncclient(labPeerInfo(d, key), { op: 'get-config' });
    for (const p of d.ports) expect(xml).toContain(`<name>${p.name}</name>`);
    expect(xml).toContain('urn:ietf:params:xml:ns:yang:ietf-interfaces');
    expect(xml).not.toContain('<description>');
    expect(await ncclientReadPort(labPeerInfo(d, key), 'ietf', '10GE1/0/3')).toEqual({ enabled: false });
  });

  it('ncclient logs in with the password too, and a wrong one is refused', async () => {
    const d = (await lab()).devices[0]!;
    const args = (password: string) =>
      JSON.stringify({
        port: d.netconf.port,
        username: d.netconf.username,
        password,
        op: 'get',
        timeout: 10,
      });
    const ok = await run(NCCLIENT_PYTHON, [NCCLIENT_TOOL, args(d.netconf.password)]);
    expect(ok.stdout).toContain('<oper-status>down</oper-status>');
    const bad = (await rejection(run(NCCLIENT_PYTHON, [NCCLIENT_TOOL, args('not-it')]))) as { code?: number };
    expect(bad.code).toBe(3);
  });

  it('speaks base:1.0 end-of-message framing to a client that only knows 1.0', async () => {
    const d = (await lab()).devices[0]!;
    const reply = await new Promise<string>((resolve, reject) => {
      const c = new Client();
      let got = '';
      c.on('ready', () => {
        c.subsys('netconf', (err, stream) => {
          if (err) return reject(err);
          stream.write(`${rpc.hello([rpc.CAP.base10])}]]>]]>`);
          stream.write(
            `${rpc.rpcEnvelope('7', rpc.getConfig('running', ietfInterfacesPlatform.portFilter('10GE1/0/1')))}]]>]]>`,
          );
          stream.on('data', (b: Buffer) => {
            got += b.toString('utf8');
            // The hello, then the reply, each ended by the marker.
            if (got.split(EOM_MARKER.toString()).length >= 3) {
              c.end();
              resolve(got);
            }
          });
        });
      });
      c.on('error', reject);
      c.connect({ host: d.host, port: d.netconf.port, username: 'netops', password: d.netconf.password });
    });
    const [hello, answer] = reply.split(']]>]]>');
    expect(hello).toContain('urn:ietf:params:netconf:base:1.1');
    expect(hello).toMatch(/<session-id>\d+<\/session-id>/);
    expect(answer).toContain('message-id="7"');
    expect(answer).toContain('<name>10GE1/0/1</name>');
    expect(answer).not.toMatch(/\n#\d+\n/);
  });

  it('a confirmed commit without the confirming commit rolls back, in the lab as in netconfd', {
    timeout: 90_000,
  }, async () => {
    const d = (await lab()).devices[1]!;
    const targets: [string, DeviceConfig, () => Promise<{ description?: string } | undefined>, string][] = [
      [
        'lab',
        (await lab()).deviceConfig(d.id),
        () => ncclientReadPort(labPeerInfo(d, key), 'ietf', '10GE1/0/4'),
        '10GE1/0/4',
      ],
      [
        'netconfd',
        deviceForPeer(peers.netconf.ietf, {
          id: 'lab-compare',
          platform: 'ietf-interfaces',
          ports: ['10GE7/0/31'],
        }),
        () => ncclientReadPort(peers.netconf.ietf, 'ietf', '10GE7/0/31'),
        '10GE7/0/31',
      ],
    ];
    // Long enough for ncclient (Python start-up, SSH login) to look while the commit is pending on a
    // loaded machine; the second look waits out the timeout counted from the commit itself.
    const CONFIRM_S = 8;
    for (const [name, device, read, port] of targets) {
      const before = (await read())?.description;
      const s = await unconfirmedCommit(device, port, `HC hc-confirm-${name} pending`, CONFIRM_S);
      const committedAt = Date.now();
      try {
        expect((await read())?.description, `${name}: running holds the change while it waits`).toBe(
          `HC hc-confirm-${name} pending`,
        );
        await sleep(Math.max(0, committedAt + CONFIRM_S * 1000 + 2_500 - Date.now()));
        expect((await read())?.description, `${name}: rolled back after the timeout`).toBe(before);
      } finally {
        await s.close();
      }
    }
  });

  it('losing the session between confirmed and confirming commit rolls back at once', async () => {
    const l = await lab();
    const d = l.devices[1]!;
    const s = await unconfirmedCommit(l.deviceConfig(d.id), '10GE1/0/3', 'HC hc-lost session', 60);
    s.destroy();
    await sleep(300);
    expect((await ncclientReadPort(labPeerInfo(d, key), 'ietf', '10GE1/0/3'))?.description).toBeUndefined();
  });

  it('a lock held by ncclient makes our apply fail with lock-denied naming the holder', async () => {
    const d = (await lab()).devices[0]!;
    const held = holdLock(labPeerInfo(d, key), 60);
    await held.locked;
    const driver = createDriver((await lab()).deviceConfig(d.id));
    try {
      const err = await rejection(
        driver.apply({
          port: '10GE1/0/2',
          description: 'HC hc-lock x',
          enabled: true,
          portType: '10GBASE-LR',
        }),
      );
      expect(isDcAgentError(err) && err.code).toBe('lock-denied');
      const errors = (err as { details: { errors: { tag: string; info?: Record<string, string> }[] } })
        .details.errors;
      expect(errors[0]).toMatchObject({
        tag: 'lock-denied',
        info: { 'session-id': expect.stringMatching(/^\d+$/) },
      });
    } finally {
      await driver.close();
      await held.release();
    }
  });

  it('a silent switch hangs open sessions and times out new ones; it answers again on wake', async () => {
    const l = await lab();
    const d = l.devices[0]!;
    const cfg = l.deviceConfig(d.id, { rpcTimeoutMs: 800, connectTimeoutMs: 800 });
    const s = await NetconfSession.connect(sshTargetFor(cfg), sessionOptionsFor(cfg));
    try {
      d.sim.silence();
      const hung = await rejection(s.rpc(rpc.getConfig('running')));
      expect(isDcAgentError(hung) && hung.code).toBe('timeout');
      const fresh = await rejection(NetconfSession.connect(sshTargetFor(cfg), sessionOptionsFor(cfg)));
      expect(isDcAgentError(fresh) && fresh.code).toBe('timeout');
      d.sim.wake();
      const reply = await s.rpc(rpc.getConfig('running', ietfInterfacesPlatform.portFilter('10GE1/0/1')));
      expect(reply.root.children[0]?.name).toBe('data');
    } finally {
      d.sim.wake();
      s.destroy();
    }
  });

  it('a reboot drops sessions, keeps running and loses the candidate', async () => {
    const l = await lab();
    const d = l.devices[0]!;
    const driver = createDriver(l.deviceConfig(d.id));
    await driver.apply({
      port: '10GE1/0/1',
      description: 'HC hc-reboot kept',
      enabled: true,
      portType: '10GBASE-LR',
    });
    await driver.close();
    const cfg = l.deviceConfig(d.id);
    const s = await NetconfSession.connect(sshTargetFor(cfg), sessionOptionsFor(cfg));
    await s.rpc(
      rpc.editConfig({
        target: 'candidate',
        config: ietfInterfacesPlatform.intentPayload({
          port: '10GE1/0/2',
          description: 'HC hc-reboot lost',
          enabled: true,
          portType: '10GBASE-LR',
        }),
      }),
    );
    const closed = new Promise<void>((resolve) => s.onClose(() => resolve()));
    const back = d.sim.reboot(500);
    await closed;
    await back;
    const peer = labPeerInfo(d, key);
    expect(await ncclientReadPort(peer, 'ietf', '10GE1/0/1')).toEqual({
      description: 'HC hc-reboot kept',
      enabled: true,
    });
    const candidate = await ncclient(peer, {
      op: 'get-config',
      source: 'candidate',
      filter: `<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>10GE1/0/2</name></interface></interfaces>`,
    });
    expect(candidate).not.toContain('hc-reboot lost');
  });
});
