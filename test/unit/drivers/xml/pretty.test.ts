import { describe, expect, it } from 'vitest';
import { parseXml, prettyXml, serialize } from '../../../../drivers/xml/xml.js';

describe('prettyXml (plan output)', () => {
  it('indents, keeps names, prefixes, namespace declarations and escaped text as sent', () => {
    const xml =
      '<edit-config><target><candidate/></target><config xmlns:nc="urn:x"><a xmlns="urn:a"><d nc:operation="remove"/><t>x &amp; &lt;y&gt; "q"</t></a></config></edit-config>';
    expect(prettyXml(xml)).toBe(
      [
        '<edit-config>',
        '  <target>',
        '    <candidate/>',
        '  </target>',
        '  <config xmlns:nc="urn:x">',
        '    <a xmlns="urn:a">',
        '      <d nc:operation="remove"/>',
        '      <t>x &amp; &lt;y&gt; &quot;q&quot;</t>',
        '    </a>',
        '  </config>',
        '</edit-config>',
      ].join('\n'),
    );
    expect(serialize(parseXml(prettyXml(xml)))).toBe(serialize(parseXml(xml)));
  });

  it('keeps inner spaces of text, and returns what does not parse unchanged', () => {
    expect(prettyXml('<a><b>  two  spaces </b></a>')).toBe('<a>\n  <b>  two  spaces </b>\n</a>');
    expect(prettyXml('<a><b></a>')).toBe('<a><b></a>');
  });
});
