import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bareOkReply,
  classifyRpcErrors,
  dataOf,
  parseHello,
  parseRpcErrors,
  parseRpcReply,
  rpcErrorFor,
} from '../../../../drivers/netconf/reply.js';
import * as rpc from '../../../../drivers/netconf/rpc.js';
import { NetconfRpcError } from '../../../../drivers/netconf/rpc-error.js';
import { el, parseXml } from '../../../../drivers/xml/xml.js';

describe('RPC builders', () => {
  it('builds each RFC 6241 operation', () => {
    expect(rpc.lock('candidate')).toBe('<lock><target><candidate/></target></lock>');
    expect(rpc.unlock('running')).toBe('<unlock><target><running/></target></unlock>');
    expect(rpc.validate('candidate')).toBe('<validate><source><candidate/></source></validate>');
    expect(rpc.discardChanges()).toBe('<discard-changes/>');
    expect(rpc.closeSession()).toBe('<close-session/>');
    expect(rpc.killSession(12)).toBe('<kill-session><session-id>12</session-id></kill-session>');
    expect(rpc.cancelCommit()).toBe('<cancel-commit/>');
    expect(rpc.cancelCommit('p1')).toBe('<cancel-commit><persist-id>p1</persist-id></cancel-commit>');
    expect(rpc.get()).toBe('<get/>');
    expect(rpc.getConfig('running', el('interfaces', { xmlns: 'urn:x' }))).toBe(
      '<get-config><source><running/></source><filter type="subtree"><interfaces xmlns="urn:x"/></filter></get-config>',
    );
  });

  it('keeps each fixed operation apart per datastore and per variant', () => {
    expect(rpc.lock('running')).toBe('<lock><target><running/></target></lock>');
    expect(rpc.lock('candidate')).toBe('<lock><target><candidate/></target></lock>');
    expect(rpc.unlock('candidate')).toBe('<unlock><target><candidate/></target></unlock>');
    expect(rpc.commit({ confirmed: true, confirmTimeout: 30 })).toContain('<confirm-timeout>30<');
    expect(rpc.commit()).toBe('<commit/>');
    expect(rpc.commit({})).toBe('<commit/>');
    expect(rpc.lock('startup')).toBe('<lock><target><startup/></target></lock>');
    expect(rpc.discardChanges()).toBe('<discard-changes/>');
    // A name from outside TypeScript that is no datastore (a prototype member least of all).
    for (const bad of ['toString', 'Running', '']) {
      expect(() => rpc.lock(bad as rpc.Datastore)).toThrow(RangeError);
      expect(() => rpc.unlock(bad as rpc.Datastore)).toThrow(RangeError);
    }
  });

  it('names the operation of a built RPC', () => {
    expect(rpc.operationName(rpc.editConfig({ target: 'running', config: el('x') }))).toBe('edit-config');
    expect(rpc.operationName(rpc.getConfig('running'))).toBe('get-config');
    expect(rpc.operationName(rpc.discardChanges())).toBe('discard-changes');
    expect(rpc.operationName('<nc:get-schema xmlns:nc="urn:x"/>')).toBe('nc:get-schema');
    expect(rpc.operationName('<x.y_z-1>')).toBe('x.y_z-1');
    for (const bad of ['', 'get', '<', '<1get/>', ' <get/>', '<-get/>']) {
      expect(rpc.operationName(bad)).toBe('rpc');
    }
  });

  it('builds commit variants', () => {
    expect(rpc.commit()).toBe('<commit/>');
    expect(rpc.commit({ confirmed: true, confirmTimeout: 120 })).toBe(
      '<commit><confirmed/><confirm-timeout>120</confirm-timeout></commit>',
    );
    expect(rpc.commit({ confirmed: true, persist: 'job-1' })).toBe(
      '<commit><confirmed/><persist>job-1</persist></commit>',
    );
    expect(rpc.commit({ persistId: 'job-1' })).toBe('<commit><persist-id>job-1</persist-id></commit>');
    expect(() => rpc.commit({ confirmed: true, confirmTimeout: 0 })).toThrow(RangeError);
  });

  it('builds edit-config with its options in RFC order', () => {
    const x = rpc.editConfig({
      target: 'candidate',
      config: el('a', undefined, 'v<'),
      defaultOperation: 'merge',
      testOption: 'test-only',
      errorOption: 'rollback-on-error',
    });
    expect(x).toBe(
      '<edit-config><target><candidate/></target><default-operation>merge</default-operation><test-option>test-only</test-option><error-option>rollback-on-error</error-option><config xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><a>v&lt;</a></config></edit-config>',
    );
  });

  it('wraps an operation in the rpc envelope with a safe message-id', () => {
    expect(rpc.rpcEnvelope('7', '<get/>')).toBe(
      '<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="7"><get/></rpc>',
    );
    expect(rpc.rpcEnvelope('7"><x', '<get/>')).toContain('message-id="7x"');
    expect(rpc.rpcEnvelope('a.b_c-9Z', '<get/>')).toContain('message-id="a.b_c-9Z"');
    expect(rpc.rpcEnvelope('1 2', '<get/>')).toContain('message-id="12"');
    expect(rpc.operationName(rpc.lock('candidate'))).toBe('lock');
  });

  it('our hello offers base:1.0 and base:1.1', () => {
    const root = parseXml(rpc.hello());
    expect(root.name).toBe('hello');
    expect(root.children[0]?.children.map((c) => c.text)).toEqual([rpc.CAP.base10, rpc.CAP.base11]);
  });
});

describe('reply parsers', () => {
  it('parses a server hello and refuses one without session-id', () => {
    const ok = parseXml(
      '<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities><session-id>4</session-id></hello>',
    );
    expect(parseHello(ok)).toEqual({ sessionId: 4, capabilities: ['urn:ietf:params:netconf:base:1.1'] });
    const bad = parseXml('<hello><capabilities><capability>x</capability></capabilities></hello>');
    expect(() => parseHello(bad)).toThrow(/sessionId/);
  });

  it('collects every rpc-error field and classifies lock, commit and other errors', () => {
    const reply = parseRpcReply(
      parseXml(
        `<rpc-reply message-id="3"><rpc-error><error-type>application</error-type><error-tag>invalid-value</error-tag><error-severity>error</error-severity><error-path>/if:interfaces/if:interface[if:name='x']/if:mtu</error-path><error-message>bad &lt;mtu&gt;</error-message><error-info><bad-element>mtu</bad-element><bad-element>type</bad-element></error-info></rpc-error><rpc-error><error-type>application</error-type><error-tag>operation-failed</error-tag><error-severity>warning</error-severity></rpc-error></rpc-reply>`,
      ),
    );
    expect(reply.messageId).toBe('3');
    expect(reply.ok).toBe(false);
    expect(reply.errors).toEqual([
      {
        type: 'application',
        tag: 'invalid-value',
        severity: 'error',
        path: "/if:interfaces/if:interface[if:name='x']/if:mtu",
        message: 'bad <mtu>',
        info: { 'bad-element': ['mtu', 'type'] },
      },
      { type: 'application', tag: 'operation-failed', severity: 'warning' },
    ]);
    expect(classifyRpcErrors('edit-config', reply.errors)).toBe('rpc-error');
    expect(classifyRpcErrors('commit', reply.errors)).toBe('commit-failed');
    expect(classifyRpcErrors('lock', [{ type: 'protocol', tag: 'lock-denied', severity: 'error' }])).toBe(
      'lock-denied',
    );
    expect(classifyRpcErrors('edit-config', [{ type: 'protocol', tag: 'in-use', severity: 'error' }])).toBe(
      'lock-denied',
    );
    const e = rpcErrorFor('commit', reply.errors, 'sw1');
    expect(e).toBeInstanceOf(NetconfRpcError);
    expect(e.code).toBe('commit-failed');
    expect(e.message).toContain('invalid-value: bad <mtu>');
  });

  it('reads a bare <ok/> reply without the parser, exactly as the parser would', () => {
    const netconfd =
      '<?xml version="1.0" encoding="UTF-8"?>\n<rpc-reply message-id="7" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"\n  xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">\n  <ok/>\n</rpc-reply>';
    const taken = [
      netconfd,
      `<rpc-reply xmlns="${rpc.NETCONF_BASE_NS}" message-id="12"><ok/></rpc-reply>`,
      "<?xml version='1.0'?><rpc-reply message-id='a.1' ><ok /></rpc-reply >\n",
      '<?xml version="1.0" standalone="yes"?>\t<rpc-reply\tmessage-id = "3"><ok/></rpc-reply>',
    ];
    for (const text of taken) {
      const fast = bareOkReply(text);
      expect(fast, text).toBeDefined();
      expect(fast).toEqual(parseXml(text));
    }
    expect(parseRpcReply(bareOkReply(netconfd)!)).toMatchObject({ messageId: '7', ok: true, errors: [] });
    // Anything else goes to the parser, which judges it (and may refuse it).
    const left = [
      '<rpc-reply><ok/></rpc-reply>',
      '<rpc-reply message-id="1" message-id="2"><ok/></rpc-reply>',
      '<rpc-reply message-id="1" other="x"><ok/></rpc-reply>',
      '<rpc-reply message-id="1&amp;"><ok/></rpc-reply>',
      '<rpc-reply message-id="1"><ok/></rpc-reply>\r\n',
      '<nc:rpc-reply message-id="1"><nc:ok/></nc:rpc-reply>',
      '<rpc-reply message-id="1"><ok/><rpc-error/></rpc-reply>',
      '<rpc-reply message-id="1"><data/></rpc-reply>',
      '<rpc-reply message-id="1"><ok/></rpc-reply><x/>',
      '<?xml version="1.1"?><rpc-reply message-id="1"><ok/></rpc-reply>',
      ' <?xml version="1.0"?><rpc-reply message-id="1"><ok/></rpc-reply>',
      '<!DOCTYPE x><rpc-reply message-id="1"><ok/></rpc-reply>',
      `<rpc-reply message-id="1"${' '.repeat(2_000)}><ok/></rpc-reply>`,
      // Past the length bound the expression never runs, so a peer cannot make it backtrack.
      `<rpc-reply message-id="1"${' \n'.repeat(500_000)}x><ok/></rpc-reply>`,
    ];
    for (const text of left) expect(bareOkReply(text), text.slice(0, 80)).toBeUndefined();
  });

  it('never reads a reply the parser would refuse or read otherwise (property)', () => {
    // Mostly pieces the quick path takes, with a tenth or so of each that it must leave alone.
    const mostly = (good: string[], bad: string[]) =>
      fc.oneof(
        { arbitrary: fc.constantFrom(...good), weight: 9 },
        { arbitrary: fc.constantFrom(...bad), weight: 1 },
      );
    const ws = mostly(['', ' ', '\n', '\t', ' \n  '], ['\r\n', '\u00a0']);
    const ws1 = mostly([' ', '\n  ', '\t'], ['', '\r']);
    const value = fc.oneof(
      {
        arbitrary: fc.constantFrom(
          '1',
          '42',
          'a.b',
          '',
          'x>y',
          ']]>',
          'é',
          '\uD83D\uDE00',
          '\u0085',
          '\u2028',
          "a'b",
          'a"b',
        ),
        weight: 8,
      },
      {
        arbitrary: fc.constantFrom(
          '&amp;',
          '&#49;',
          '\u0001',
          '\u001f',
          '\uFFFE',
          '\uD800',
          '\uDC00x',
          '<',
          '\t',
        ),
        weight: 1,
      },
      { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
    );
    const attribute = (name: fc.Arbitrary<string>) =>
      fc
        .tuple(ws1, name, ws, ws, fc.constantFrom('"', "'"), value)
        .map(([w, n, a, b, q, v]) => `${w}${n}${a}=${b}${q}${v}${q}`);
    const extra = attribute(
      mostly(
        ['xmlns', 'xmlns:nc', 'xmlns:a', 'xmlns:a.b-c'],
        ['message-id', 'nc:message-id', 'other', 'xmlns:'],
      ),
    );
    const attributes = fc
      .tuple(
        attribute(mostly(['message-id'], ['nc:message-id', 'other'])),
        fc.array(extra, { maxLength: 3 }),
        fc.nat(),
      )
      .map(([id, rest, at]) => {
        const all = [...rest];
        all.splice(at % (rest.length + 1), 0, id);
        return all.join('');
      });
    const decl = mostly(
      [
        '',
        '<?xml version="1.0"?>',
        '<?xml version=\'1.0\' encoding="UTF-8"?>\n',
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
      ],
      [
        '<?xml version="1.1"?>',
        '<?xml encoding="UTF-8" version="1.0"?>',
        '<?xml version="1.0" standalone="maybe"?>',
        '<?xml version="1.0"encoding="UTF-8"?>',
        ' <?xml version="1.0"?>',
        '\uFEFF<?xml version="1.0"?>',
      ],
    );
    const ok = mostly(['<ok/>', '<ok />', '<ok\n/>'], ['<ok></ok>', '<nc:ok/>', '<ok/><ok/>', '<ok/>x']);
    const reply = fc
      .tuple(decl, ws, attributes, ws, ws, ok, ws, ws, ws)
      .map(
        ([d, w0, a, w1, w2, o, w3, w4, w5]) =>
          `${d}${w0}<rpc-reply${a}${w1}>${w2}${o}${w3}</rpc-reply${w4}>${w5}`,
      );
    let read = 0;
    let left = 0;
    fc.assert(
      fc.property(reply, (text) => {
        const fast = bareOkReply(text);
        if (fast === undefined) {
          left++;
          return;
        }
        read++;
        expect(fast).toStrictEqual(parseXml(text));
      }),
      { numRuns: 5_000 },
    );
    // Both sides of the property were exercised, so it could have failed.
    expect(read).toBeGreaterThan(250);
    expect(left).toBeGreaterThan(250);
  });

  it('gives an empty data element when a reply has none', () => {
    const reply = parseRpcReply(parseXml('<rpc-reply message-id="1"><data/></rpc-reply>'));
    expect(dataOf(reply).children).toEqual([]);
    expect(parseRpcErrors(reply.root)).toEqual([]);
  });
});
