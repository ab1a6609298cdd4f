/**
 * What a CLI's output looks like once a terminal has drawn it. Devices write for a screen, not
 * for a parser: a pager is wiped with backspaces or `ESC[42D` plus spaces, a prompt is redrawn
 * after `\r`, colours come as SGR codes. Stripping those bytes is not enough (the spaces that
 * erased a `---- More ----` would be left in front of the next config line and change its
 * indentation, which is how a config block is recognised), so this keeps one line buffer with a
 * cursor and applies the movements, the way the operator's terminal would.
 *
 * Pure and incremental: text may be split anywhere, escape sequences included.
 */

const ESC = '\x1b';
const TAB_WIDTH = 8;

type EscapeState =
  | { kind: 'none' }
  | { kind: 'esc' }
  | { kind: 'csi'; params: string }
  | { kind: 'osc'; sawEsc: boolean }
  /** `ESC (`-style charset designations take exactly one more character. */
  | { kind: 'charset' };

export class TerminalLines {
  #line: string[] = [];
  #col = 0;
  #lines: string[] = [];
  #escape: EscapeState = { kind: 'none' };

  /** Feeds decoded text. */
  write(text: string): void {
    for (const ch of text) this.#char(ch);
  }

  /** Complete lines since the last call, trailing blanks removed (a terminal cannot show them). */
  takeLines(): string[] {
    const out = this.#lines;
    this.#lines = [];
    return out;
  }

  /** Lines completed and not yet taken. */
  get pendingLines(): number {
    return this.#lines.length;
  }

  /** The line the cursor is on, as shown: where prompts, pagers and questions appear. */
  get partial(): string {
    return this.#line.join('').trimEnd();
  }

  /** Forgets the current line (a pager prompt that has been answered). */
  clearPartial(): void {
    this.#line = [];
    this.#col = 0;
  }

  #char(ch: string): void {
    const st = this.#escape;
    switch (st.kind) {
      case 'esc':
        if (ch === '[') this.#escape = { kind: 'csi', params: '' };
        else if (ch === ']') this.#escape = { kind: 'osc', sawEsc: false };
        else if (ch === '(' || ch === ')' || ch === '*' || ch === '+') this.#escape = { kind: 'charset' };
        else this.#escape = { kind: 'none' };
        return;
      case 'charset':
        this.#escape = { kind: 'none' };
        return;
      case 'csi': {
        const code = ch.codePointAt(0) ?? 0;
        if (code >= 0x40 && code <= 0x7e) {
          this.#escape = { kind: 'none' };
          this.#csi(ch, st.params);
        } else if (code >= 0x20 && code <= 0x3f) {
          // A device that never ends the sequence must not make us buffer without limit.
          if (st.params.length < 32) st.params += ch;
        } else {
          this.#escape = { kind: 'none' };
        }
        return;
      }
      case 'osc':
        if (ch === '\x07' || (st.sawEsc && ch === '\\')) this.#escape = { kind: 'none' };
        else st.sawEsc = ch === ESC;
        return;
      case 'none':
        break;
    }
    switch (ch) {
      case ESC:
        this.#escape = { kind: 'esc' };
        return;
      case '\n':
        this.#lines.push(this.#line.join('').trimEnd());
        this.#line = [];
        this.#col = 0;
        return;
      case '\r':
        this.#col = 0;
        return;
      case '\b':
        this.#col = Math.max(0, this.#col - 1);
        return;
      case '\t':
        this.#put(' ');
        while (this.#col % TAB_WIDTH !== 0) this.#put(' ');
        return;
      default: {
        const code = ch.codePointAt(0) ?? 0;
        // BEL, DEL and the other C0/C1 controls draw nothing.
        if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) return;
        this.#put(ch);
      }
    }
  }

  #put(ch: string): void {
    while (this.#line.length < this.#col) this.#line.push(' ');
    this.#line[this.#col] = ch;
    this.#col++;
  }

  #csi(final: string, params: string): void {
    const n = Number.parseInt(params.split(';')[0] ?? '', 10);
    const count = Number.isFinite(n) && n > 0 ? n : 1;
    switch (final) {
      case 'D':
        this.#col = Math.max(0, this.#col - count);
        return;
      case 'C':
        this.#col += count;
        return;
      case 'G':
        this.#col = count - 1;
        return;
      case 'K': {
        const mode = Number.isFinite(n) ? n : 0;
        if (mode === 0) this.#line.length = Math.min(this.#line.length, this.#col);
        else if (mode === 1)
          for (let i = 0; i <= this.#col && i < this.#line.length; i++) this.#line[i] = ' ';
        else this.#line = [];
        return;
      }
      default:
        // Colours (m), cursor up/down, screen clears: nothing that changes the text of a line.
        return;
    }
  }
}
