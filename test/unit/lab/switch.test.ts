import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../../config/defaults.js';
import { ietfInterfacesPlatform } from '../../../drivers/platforms/ietf-interfaces/index.js';
import { LabActionError, OPTICAL_PROFILE, type SwitchChange } from '../../../lab/model/switch.js';
import { ietfLabPlatform } from '../../../lab/netconf/platforms/ietf-interfaces.js';
import { NetconfSimSwitch } from '../../../lab/netconf/switch.js';

const TEN = '10GE1/0/1';
const HUNDRED = '100GE1/0/2';

function provision(sw: NetconfSimSwitch, port: string, enabled = true): void {
  const portType = sw.port(port).portType;
  sw.netconf.applyExternal(
    ietfInterfacesPlatform.intentPayload({ port, description: `HC hc-${port} test`, enabled, portType }),
    'test',
  );
}

describe('lab switch physics', () => {
  let sw: NetconfSimSwitch;
  let changes: SwitchChange[];

  beforeEach(() => {
    vi.useFakeTimers();
    sw = new NetconfSimSwitch({
      id: 'sw-test',
      platform: ietfLabPlatform,
      optics: 'huawei',
      ports: [
        { name: TEN, portType: '10GBASE-LR' },
        { name: HUNDRED, portType: '100GBASE-LR4' },
      ],
      linkUpDelayMs: 1000,
    });
    changes = [];
    sw.onChange((c) => changes.push(c));
  });
  afterEach(() => {
    sw.stop();
    vi.useRealTimers();
  });

  const state = (name: string) => {
    const p = sw.port(name);
    return { admin: p.adminUp, oper: p.operUp, light: sw.light(p) };
  };

  it('a new port is shut and dark', () => {
    expect(state(TEN)).toEqual({ admin: false, oper: false, light: [{ lane: 1, rxDbm: null, txDbm: null }] });
    expect(sw.light(sw.port(HUNDRED))).toHaveLength(4);
  });

  it('Rx follows the fibre whatever the admin state; Tx follows admin (the laser)', () => {
    sw.patch(TEN);
    const [lit] = state(TEN).light;
    expect(lit?.txDbm).toBeNull();
    expect(lit?.rxDbm).toBeCloseTo(OPTICAL_PROFILE['10GBASE-LR'].rxDbm, 0);
    const th = DEFAULT_THRESHOLDS['10GBASE-LR'];
    expect(lit!.rxDbm!).toBeGreaterThan(th.rx[0]);
    expect(lit!.rxDbm!).toBeLessThan(th.rx[1]);
    expect(state(TEN).oper).toBe(false);
    provision(sw, TEN);
    const tx = state(TEN).light[0]!.txDbm!;
    expect(tx).toBeGreaterThan(th.tx[0]);
    expect(tx).toBeLessThan(th.tx[1]);
  });

  it('oper comes up linkUpDelayMs after admin up with light, and goes down at once on a cut', () => {
    provision(sw, TEN);
    expect(state(TEN)).toMatchObject({ admin: true, oper: false });
    sw.patch(TEN);
    vi.advanceTimersByTime(999);
    expect(state(TEN).oper).toBe(false);
    vi.advanceTimersByTime(1);
    expect(state(TEN).oper).toBe(true);
    const upAt = sw.port(TEN).lastChange;
    expect(upAt).toBe(sw.uptimeTicks());
    vi.advanceTimersByTime(5_000);
    sw.cut(TEN);
    expect(state(TEN)).toMatchObject({ admin: true, oper: false });
    expect(state(TEN).light[0]).toMatchObject({ rxDbm: null });
    expect(state(TEN).light[0]!.txDbm).not.toBeNull();
    expect(sw.port(TEN).lastChange).toBe(upAt + 500);
  });

  it('admin follows committed running only: shutting the port takes the link and the laser down', () => {
    sw.patch(TEN);
    provision(sw, TEN);
    vi.advanceTimersByTime(1000);
    expect(state(TEN).oper).toBe(true);
    provision(sw, TEN, false);
    expect(state(TEN)).toMatchObject({ admin: false, oper: false });
    expect(state(TEN).light[0]!.txDbm).toBeNull();
  });

  it('a degrade below the Rx threshold keeps the link; below loss of signal it drops it', () => {
    sw.patch(TEN);
    provision(sw, TEN);
    vi.advanceTimersByTime(1000);
    const nominal = state(TEN).light[0]!.rxDbm!;
    sw.degrade(TEN, 13);
    expect(state(TEN).light[0]!.rxDbm).toBeCloseTo(nominal - 13, 5);
    expect(state(TEN).light[0]!.rxDbm!).toBeLessThan(DEFAULT_THRESHOLDS['10GBASE-LR'].rx[0]);
    expect(state(TEN).oper).toBe(true);
    sw.degrade(TEN, 20);
    expect(state(TEN).oper).toBe(false);
    sw.degrade(TEN, 45);
    expect(state(TEN).light[0]!.rxDbm).toBeNull();
    sw.degrade(TEN, 0);
    vi.advanceTimersByTime(1000);
    expect(state(TEN).oper).toBe(true);
    expect(() => sw.degrade(TEN, -1)).toThrow(LabActionError);
  });

  it('every lane of a 100GBASE-LR4 port carries its own light, inside the per-lane thresholds', () => {
    sw.patch(HUNDRED);
    provision(sw, HUNDRED);
    vi.advanceTimersByTime(1000);
    const th = DEFAULT_THRESHOLDS['100GBASE-LR4'];
    const lanes = state(HUNDRED).light;
    expect(lanes.map((l) => l.lane)).toEqual([1, 2, 3, 4]);
    for (const l of lanes) {
      expect(l.rxDbm!).toBeGreaterThan(th.rx[0]);
      expect(l.txDbm!).toBeGreaterThan(th.tx[0]);
    }
    expect(new Set(lanes.map((l) => l.rxDbm)).size).toBeGreaterThan(1);
    expect(state(HUNDRED).oper).toBe(true);
  });

  it('flap interrupts the light N times and ends up', () => {
    sw.patch(TEN);
    provision(sw, TEN);
    vi.advanceTimersByTime(1000);
    const seen: boolean[] = [];
    sw.onChange((c) => {
      if (c.kind === 'port' && c.port.name === TEN) seen.push(c.port.operUp);
    });
    sw.flap(TEN, { count: 3, downMs: 100, upMs: 200 });
    expect(state(TEN).oper).toBe(false);
    expect(state(TEN).light[0]!.rxDbm).toBeNull();
    vi.advanceTimersByTime(100);
    expect(state(TEN).oper).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(state(TEN).oper).toBe(true);
    expect(sw.port(TEN).flaps).toBe(3);
    expect(seen).toEqual([false, true, false, true, false, true]);
  });

  it('reboot: unreachable and dark while down, then sysUpTime restarts and links come back', async () => {
    sw.patch(TEN);
    provision(sw, TEN);
    vi.advanceTimersByTime(60_000);
    expect(sw.uptimeTicks()).toBeGreaterThanOrEqual(6_000);
    const back = sw.reboot(2_000);
    expect(sw.reachable).toBe(false);
    expect(state(TEN)).toMatchObject({ admin: true, oper: false });
    expect(state(TEN).light[0]!.txDbm).toBeNull();
    expect(() => sw.reboot()).toThrow(/already rebooting/);
    vi.advanceTimersByTime(2_000);
    await back;
    expect(sw.reachable).toBe(true);
    expect(sw.uptimeTicks()).toBe(0);
    expect(sw.port(TEN).lastChange).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(state(TEN).oper).toBe(true);
    expect(sw.port(TEN).lastChange).toBe(100);
    expect(sw.port(TEN).description).toBe(`HC hc-${TEN} test`);
  });

  it('silence and wake only change reachability', () => {
    sw.silence();
    expect(sw.reachable).toBe(false);
    sw.wake();
    expect(sw.reachable).toBe(true);
    expect(changes.filter((c) => c.kind === 'reachability')).toHaveLength(2);
  });

  it('sub-interfaces appear in running as the platform writes them, and are refused when they make no sense', () => {
    sw.addSubinterface(TEN, 100);
    sw.addSubinterface(TEN, 20);
    expect(sw.port(TEN).subinterfaces).toEqual([`${TEN}.20`, `${TEN}.100`]);
    expect(ietfInterfacesPlatform.listSubinterfaces(sw.netconf.runningAsData(), TEN)).toEqual([
      `${TEN}.20`,
      `${TEN}.100`,
    ]);
    // ifIndex in order of creation, as devices hand them out.
    expect(sw.subinterfaceIndexes().map((s) => [s.name, s.ifIndex])).toEqual([
      [`${TEN}.100`, 1001],
      [`${TEN}.20`, 1002],
    ]);
    expect(() => sw.addSubinterface(TEN, 20)).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => sw.addSubinterface('nope', 20)).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => sw.addSubinterface(TEN, 4095)).toThrow(expect.objectContaining({ status: 400 }));
    sw.removeSubinterface(TEN, 100);
    expect(sw.port(TEN).subinterfaces).toEqual([`${TEN}.20`]);
    expect(changes.filter((c) => c.kind === 'interfaces')).toHaveLength(3);
  });

  it('describe() is the JSON picture the control API serves', () => {
    sw.patch(TEN);
    const d = sw.describe();
    expect(d).toMatchObject({ id: 'sw-test', platform: 'ietf-interfaces', optics: 'huawei', silent: false });
    expect(d.ports[0]).toMatchObject({ name: TEN, adminStatus: 'down', operStatus: 'down', patched: true });
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});
