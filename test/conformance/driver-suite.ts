// The platform-agnostic DeviceDriver conformance suite (NAPALM's idea: one contract, one suite
// every driver must pass). A test file calls `driverConformanceSuite` with a way to make a driver
// and a description of the peer; the lab and later platforms (huawei-vrp, CLI) reuse it as is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Drift } from '../../contract/events.js';
import type { PortType } from '../../contract/port-types.js';
import type { DeviceDriver, PortConfigState, PortIntent } from '../../drivers/driver.js';
import { intendedState } from '../../drivers/port-state.js';
import { compareWithIntent, configHash, driftDiff, portIntentOf } from '../../jobs/drift.js';
import type { IntentRecord } from '../../jobs/ports.js';

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
  /**
   * Changes made on the switch behind the driver's back, as an engineer would (the lab's
   * `edit` and `reboot --lose-config`). With them the suite also checks drift: what the audit
   * compares (the driver's read-back against the recorded intent, jobs/drift.ts) finds each
   * change with the right field, and heal (the driver's normal apply) puts the intent back.
   */
  outOfBand?: OutOfBand;
}

export interface OutOfBand {
  editDescription(port: string, text: string): Promise<void>;
  shutdown(port: string): Promise<void>;
  /** Deletes the port's configuration (a physical port that cannot be deleted goes back as it ships). */
  deleteConfig(port: string): Promise<void>;
  /** Reboots the switch so it comes back without its last commit; resolves once it is back. */
  rebootLosingLastCommit(): Promise<void>;
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
        // An audit reads them all from one listing.
        expect((await driver.readPorts([portA, portB])).map((r) => r.subinterfaces)).toEqual([
          [`${portA}.20`, `${portA}.100`],
          [],
        ]);
      } finally {
        await peer.removeSubinterface?.(portA, 100);
        await peer.removeSubinterface?.(portA, 20);
      }
    });

    describe.runIf(peer.outOfBand)('drift against the recorded intent', () => {
      const oob = peer.outOfBand as OutOfBand;
      const record = (description: string): IntentRecord => {
        const want = intent(portA, description);
        return {
          connectionId: 'hc-conf-drift',
          device: driver.deviceId,
          port: portA,
          portType: want.portType,
          description,
          state: 'configured',
          jobId: 'provision-hc-conf-drift-1',
          configHash: configHash(intendedState(want)),
          time: new Date().toISOString(),
        };
      };
      // What the audit job does: read the device's ports with the driver, compare with the intent.
      const audit = async (r: IntentRecord): Promise<{ drifts: Drift[]; actual: PortConfigState }> => {
        const read = await driver.readPorts([r.port, portB]);
        expect(read.map((p) => p.state.port)).toEqual([r.port, portB]);
        const actual = read[0]!.state;
        return { drifts: compareWithIntent(r, actual), actual };
      };
      // Heal is the normal transaction (jobs/handlers/audit.ts): apply, then the read-back matches.
      const healAndCheck = async (r: IntentRecord) => {
        expect(await driver.apply(portIntentOf(r))).toMatchObject({ changed: true, verified: true });
        expect((await audit(r)).drifts).toEqual([]);
        if (peer.independentRead) {
          expect(await peer.independentRead(r.port)).toMatchObject({
            description: r.description,
            enabled: true,
          });
        }
      };

      it('an edited description, then a shutdown, are found field by field; heal restores the intent', async () => {
        const r = record('HC hc-conf-drift intended text');
        await driver.apply(portIntentOf(r));
        expect((await audit(r)).drifts).toEqual([]);

        await oob.editDescription(portA, 'edited on the switch');
        const edited = await audit(r);
        expect(edited.drifts).toEqual([
          { field: 'description', expected: r.description, actual: 'edited on the switch' },
        ]);
        expect(driftDiff(r, edited.actual)).toContain(`+ description ${r.description}`);

        await oob.shutdown(portA);
        expect((await audit(r)).drifts).toEqual([
          { field: 'description', expected: r.description, actual: 'edited on the switch' },
          { field: 'enabled', expected: true, actual: false },
        ]);
        await healAndCheck(r);
      });

      it('a deleted configuration is missing; heal restores the intent', async () => {
        const r = record('HC hc-conf-drift intended text');
        await oob.deleteConfig(portA);
        const [missing, ...rest] = (await audit(r)).drifts;
        expect(rest).toEqual([]);
        expect(missing).toMatchObject({ field: 'missing', actual: null });
        expect(missing?.expected).toContain(`description ${r.description}`);
        await healAndCheck(r);
      });

      it('a switch rebooted without its last commit is missing the provisioned port', async () => {
        const r = record('HC hc-conf-drift after reboot');
        // Two commits: the clear is what the switch keeps, the provision is what it loses.
        await driver.clear(portA);
        await driver.apply(portIntentOf(r));
        expect((await audit(r)).drifts).toEqual([]);
        await oob.rebootLosingLastCommit();
        const [missing, ...rest] = (await readAfterReboot(() => audit(r))).drifts;
        expect(rest).toEqual([]);
        expect(missing).toMatchObject({ field: 'missing', actual: null });
        await healAndCheck(r);
      });
    });
  });
}

/**
 * The driver's session died with the reboot; its next call may still meet the dead session
 * before the driver notices. A bounded number of tries, each a real read.
 */
async function readAfterReboot<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
