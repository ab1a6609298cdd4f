// The platform-agnostic DeviceDriver conformance suite (NAPALM's idea: one contract, one suite
// every driver must pass). A test file calls `driverConformanceSuite` with a way to make a driver
// and a description of the peer; the lab and later platforms (huawei-vrp, CLI) reuse it as is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortType } from '../../contract/port-types.js';
import type { DeviceDriver, PortIntent } from '../../drivers/driver.js';

export interface ConformancePeer {
  /** For test titles. */
  name: string;
  /** Ports this suite may change freely (at least two); nobody else touches them during the run. */
  ports: [string, string, ...string[]];
  portType?: PortType;
  /**
   * An independent reading of the port's running config (another client than ours), or undefined
   * to rely on the driver's own read-back.
   */
  independentRead?: (port: string) => Promise<{ description?: string; enabled?: boolean } | undefined>;
  /** Creates `<port>.<vlan>` on the device so listSubinterfaces has something to find. */
  addSubinterface?: (port: string, vlan: number) => Promise<void>;
  removeSubinterface?: (port: string, vlan: number) => Promise<void>;
  /**
   * For line-oriented payloads (CLI): the text goes verbatim onto one command line, so markup in
   * it is harmless, while characters a line cannot carry (`refused`, a global RegExp) must be
   * refused with invalid-job before anything is sent. The hostile-text test then checks both.
   */
  lineOriented?: { refused: RegExp };
}

export type DriverMaker = () => Promise<DeviceDriver> | DeviceDriver;

// Everything a customer could type that a careless payload would turn into markup or framing.
// It ends in a letter because devices (netconfd among them) trim surrounding whitespace of leaves.
export const HOSTILE_TEXT = `x ]]>]]> </description><enabled>false</enabled> & < > " ' \n#5\n end`;

export function driverConformanceSuite(title: string, makeDriver: DriverMaker, peer: ConformancePeer): void {
  describe(`DeviceDriver conformance: ${title}`, () => {
    let driver: DeviceDriver;
    const [portA, portB] = peer.ports;
    const intent = (port: string, description: string): PortIntent => ({
      port,
      description,
      enabled: true,
      portType: peer.portType ?? '10GBASE-LR',
    });

    beforeAll(async () => {
      driver = await makeDriver();
    });
    afterAll(async () => {
      await driver?.close();
    });

    it('provision writes the description and enables the port, verified by read-back', async () => {
      const want = intent(portA, 'HC hc-conf-0001 first customer');
      const res = await driver.apply(want);
      expect(res).toMatchObject({ changed: true, verified: true });
      expect(await driver.verify(want)).toBe(true);
      expect(await driver.readPortConfig(portA)).toMatchObject({
        port: portA,
        exists: true,
        description: want.description,
        enabled: true,
      });
      if (peer.independentRead) {
        expect(await peer.independentRead(portA)).toMatchObject({
          description: want.description,
          enabled: true,
        });
      }
    });

    it('re-provisioning the same intent changes nothing', async () => {
      const res = await driver.apply(intent(portA, 'HC hc-conf-0001 first customer'));
      expect(res).toMatchObject({ changed: false, verified: true });
    });

    it('plan of an applied intent has an empty diff; a new one shows the change', async () => {
      const same = await driver.plan('provision', intent(portA, 'HC hc-conf-0001 first customer'));
      expect(same.diff).toBe('');
      expect(same.changes).toBe(0);
      const other = await driver.plan('provision', intent(portA, 'HC hc-conf-0002 next customer'));
      expect(other.changes).toBeGreaterThan(0);
      expect(other.diff).toContain('+ description HC hc-conf-0002 next customer');
      expect(other.diff).toContain('- description HC hc-conf-0001 first customer');
      // plan writes nothing
      expect(await driver.verify(intent(portA, 'HC hc-conf-0001 first customer'))).toBe(true);
    });

    it('verify reports a port that differs from the intent', async () => {
      expect(await driver.verify(intent(portA, 'HC hc-conf-9999 someone else'))).toBe(false);
    });

    it('a hostile description is stored verbatim, never as markup', async () => {
      const refused = peer.lineOriented?.refused;
      const want = intent(
        portB,
        `HC hc-conf-0003 ${refused ? HOSTILE_TEXT.replace(refused, ' ') : HOSTILE_TEXT}`,
      );
      const plan = await driver.plan('provision', want, { offline: true });
      if (refused) {
        // One command line carries the whole text; no part of it becomes a command of its own.
        expect(plan.rpc.split('\n').filter((l) => l.includes('hc-conf-0003'))).toHaveLength(1);
        const before = await driver.readPortConfig(portB);
        await expect(driver.apply(intent(portB, `HC hc-conf-0003 ${HOSTILE_TEXT}`))).rejects.toMatchObject({
          code: 'invalid-job',
        });
        expect(await driver.readPortConfig(portB)).toEqual(before);
      } else {
        expect(plan.rpc).not.toContain('</description><enabled>false');
        expect(plan.rpc).not.toContain(']]>]]>');
      }
      await driver.apply(want);
      const state = await driver.readPortConfig(portB);
      expect(state.description).toBe(want.description);
      expect(state.enabled).toBe(true);
      if (peer.independentRead) {
        expect((await peer.independentRead(portB))?.description).toBe(want.description);
      }
    });

    it('clear removes the description and sets the port down; the port entry stays', async () => {
      const res = await driver.clear(portA);
      expect(res).toMatchObject({ changed: true, verified: true });
      const state = await driver.readPortConfig(portA);
      expect(state).toMatchObject({ port: portA, exists: true, enabled: false });
      expect(state.description).toBeUndefined();
      if (peer.independentRead) {
        const seen = await peer.independentRead(portA);
        expect(seen?.enabled).toBe(false);
        expect(seen?.description).toBeUndefined();
      }
      expect(await driver.clear(portA)).toMatchObject({ changed: false, verified: true });
    });

    it('lists sub-interfaces <port>.<vlan> as Private Virtual Interfaces', async () => {
      expect(await driver.listSubinterfaces(portA)).toEqual([]);
      if (!peer.addSubinterface) return;
      await peer.addSubinterface(portA, 100);
      await peer.addSubinterface(portA, 20);
      try {
        expect(await driver.listSubinterfaces(portA)).toEqual([`${portA}.20`, `${portA}.100`]);
        expect(await driver.listSubinterfaces(portB)).toEqual([]);
      } finally {
        await peer.removeSubinterface?.(portA, 100);
        await peer.removeSubinterface?.(portA, 20);
      }
    });
  });
}
