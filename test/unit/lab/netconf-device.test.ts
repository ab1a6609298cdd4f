import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRpcReply } from '../../../drivers/netconf/reply.js';
import * as rpc from '../../../drivers/netconf/rpc.js';
import { ietfInterfacesPlatform } from '../../../drivers/platforms/ietf-interfaces/index.js';
import { parseXml } from '../../../drivers/xml/xml.js';
import { asData, type DataNode } from '../../../lab/netconf/datastore.js';
import { NetconfDevice } from '../../../lab/netconf/device.js';
import { ietfLabPlatform } from '../../../lab/netconf/platforms/ietf-interfaces.js';

const PORTS = ['10GE1/0/1', '10GE1/0/2'];

function intent(port: string, description: string) {
  return ietfInterfacesPlatform.intentPayload({ port, description, enabled: true, portType: '10GBASE-LR' });
}

describe('lab NETCONF device (no transport)', () => {
  let device: NetconfDevice;
  let changes: string[];
  const terminated: number[] = [];

  beforeEach(() => {
    changes = [];
    terminated.length = 0;
    device = new NetconfDevice({
      platform: ietfLabPlatform,
      hardware: { hasPort: (n) => PORTS.includes(n) },
      ports: PORTS,
      status: () =>
        PORTS.map((name) => ({ name, adminUp: true, operUp: name === PORTS[0], subinterface: false })),
      onRunningChange: (_r, why) => changes.push(why),
    });
  });
  afterEach(() => {
    device.stop();
    vi.useRealTimers();
  });

  function open(): number {
    const id: number = device.openSession({ terminate: () => terminated.push(id) });
    return id;
  }

  /** Sends an operation built by the agent's own rpc.ts and parses the reply with its own parser. */
  function call(session: number, operationXml: string) {
    const out = device.rpc(session, parseXml(operationXml));
    return {
      ...parseRpcReply(parseXml(`<rpc-reply message-id="1">${out.body.xml}</rpc-reply>`)),
      close: out.close,
    };
  }

  function running(p: string) {
    return ietfInterfacesPlatform.parsePort(asData(device.running as DataNode[]), p);
  }

  function edit(session: number, port: string, description: string, testOption?: rpc.TestOption) {
    return call(
      session,
      rpc.editConfig({
        target: 'candidate',
        config: intent(port, description),
        defaultOperation: 'merge',
        ...(testOption ? { testOption } : {}),
      }),
    );
  }

  it('a lock held by another session is lock-denied naming the holder; edits from others are in-use', () => {
    const a = open();
    const b = open();
    expect(call(a, rpc.lock('candidate')).ok).toBe(true);
    const denied = call(b, rpc.lock('candidate'));
    expect(denied.errors).toEqual([
      expect.objectContaining({ tag: 'lock-denied', type: 'protocol', info: { 'session-id': String(a) } }),
    ]);
    expect(edit(b, PORTS[0]!, 'HC x').errors[0]).toMatchObject({
      tag: 'in-use',
      info: { 'session-id': String(a) },
    });
    expect(call(b, rpc.unlock('candidate')).errors[0]?.tag).toBe('operation-failed');
    expect(call(a, rpc.unlock('candidate')).ok).toBe(true);
    expect(call(b, rpc.lock('candidate')).ok).toBe(true);
  });

  it('refuses to lock a candidate holding uncommitted changes, until they are discarded', () => {
    const a = open();
    const b = open();
    expect(edit(a, PORTS[0]!, 'HC a').ok).toBe(true);
    expect(call(b, rpc.lock('candidate')).errors[0]).toMatchObject({
      tag: 'lock-denied',
      info: { 'session-id': String(a) },
    });
    expect(call(b, rpc.discardChanges()).ok).toBe(true);
    expect(call(b, rpc.lock('candidate')).ok).toBe(true);
  });

  it("a session's end releases its locks and drops its uncommitted edits", () => {
    const a = open();
    call(a, rpc.lock('candidate'));
    edit(a, PORTS[0]!, 'HC a');
    device.endSession(a);
    expect(device.lockHolder('candidate')).toBeUndefined();
    const b = open();
    expect(device.candidate).toBe(device.running);
    expect(call(b, rpc.lock('candidate')).ok).toBe(true);
  });

  it('writes only through the candidate (no :writable-running)', () => {
    const a = open();
    const r = call(a, rpc.editConfig({ target: 'running', config: intent(PORTS[0]!, 'x') }));
    expect(r.errors[0]?.tag).toBe('operation-not-supported');
  });

  it('test-only checks the whole result and changes nothing', () => {
    const a = open();
    const noType = parseXml(
      `<edit-config><target><candidate/></target><test-option>test-only</test-option><config><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>10GE1/0/1.5</name></interface></interfaces></config></edit-config>`,
    );
    const out = device.rpc(a, noType);
    expect(out.body.xml).toContain('<error-tag>data-missing</error-tag>');
    expect(edit(a, PORTS[0]!, 'HC t', 'test-only').ok).toBe(true);
    expect(device.candidate).toBe(device.running);
  });

  it('commit copies the candidate to running and says so; get-config reads both datastores', () => {
    const a = open();
    edit(a, PORTS[0]!, 'HC hc-1 one');
    expect(running(PORTS[0]!).description).toBeUndefined();
    const cand = call(a, rpc.getConfig('candidate', ietfInterfacesPlatform.portFilter(PORTS[0]!)));
    expect(cand.root.children[0]?.name).toBe('data');
    expect(call(a, rpc.commit()).ok).toBe(true);
    expect(running(PORTS[0]!)).toMatchObject({ description: 'HC hc-1 one', enabled: true });
    expect(changes).toEqual(['commit']);
  });

  it('a commit that would leave a mandatory leaf missing is refused and running stays', () => {
    const a = open();
    device.rpc(
      a,
      parseXml(
        `<edit-config><target><candidate/></target><config><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>10GE1/0/2.7</name></interface></interfaces></config></edit-config>`,
      ),
    );
    const r = call(a, rpc.commit());
    expect(r.errors[0]).toMatchObject({ tag: 'data-missing', type: 'application' });
    expect(call(a, rpc.validate('candidate')).errors[0]?.tag).toBe('data-missing');
    expect(changes).toEqual([]);
  });

  it('a confirmed commit nobody confirms rolls back when its timeout ends', () => {
    vi.useFakeTimers();
    const a = open();
    edit(a, PORTS[0]!, 'HC hc-2 pending');
    expect(call(a, rpc.commit({ confirmed: true, confirmTimeout: 5 })).ok).toBe(true);
    expect(running(PORTS[0]!).description).toBe('HC hc-2 pending');
    expect(device.confirmPendingSeconds).toBe(5);
    vi.advanceTimersByTime(4_900);
    expect(running(PORTS[0]!).description).toBe('HC hc-2 pending');
    vi.advanceTimersByTime(200);
    expect(running(PORTS[0]!)).toEqual({ port: PORTS[0], exists: true, enabled: false });
    expect(changes.at(-1)).toMatch(/^rollback: confirmed commit not confirmed/);
    expect(device.confirmPendingSeconds).toBeUndefined();
  });

  it('only the same session confirms a plain confirmed commit; a confirming commit keeps it', () => {
    vi.useFakeTimers();
    const a = open();
    const b = open();
    edit(a, PORTS[0]!, 'HC hc-3 keep');
    call(a, rpc.commit({ confirmed: true, confirmTimeout: 5 }));
    expect(call(b, rpc.commit()).errors[0]).toMatchObject({
      tag: 'in-use',
      info: { 'session-id': String(a) },
    });
    expect(call(a, rpc.commit()).ok).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(running(PORTS[0]!).description).toBe('HC hc-3 keep');
  });

  it('cancel-commit rolls back at once; without a pending commit it is refused', () => {
    const a = open();
    expect(call(a, rpc.cancelCommit()).errors[0]?.tag).toBe('operation-failed');
    edit(a, PORTS[0]!, 'HC hc-4 undo');
    call(a, rpc.commit({ confirmed: true, confirmTimeout: 60 }));
    expect(call(a, rpc.cancelCommit()).ok).toBe(true);
    expect(running(PORTS[0]!).description).toBeUndefined();
  });

  it('losing the session between confirmed and confirming commit rolls back at once', () => {
    const a = open();
    edit(a, PORTS[0]!, 'HC hc-5 lost');
    call(a, rpc.commit({ confirmed: true, confirmTimeout: 60 }));
    device.endSession(a);
    expect(running(PORTS[0]!).description).toBeUndefined();
  });

  it('a persistent confirmed commit survives its session and is confirmed by persist-id from another', () => {
    const a = open();
    edit(a, PORTS[0]!, 'HC hc-6 persist');
    expect(call(a, rpc.commit({ confirmed: true, confirmTimeout: 60, persist: 'tok-1' })).ok).toBe(true);
    device.endSession(a);
    expect(running(PORTS[0]!).description).toBe('HC hc-6 persist');
    const b = open();
    expect(call(b, rpc.commit({ persistId: 'wrong' })).errors[0]?.tag).toBe('invalid-value');
    expect(call(b, rpc.commit({ persistId: 'tok-1' })).ok).toBe(true);
    expect(device.confirmPendingSeconds).toBeUndefined();
  });

  it('kill-session ends another session and frees its lock; killing yourself or nobody is invalid-value', () => {
    const a = open();
    const b = open();
    call(a, rpc.lock('running'));
    expect(call(b, rpc.killSession(b)).errors[0]?.tag).toBe('invalid-value');
    expect(call(b, rpc.killSession(999)).errors[0]?.tag).toBe('invalid-value');
    expect(call(b, rpc.killSession(a)).ok).toBe(true);
    expect(terminated).toEqual([a]);
    expect(device.lockHolder('running')).toBeUndefined();
  });

  it('close-session asks the transport to end; an unknown operation is operation-not-supported', () => {
    const a = open();
    expect(call(a, rpc.closeSession())).toMatchObject({ ok: true, close: true });
    expect(call(a, '<frobnicate/>').errors[0]).toMatchObject({
      tag: 'operation-not-supported',
      type: 'protocol',
    });
    expect(call(a, '<copy-config/>').errors[0]?.tag).toBe('operation-not-supported');
  });

  it('get adds operational state; an xpath filter is refused for lack of :xpath', () => {
    const a = open();
    const got = call(a, rpc.get());
    const state = got.root.children[0]?.children.find((c) => c.name === 'interfaces-state');
    const first = state?.children[0];
    expect(first?.children.map((c) => [c.name, c.text])).toEqual([
      ['name', PORTS[0]],
      ['type', 'ianaift:ethernetCsmacd'],
      ['admin-status', 'up'],
      ['oper-status', 'up'],
    ]);
    const xpath = call(
      a,
      `<get-config><source><running/></source><filter type="xpath" select="/"/></get-config>`,
    );
    expect(xpath.errors[0]?.tag).toBe('bad-attribute');
  });

  it('reboot drops every session and loses an unconfirmed commit, keeping what was confirmed', () => {
    const a = open();
    edit(a, PORTS[0]!, 'HC hc-7 kept');
    call(a, rpc.commit());
    edit(a, PORTS[1]!, 'HC hc-8 lost');
    call(a, rpc.commit({ confirmed: true, confirmTimeout: 60 }));
    device.reboot();
    expect(terminated).toEqual([a]);
    expect(device.sessionCount).toBe(0);
    expect(running(PORTS[0]!).description).toBe('HC hc-7 kept');
    expect(running(PORTS[1]!).description).toBeUndefined();
  });
});
