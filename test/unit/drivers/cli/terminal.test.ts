import { describe, expect, it } from 'vitest';
import { TerminalLines } from '../../../../drivers/cli/terminal.js';

function draw(...chunks: string[]): { lines: string[]; partial: string } {
  const t = new TerminalLines();
  for (const c of chunks) t.write(c);
  return { lines: t.takeLines(), partial: t.partial };
}

describe('TerminalLines', () => {
  it('splits CRLF lines and keeps the unfinished one as the cursor line', () => {
    expect(draw('a\r\nb\r\n<HOST>')).toEqual({ lines: ['a', 'b'], partial: '<HOST>' });
  });

  it('applies backspaces as cursor moves, so "\\b \\b" erases', () => {
    expect(draw('descriptiom\b \bn x\r\n').lines).toEqual(['description x']);
  });

  it('wipes a VRP pager with ESC[nD and spaces without indenting the next line', () => {
    const t = new TerminalLines();
    t.write(' description a\r\n  ---- More ----');
    expect(t.takeLines()).toEqual([' description a']);
    expect(t.partial).toBe('---- More ----'.padStart(16));
    t.clearPartial();
    t.write('\x1b[16D                \x1b[16D');
    t.write('interface 10GE1/0/2\r\n#\r\n');
    expect(t.takeLines()).toEqual(['interface 10GE1/0/2', '#']);
  });

  it('wipes an IOS pager drawn with backspaces', () => {
    const t = new TerminalLines();
    t.write(' --More-- ');
    t.clearPartial();
    t.write('\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b shutdown\r\n');
    expect(t.takeLines()).toEqual([' shutdown']);
  });

  it('drops colours, OSC titles and charset switches, even split across writes', () => {
    expect(draw('\x1b[1;3', '2mred\x1b[0m \x1b]0;tit', 'le\x07x\x1b(B\r\n').lines).toEqual(['red x']);
  });

  it('treats a bare CR as a return to column 0 (a redrawn prompt overwrites)', () => {
    expect(draw('<old-prompt>\r<HOST>').partial).toBe('<HOST>rompt>');
    expect(draw('xxxxxxxx\r\x1b[K<HOST>').partial).toBe('<HOST>');
  });

  it('ignores BEL, DEL and other controls, expands tabs', () => {
    expect(draw('a\x07\x7fb\tc\r\n').lines).toEqual(['ab      c']);
  });

  it('bounds an escape sequence that never ends', () => {
    const t = new TerminalLines();
    t.write(`\x1b[${'1'.repeat(10_000)}`);
    t.write('Dok');
    expect(t.partial).toBe('ok');
  });
});
