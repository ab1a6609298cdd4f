// Independent eyes on a netconfd peer: ncclient (python) reads and writes, and fast-xml-parser
// (not our XML layer) reads its output, so a bug in our client cannot hide itself.
import { XMLParser } from 'fast-xml-parser';
import { ncclient } from '../../testkit/peers/ncclient.js';
import type { NetconfPeerInfo } from '../../testkit/peers/types.js';
import { decodeXmlText } from '../helpers/xml.js';

const IETF_NS = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
const OC_NS = 'http://openconfig.net/yang/interfaces';
const IANA_NS = 'urn:ietf:params:xml:ns:yang:iana-if-type';
const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

export type Model = 'ietf' | 'openconfig';

const reader = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'interface',
});

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface SeenPort {
  description?: string;
  enabled?: boolean;
}

/** The port as ncclient sees it in running (undefined when the device has no entry). */
export async function ncclientReadPort(
  peer: NetconfPeerInfo,
  model: Model,
  port: string,
): Promise<SeenPort | undefined> {
  const filter =
    model === 'ietf'
      ? `<interfaces xmlns="${IETF_NS}"><interface><name>${esc(port)}</name></interface></interfaces>`
      : `<interfaces xmlns="${OC_NS}"><interface><name>${esc(port)}</name></interface></interfaces>`;
  const xml = await ncclient(peer, { op: 'get-config', source: 'running', filter });
  const doc = reader.parse(xml) as { data?: { interfaces?: { interface?: Record<string, unknown>[] } } };
  const entry = doc.data?.interfaces?.interface?.find((i) => String(i.name).trim() === port);
  if (!entry) return undefined;
  const leaves = (model === 'ietf' ? entry : (entry.config as Record<string, unknown> | undefined)) ?? {};
  const out: SeenPort = {};
  if (leaves.description !== undefined) out.description = decodeXmlText(String(leaves.description));
  if (leaves.enabled !== undefined) out.enabled = String(leaves.enabled).trim() === 'true';
  return out;
}

function interfaceXml(model: Model, name: string, inner: string, attrs = ''): string {
  return model === 'ietf'
    ? `<interfaces xmlns="${IETF_NS}"><interface${attrs}><name>${esc(name)}</name>${inner}</interface></interfaces>`
    : `<interfaces xmlns="${OC_NS}"><interface${attrs}><name>${esc(name)}</name>${
        inner ? `<config><name>${esc(name)}</name>${inner}</config>` : ''
      }</interface></interfaces>`;
}

/** Writes a port's description/enabled through ncclient (edit candidate + commit). */
export async function ncclientSetPort(
  peer: NetconfPeerInfo,
  model: Model,
  port: string,
  state: { description: string; enabled: boolean },
): Promise<void> {
  const inner = `<type xmlns:ianaift="${IANA_NS}">ianaift:ethernetCsmacd</type><description>${esc(state.description)}</description><enabled>${state.enabled}</enabled>`;
  await ncclient(peer, { op: 'edit-config', config: interfaceXml(model, port, inner) });
}

export async function ncclientAddSubinterface(
  peer: NetconfPeerInfo,
  model: Model,
  port: string,
  vlan: number,
): Promise<void> {
  const inner = `<type xmlns:ianaift="${IANA_NS}">ianaift:l2vlan</type>`;
  await ncclient(peer, { op: 'edit-config', config: interfaceXml(model, `${port}.${vlan}`, inner) });
}

export async function ncclientRemoveInterface(
  peer: NetconfPeerInfo,
  model: Model,
  name: string,
): Promise<void> {
  await ncclient(peer, {
    op: 'edit-config',
    config: interfaceXml(model, name, '', ` xmlns:nc="${NC_NS}" nc:operation="remove"`),
  });
}
