// Independent eyes on a vendor-model device (huawei-ifm, Junos configuration, IOS XR ifmgr-cfg):
// ncclient reads and writes, fast-xml-parser (not our XML layer) reads what came back. One entry
// per model; a platform without one is checked through the driver's own read-back only.
import { XMLParser } from 'fast-xml-parser';
import type { Platform } from '../../contract/port-types.js';
import { ncclient } from '../../testkit/peers/ncclient.js';
import type { NetconfPeerInfo } from '../../testkit/peers/types.js';
import { decodeXmlText } from '../helpers/xml.js';
import { ncclientReadPort, type SeenPort } from './netconf-peer-tools.js';

const HUAWEI_NS = 'urn:huawei:yang:huawei-ifm';
const IOSXR_NS = 'http://cisco.com/ns/yang/Cisco-IOS-XR-ifmgr-cfg';
const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

type Entry = Record<string, unknown>;

const reader = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'interface' || name === 'interface-configuration',
});

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function at(doc: unknown, ...path: string[]): unknown {
  let cur = doc;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Entry)[p] : undefined;
  return cur;
}

function seen(entry: Entry | undefined, enabled: boolean | undefined): SeenPort | undefined {
  if (!entry) return undefined;
  return {
    ...(entry.description !== undefined ? { description: decodeXmlText(String(entry.description)) } : {}),
    ...(enabled !== undefined ? { enabled } : {}),
  };
}

export interface VendorWitness {
  /** The port's description and admin state in running, as ncclient reads them. */
  readPort(peer: NetconfPeerInfo, port: string): Promise<SeenPort | undefined>;
  /** Creates `<port>.<vlan>` the way the vendor's own tooling would, through ncclient. */
  addSubinterface(peer: NetconfPeerInfo, port: string, vlan: number): Promise<void>;
  removeSubinterface(peer: NetconfPeerInfo, port: string, vlan: number): Promise<void>;
}

async function getConfig(peer: NetconfPeerInfo, filter: string): Promise<unknown> {
  return reader.parse(await ncclient(peer, { op: 'get-config', source: 'running', filter }));
}

const huawei: VendorWitness = {
  async readPort(peer, port) {
    const doc = await getConfig(
      peer,
      `<ifm xmlns="${HUAWEI_NS}"><interfaces><interface><name>${esc(port)}</name></interface></interfaces></ifm>`,
    );
    const entry = (at(doc, 'data', 'ifm', 'interfaces', 'interface') as Entry[] | undefined)?.find(
      (i) => String(i.name).trim() === port,
    );
    const admin = entry?.['admin-status'] === undefined ? undefined : String(entry['admin-status']).trim();
    return seen(entry, admin === undefined ? undefined : admin === 'up');
  },
  async addSubinterface(peer, port, vlan) {
    const type = /^(.+?)\d+\/\d+\/\d+$/.exec(port)?.[1] ?? '10GE';
    await ncclient(peer, {
      op: 'edit-config',
      config: `<ifm xmlns="${HUAWEI_NS}"><interfaces><interface><name>${esc(port)}.${vlan}</name><class>sub-interface</class><type>${type}</type><parent-name>${esc(port)}</parent-name></interface></interfaces></ifm>`,
    });
  },
  async removeSubinterface(peer, port, vlan) {
    await ncclient(peer, {
      op: 'edit-config',
      config: `<ifm xmlns="${HUAWEI_NS}" xmlns:nc="${NC_NS}"><interfaces><interface nc:operation="remove"><name>${esc(port)}.${vlan}</name></interface></interfaces></ifm>`,
    });
  },
};

const junos: VendorWitness = {
  async readPort(peer, port) {
    const doc = await getConfig(
      peer,
      `<configuration><interfaces><interface><name>${esc(port)}</name></interface></interfaces></configuration>`,
    );
    const entry = (at(doc, 'data', 'configuration', 'interfaces', 'interface') as Entry[] | undefined)?.find(
      (i) => String(i.name).trim() === port,
    );
    return seen(entry, entry ? !('disable' in entry) : undefined);
  },
  async addSubinterface(peer, port, vlan) {
    await ncclient(peer, {
      op: 'edit-config',
      config: `<configuration><interfaces><interface><name>${esc(port)}</name><vlan-tagging/><unit><name>${vlan}</name><vlan-id>${vlan}</vlan-id></unit></interface></interfaces></configuration>`,
    });
  },
  async removeSubinterface(peer, port, vlan) {
    await ncclient(peer, {
      op: 'edit-config',
      config: `<configuration xmlns:nc="${NC_NS}"><interfaces><interface><name>${esc(port)}</name><unit nc:operation="remove"><name>${vlan}</name></unit></interface></interfaces></configuration>`,
    });
  },
};

const iosxr: VendorWitness = {
  async readPort(peer, port) {
    const doc = await getConfig(
      peer,
      `<interface-configurations xmlns="${IOSXR_NS}"><interface-configuration><active>act</active><interface-name>${esc(port)}</interface-name></interface-configuration></interface-configurations>`,
    );
    const entry = (
      at(doc, 'data', 'interface-configurations', 'interface-configuration') as Entry[] | undefined
    )?.find((i) => String(i['interface-name']).trim() === port && String(i.active).trim() === 'act');
    return seen(entry, entry ? !('shutdown' in entry) : undefined);
  },
  async addSubinterface(peer, port, vlan) {
    await ncclient(peer, {
      op: 'edit-config',
      config: `<interface-configurations xmlns="${IOSXR_NS}"><interface-configuration><active>act</active><interface-name>${esc(port)}.${vlan}</interface-name><interface-mode-non-physical>default</interface-mode-non-physical></interface-configuration></interface-configurations>`,
    });
  },
  async removeSubinterface(peer, port, vlan) {
    await ncclient(peer, {
      op: 'edit-config',
      config: `<interface-configurations xmlns="${IOSXR_NS}" xmlns:nc="${NC_NS}"><interface-configuration nc:operation="remove"><active>act</active><interface-name>${esc(port)}.${vlan}</interface-name></interface-configuration></interface-configurations>`,
    });
  },
};

/** The models whose ietf/openconfig readings live in netconf-peer-tools, read the same way. */
const readOnly = (model: 'ietf' | 'openconfig') => (peer: NetconfPeerInfo, port: string) =>
  ncclientReadPort(peer, model, port);

export const VENDOR_WITNESSES: Partial<Record<Platform, VendorWitness>> = {
  'huawei-vrp': huawei,
  junos,
  iosxr,
};

/** An independent port reader for any NETCONF platform we have eyes for. */
export const PORT_READERS: Partial<
  Record<Platform, (peer: NetconfPeerInfo, port: string) => Promise<SeenPort | undefined>>
> = {
  'ietf-interfaces': readOnly('ietf'),
  openconfig: readOnly('openconfig'),
  'huawei-vrp': huawei.readPort,
  junos: junos.readPort,
  iosxr: iosxr.readPort,
};
