const CRLF = '\r\n';
const MAX_LINE = 4096;

/** What a keystroke means to the shell, once the editor has echoed it. */
export type LineEvent =
  | { kind: 'enter'; line: string }
  | { kind: 'interrupt' }
  | { kind: 'suspend' }
  | { kind: 'help'; line: string };

/**
 * The line being typed, at the keystroke level: echo, backspace, CR/LF/CRLF as one Enter, Ctrl-C,
 * Ctrl-Z and `?`. While a question is asked only text and backspace count, and a secret answer
 * is not echoed. Tab completion and other control keys are not emulated: they draw nothing.
 */
export class LineEditor {
  #line = '';
  #lastWasCr = false;
  readonly #write: (text: string) => void;

  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  get line(): string {
    return this.#line;
  }

  /** Handles one key; `question` is set while a question waits for its answer. */
  key(ch: string, question?: { secret: boolean }): LineEvent | undefined {
    const cr = ch === '\r';
    const lf = ch === '\n';
    if (lf && this.#lastWasCr) {
      this.#lastWasCr = false;
      return undefined;
    }
    this.#lastWasCr = cr;
    if (cr || lf) {
      const line = this.#line;
      this.#line = '';
      this.#write(CRLF);
      return { kind: 'enter', line };
    }
    if (ch === '\x7f' || ch === '\b') {
      if (this.#line.length > 0) {
        this.#line = this.#line.slice(0, -1);
        if (!question?.secret) this.#write('\b \b');
      }
      return undefined;
    }
    if (question) {
      if (ch >= ' ' && this.#line.length < MAX_LINE) {
        this.#line += ch;
        if (!question.secret) this.#write(ch);
      }
      return undefined;
    }
    if (ch === '\x03') {
      this.#line = '';
      this.#write(`^C${CRLF}`);
      return { kind: 'interrupt' };
    }
    if (ch === '\x1a') {
      this.#line = '';
      this.#write(`^Z${CRLF}`);
      return { kind: 'suspend' };
    }
    if (ch === '?') {
      this.#write(`?${CRLF}`);
      return { kind: 'help', line: this.#line };
    }
    if (ch < ' ' || ch === '\x7f') return undefined;
    if (this.#line.length >= MAX_LINE) return undefined;
    this.#line += ch;
    this.#write(ch);
    return undefined;
  }
}
