import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../../../../core/errors.js';
import {
  assertXmlChars,
  child,
  el,
  escapeXml,
  parseXml,
  XmlParseError,
} from '../../../../drivers/xml/xml.js';

const HOSTILE = [
  ']]>]]>',
  '</description><enabled>false</enabled>',
  '&',
  '<',
  '"',
  "'",
  '\n#5\n',
  '&amp;',
  '<![CDATA[x]]>',
  '&#x26;',
  '<!DOCTYPE x [<!ENTITY a "b">]>',
];

// Legal XML 1.0 characters, including astral ones; CR is included because escapeXml keeps it.
const xmlChar = fc.oneof(
  fc.constantFrom('\t', '\n', '\r', '&', '<', '>', '"', "'", ']', '#'),
  fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0xe000, max: 0xfffd }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);
const xmlText = fc.array(xmlChar, { maxLength: 80 }).map((a) => a.join(''));

describe('XML output', () => {
  it.each(HOSTILE)('keeps %j as text: it parses back as the same single leaf', (s) => {
    const doc = el(
      'interface',
      undefined,
      el('description', undefined, s),
      el('enabled', undefined, 'true'),
    ).xml;
    expect(doc).not.toContain(']]>]]>');
    expect(doc).not.toMatch(/<description>[^<]*<\/description><enabled>false/);
    const root = parseXml(doc);
    expect(root.children.map((c) => c.name)).toEqual(['description', 'enabled']);
    expect(child(root, 'description')?.text).toBe(s);
    expect(child(root, 'enabled')?.text).toBe('true');
  });

  it('escapes every markup character, in text and attributes', () => {
    expect(escapeXml(`<a href="x">&'\r`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#13;');
    expect(el('x', { a: '"><y/>' }).xml).toBe('<x a="&quot;&gt;&lt;y/&gt;"/>');
  });

  it.each([
    ['NUL', '\u0000'],
    ['bell', 'a\u0007b'],
    ['escape', '\u001b[31m'],
    ['form feed', '\f'],
    ['vertical tab', '\v'],
    ['U+FFFE', '\uFFFE'],
    ['lone surrogate', '\uD800x'],
    ['lone low surrogate', 'x\uDC00'],
    ['U+FFFF', 'a\uFFFF'],
  ])('refuses the control character %s with a clear error', (_n, s) => {
    let err: unknown;
    try {
      escapeXml(s);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'invalid-job')).toBe(true);
    expect((err as Error).message).toMatch(
      /character U\+[0-9A-F]{4} at offset \d+, which XML 1\.0 cannot carry/,
    );
  });

  it('allows tab and newline', () => {
    expect(() => assertXmlChars('a\tb\nc')).not.toThrow();
  });

  it('passes text with nothing to escape through unchanged, surrogate pairs included', () => {
    for (const s of ['10GE1/0/1', 'HC hc-1 acme', '', 'ß ü ☃', 'fibre \u{1F600} ok', 'a\tb\nc']) {
      expect(escapeXml(s)).toBe(s);
    }
  });

  it('refuses element names that are not XML names', () => {
    expect(() => el('a b')).toThrow();
    expect(() => el('<x>')).toThrow();
  });

  it('round-trips any legal text through escape and parse (property)', () => {
    fc.assert(
      fc.property(xmlText, (s) => {
        const root = parseXml(el('d', undefined, el('v', undefined, s)).xml);
        expect(child(root, 'v')?.text ?? '').toBe(s);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('XML input', () => {
  it('refuses a DTD and entity declarations before parsing', () => {
    expect(() => parseXml('<!DOCTYPE r [<!ENTITY x "boom">]><r>&x;</r>')).toThrow(XmlParseError);
    expect(() => parseXml(`<r>${' '.repeat(5000)}<!ENTITY x "y"></r>`)).toThrow(XmlParseError);
    // In any case and anywhere, and beside markup that also starts with `<!`.
    expect(() => parseXml('<!-- c --><!doctype r><r/>')).toThrow(/DTD/);
    expect(() => parseXml(`<r><![CDATA[x]]>${'a'.repeat(100)}<!Entity x "y"></r>`)).toThrow(/DTD/);
    expect(parseXml('<r><!-- <!x --><![CDATA[<!]]></r>').text).toBe('<!');
  });

  it('refuses undeclared entities instead of expanding or passing them on', () => {
    expect(() => parseXml('<r>&foo;</r>')).toThrow(/undefined entity/);
  });

  it('decodes predefined entities and character references once', () => {
    expect(parseXml('<r>&amp;lt; &lt; &#65;&#x42; &quot;&apos;</r>').text).toBe('&lt; < AB "\'');
  });

  it('takes CDATA literally and decodes the text around it', () => {
    expect(parseXml('<r>a &amp; <![CDATA[&lt;b> & ]]> c</r>').text).toBe('a & &lt;b> &  c');
  });

  it('strips namespace prefixes and keeps attributes', () => {
    const root = parseXml('<nc:rpc-reply xmlns:nc="urn:x" message-id="5"><nc:ok/></nc:rpc-reply>');
    expect(root.name).toBe('rpc-reply');
    expect(root.attrs['message-id']).toBe('5');
    expect(root.children[0]?.name).toBe('ok');
  });

  it('parses each document on its own, also right after a malformed one', () => {
    const first = parseXml('<a x="1"><b>one</b></a>');
    expect(() => parseXml('<a><b></a>')).toThrow(XmlParseError);
    expect(() => parseXml('<a>')).toThrow(XmlParseError);
    const second = parseXml('<c><d>two</d></c>');
    expect(second).toEqual({
      name: 'c',
      attrs: {},
      children: [{ name: 'd', attrs: {}, children: [], text: 'two' }],
      text: '',
    });
    expect(first.children).toEqual([{ name: 'b', attrs: {}, children: [], text: 'one' }]);
    expect(first.attrs).toEqual({ x: '1' });
  });

  it('drops namespace declarations and reads prefixed attributes by local name', () => {
    const root = parseXml(
      '<config xmlns="urn:a" xmlns:nc="urn:b"><interface nc:operation="delete" id="7"/></config>',
    );
    expect(root.attrs).toEqual({});
    expect(root.children[0]?.attrs).toEqual({ operation: 'delete', id: '7' });
  });

  it('requires exactly one root element', () => {
    expect(() => parseXml('')).toThrow(XmlParseError);
    expect(() => parseXml('just text')).toThrow(XmlParseError);
    expect(() => parseXml('<a/><b/>')).toThrow(XmlParseError);
  });

  // How fast is bench:netconf's business (parse1MiBMs); here only that it parses whole.
  it('parses a 1 MiB get-config reply whole', () => {
    let xml = '<rpc-reply message-id="1"><data><interfaces>';
    for (let i = 0; xml.length < 1024 * 1024; i++) {
      xml += `<interface><name>10GE1/0/${i}</name><description>HC conn-${i} text</description><enabled>true</enabled></interface>`;
    }
    xml += '</interfaces></data></rpc-reply>';
    const root = parseXml(xml);
    expect(child(child(root, 'data'), 'interfaces')?.children.length).toBeGreaterThan(5_000);
  });
});
