import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { readTrap } from '../../../agent/traps/trap-pdu.js';
import { ietfInterfacesPlatform } from '../../../drivers/platforms/ietf-interfaces/index.js';
import { netSnmp } from '../../../drivers/transport/snmp.js';
import { ietfLabPlatform } from '../../../lab/netconf/platforms/ietf-interfaces.js';
import { NetconfSimSwitch } from '../../../lab/netconf/switch.js';
import { validateLabOptions } from '../../../lab/options.js';
import { LabTrapSender, parseTrapTarget } from '../../../lab/snmp/trap-sender.js';

const PORT = '10GE1/0/1';

describe('parseTrapTarget and the lab options', () => {
  it('reads host:port and [v6]:port, and refuses anything else in one line', () => {
    expect(parseTrapTarget('127.0.0.1:1162')).toEqual({ host: '127.0.0.1', port: 1162 });
    expect(parseTrapTarget('[::1]:162')).toEqual({ host: '::1', port: 162 });
    expect(() => parseTrapTarget('nohost')).toThrow('trap target must be host:port, got "nohost"');
    expect(() => parseTrapTarget('h:70000')).toThrow(/host:port/);
  });

  it('validates --trap-target and --trap-drop', () => {
    expect(validateLabOptions({ trapTargets: ['127.0.0.1:1162'], trapDrop: 0.5 })).toEqual([]);
    expect(validateLabOptions({ trapTargets: ['x'], trapDrop: 2 })).toEqual([
      'trap target must be host:port, got "x"',
      'trap drop must be a fraction from 0 to 1',
    ]);
  });
});

describe('LabTrapSender', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  async function rig(dropFraction: number) {
    const received: { community?: string; pdu: unknown }[] = [];
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    sock.close();
    const receiver = netSnmp.createReceiver(
      { port, address: '127.0.0.1', includeAuthentication: true },
      (err, data) => {
        if (!err) received.push((data as { pdu: { community?: string } }).pdu as never);
      },
    );
    receiver.getAuthorizer().addCommunity('lab-c');
    closers.push(() => receiver.close());
    const sw = new NetconfSimSwitch({
      id: 'sw-trap',
      platform: ietfLabPlatform,
      optics: 'huawei',
      ports: [{ name: PORT, portType: '10GBASE-LR' }],
      linkUpDelayMs: 0,
      patched: true,
    });
    closers.push(() => sw.stop());
    const sender = new LabTrapSender(sw, {
      targets: [{ host: '127.0.0.1', port }],
      community: 'lab-c',
      dropFraction,
    });
    closers.push(() => sender.close());
    return { sw, sender, received };
  }

  const waitFor = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('sends linkUp when a port comes up and linkDown on a cut, once per flip', async () => {
    const { sw, sender, received } = await rig(0);
    sw.netconf.applyExternal(
      ietfInterfacesPlatform.intentPayload({
        port: PORT,
        description: 'HC hc-1 t',
        enabled: true,
        portType: '10GBASE-LR',
      }),
      'test',
    );
    await waitFor(() => received.length >= 1);
    sw.cut(PORT);
    sw.cut(PORT);
    await waitFor(() => received.length >= 2);
    const ifIndex = sw.port(PORT).ifIndex;
    expect(received.map((p) => readTrap(p as never))).toEqual([
      { type: 'linkUp', ifIndex },
      { type: 'linkDown', ifIndex },
    ]);
    expect(sender.counters).toEqual({ sent: 2, dropped: 0 });
  });

  it('drops the given share of traps', async () => {
    const { sw, sender } = await rig(1);
    sw.netconf.applyExternal(
      ietfInterfacesPlatform.intentPayload({
        port: PORT,
        description: 'HC hc-1 t',
        enabled: true,
        portType: '10GBASE-LR',
      }),
      'test',
    );
    sw.cut(PORT);
    expect(sender.counters).toEqual({ sent: 0, dropped: 2 });
  });
});
