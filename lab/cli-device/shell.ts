import {
  type CliDevice,
  cloneInterface,
  cloneInterfaces,
  type EmuInterface,
  type EmuInterfaces,
} from './device.js';
import type { EmuCommand, EmuMode } from './profile.js';

/**
 * One interactive session on an emulated switch, at the keystroke level: it echoes what is
 * typed, edits the line (backspace, Ctrl-C, Ctrl-Z), shows context help on `?`, runs a line on
 * Enter through the profile's command table, pages long output, asks the profile's questions,
 * and plays the device's faults. It knows no transport: `write` gets the bytes to send, `end`
 * is called when the session logs out. The SSH server (ssh-server.ts) and unit tests feed it.
 */

const CRLF = '\r\n';
const MAX_LINE = 4096;

interface Token {
  text: string;
  start: number;
}

type Pending =
  | { kind: 'none' }
  | { kind: 'hung' }
  | { kind: 'pager'; rest: string[]; then: () => void }
  /** A question answered by a line; `secret` answers are not echoed. */
  | { kind: 'question'; text: string; secret: boolean; answer: Answer };

/** Handles an answer; `false` means it was not one of the choices, so the question is asked again. */
type Answer = (a: string) => boolean;

type ErrorKind = 'unrecognized' | 'incomplete' | 'ambiguous' | 'tooMany' | 'wrongParameter';

type Matched =
  | { ok: true; command: EmuCommand; argIndex: number }
  | { ok: false; error: 'unrecognized' | 'ambiguous' | 'incomplete'; at: number };

export interface ShellIo {
  write(text: string): void;
  end(): void;
}

export class CliShell {
  readonly id: number;
  readonly #device: CliDevice;
  readonly #io: ShellIo;
  #mode: EmuMode;
  #iface: string | undefined;
  /** Two-stage only: this session's uncommitted copy and which entries it changed. */
  #candidate: EmuInterfaces | undefined;
  #touched = new Set<string>();
  #paging = true;
  #line = '';
  #lastWasCr = false;
  #pending: Pending = { kind: 'none' };
  #ended = false;
  #counted = false;

  constructor(device: CliDevice, io: ShellIo, id: number) {
    this.#device = device;
    this.#io = io;
    this.id = id;
    this.#mode = device.enableSecret !== undefined ? 'user' : device.profile.loginMode;
  }

  get mode(): EmuMode {
    return this.#mode;
  }

  /** Banner, the optional first-login question, then the first prompt. */
  start(): void {
    const m = this.#device.profile.messages;
    this.#out(m.banner);
    if (this.#device.askPasswordChange && m.passwordChangeQuestion) {
      this.#ask(m.passwordChangeQuestion, false, (a) => {
        if (/^n/i.test(a)) {
          this.#ready();
          return true;
        }
        if (/^y/i.test(a)) {
          this.#out(['Info: Password change is not emulated.']);
          this.#ready();
          return true;
        }
        return false;
      });
      return;
    }
    this.#ready();
  }

  #ready(): void {
    this.#device.sessionsOpened++;
    this.#device.sessionsOpen++;
    this.#counted = true;
    this.#prompt();
  }

  /** The session is gone (logout or disconnect): uncommitted changes die with it. */
  close(): void {
    // Logout closes the shell and then its stream closes it again; count it once.
    if (this.#counted) this.#device.sessionsOpen--;
    this.#counted = false;
    this.#ended = true;
    this.#candidate = undefined;
    this.#touched.clear();
  }

  feed(data: string): void {
    for (const ch of data) {
      if (this.#ended) return;
      this.#key(ch);
    }
  }

  // --- keystrokes -------------------------------------------------------------------------

  #key(ch: string): void {
    const p = this.#pending;
    if (p.kind === 'hung') return;
    if (p.kind === 'pager') {
      this.#pagerKey(p, ch);
      return;
    }
    const cr = ch === '\r';
    const lf = ch === '\n';
    if (lf && this.#lastWasCr) {
      this.#lastWasCr = false;
      return;
    }
    this.#lastWasCr = cr;
    if (cr || lf) {
      const line = this.#line;
      this.#line = '';
      this.#write(CRLF);
      if (p.kind === 'question') {
        this.#pending = { kind: 'none' };
        if (!p.answer(line.trim())) this.#ask(p.text, p.secret, p.answer);
        return;
      }
      this.#run(line);
      return;
    }
    if (ch === '\x7f' || ch === '\b') {
      if (this.#line.length > 0) {
        this.#line = this.#line.slice(0, -1);
        if (p.kind !== 'question' || !p.secret) this.#write('\b \b');
      }
      return;
    }
    if (p.kind === 'question') {
      if (ch >= ' ' && this.#line.length < MAX_LINE) {
        this.#line += ch;
        if (!p.secret) this.#write(ch);
      }
      return;
    }
    if (ch === '\x03') {
      this.#line = '';
      this.#write(`^C${CRLF}`);
      this.#prompt();
      return;
    }
    if (ch === '\x1a') {
      this.#line = '';
      this.#write(`^Z${CRLF}`);
      if (this.#inConfig()) {
        this.#leaveConfig(() => this.#prompt());
        return;
      }
      this.#prompt();
      return;
    }
    if (ch === '?') {
      this.#write(`?${CRLF}`);
      this.#out(this.#help(this.#line));
      this.#write(this.#promptText() + this.#line);
      return;
    }
    // Tab completion and other keys are not emulated: they draw nothing.
    if (ch < ' ' || ch === '\x7f') return;
    if (this.#line.length >= MAX_LINE) return;
    this.#line += ch;
    this.#write(ch);
  }

  #pagerKey(p: Extract<Pending, { kind: 'pager' }>, ch: string): void {
    const pager = this.#device.profile.pager;
    if (ch === ' ' || ch === '\r' || ch === '\n') {
      this.#write(pager.erase);
      const n = ch === ' ' ? this.#device.pageLines : 1;
      this.#pending = { kind: 'none' };
      this.#page(p.rest, p.then, n);
    } else if (ch === 'q' || ch === 'Q') {
      this.#write(pager.erase);
      this.#pending = { kind: 'none' };
      p.then();
    }
  }

  // --- output -----------------------------------------------------------------------------

  #write(text: string): void {
    if (!this.#ended) this.#io.write(text);
  }

  #out(lines: readonly string[]): void {
    for (const l of lines) this.#write(l + CRLF);
  }

  /** Prints `lines` a page at a time when paging is on, then runs `then`. */
  #emit(lines: readonly string[], then: () => void): void {
    const paged = this.#paging || this.#device.forcePaging;
    if (!paged) {
      this.#out(lines);
      then();
      return;
    }
    this.#page([...lines], then, this.#device.pageLines);
  }

  #page(lines: string[], then: () => void, n: number): void {
    if (lines.length <= n) {
      this.#out(lines);
      then();
      return;
    }
    this.#out(lines.slice(0, n));
    this.#write(this.#device.profile.pager.prompt);
    this.#device.pagesShown++;
    this.#pending = { kind: 'pager', rest: lines.slice(n), then };
  }

  #ask(text: string, secret: boolean, answer: Answer): void {
    this.#write(text);
    this.#pending = { kind: 'question', text, secret, answer };
  }

  #promptText(): string {
    const p = this.#device.profile;
    const stage =
      p.commit === 'two-stage' ? (this.#touched.size > 0 ? p.stageMarks.dirty : p.stageMarks.clean) : '';
    const tpl =
      this.#mode === 'user'
        ? p.prompts.user
        : this.#mode === 'privileged'
          ? (p.prompts.privileged ?? p.prompts.user)
          : this.#mode === 'system'
            ? p.prompts.system
            : p.prompts.interface;
    const view = this.#iface?.includes('.') ? p.subinterfaceView : p.interfaceView;
    return tpl
      .replace('{host}', this.#device.hostname)
      .replace('{stage}', stage)
      .replace('{view}', view.replace('{port}', this.#iface ?? ''));
  }

  #prompt(): void {
    this.#write(this.#promptText());
  }

  #error(kind: ErrorKind, column: number | undefined, line: string): void {
    const e = this.#device.profile.errors;
    const out: string[] = [];
    if (e.marker && column !== undefined) out.push(`${' '.repeat(this.#promptText().length + column)}^`);
    for (const l of e[kind]) out.push(l.replace('{line}', line));
    this.#out(out);
  }

  // --- lines ------------------------------------------------------------------------------

  #run(raw: string): void {
    const line = raw.trimEnd();
    const device = this.#device;
    if (line.trim() !== '') device.transcript.push({ session: this.id, mode: this.#mode, line });
    const fault = line.trim() === '' ? undefined : device.takeFault(line.trim(), this.#mode);
    if (fault) {
      switch (fault.action) {
        case 'hang':
          this.#pending = { kind: 'hung' };
          return;
        case 'error':
          this.#out(fault.text ?? ['Error: The operation failed.']);
          this.#prompt();
          return;
        case 'flood': {
          const row = 'x'.repeat(79);
          const rows = Math.ceil((fault.bytes ?? 1_000_000) / (row.length + 2));
          this.#emit(
            Array.from({ length: rows }, () => row),
            () => this.#prompt(),
          );
          return;
        }
        case 'ignore':
          this.#prompt();
          return;
      }
    }
    if (line.trim() === '') {
      this.#prompt();
      return;
    }
    let pipeAt = line.indexOf(' | ');
    if (pipeAt >= 0) {
      // A text argument (a description) runs to the end of the line, `|` and all, as on the
      // devices: only display commands take an output filter.
      const whole = this.#match(tokenize(line));
      if (whole.ok && whole.command.arg === 'text' && !whole.command.pipe) pipeAt = -1;
    }
    const body = pipeAt >= 0 ? line.slice(0, pipeAt) : line;
    const tokens = tokenize(body);
    const m = this.#match(tokens);
    if (!m.ok) {
      const t = tokens[m.at];
      this.#error(m.error, t ? t.start : body.length + 1, line);
      this.#prompt();
      return;
    }
    if (pipeAt >= 0 && !m.command.pipe) {
      this.#error('unrecognized', pipeAt + 1, line);
      this.#prompt();
      return;
    }
    let filter: ((l: string) => boolean) | undefined;
    if (pipeAt >= 0) {
      const f = parseFilter(line.slice(pipeAt + 3));
      if (!f) {
        this.#error('wrongParameter', pipeAt + 3, line);
        this.#prompt();
        return;
      }
      filter = f;
    }
    const args = tokens.slice(m.argIndex);
    const kind = m.command.arg ?? 'none';
    if (kind === 'none' && args.length > 0) {
      this.#error('tooMany', args[0]?.start, line);
      this.#prompt();
      return;
    }
    if (kind !== 'none' && args.length === 0) {
      this.#error('incomplete', body.length + 1, line);
      this.#prompt();
      return;
    }
    if ((kind === 'interface' || kind === 'vlan') && args.length > 1) {
      this.#error('tooMany', args[1]?.start, line);
      this.#prompt();
      return;
    }
    const arg = args[0];
    const text = arg ? body.slice(arg.start).trim() : '';
    this.#act(m.command, text, arg?.start ?? 0, line, filter);
  }

  #act(cmd: EmuCommand, arg: string, argColumn: number, line: string, filter?: (l: string) => boolean): void {
    const p = this.#device.profile;
    const done = (): void => {
      if (cmd.print) this.#out(cmd.print);
      this.#prompt();
    };
    switch (cmd.action) {
      case 'noop':
        done();
        return;
      case 'pagingOff':
        this.#paging = false;
        done();
        return;
      case 'enable':
        this.#enable(3);
        return;
      case 'enterConfig':
        this.#mode = 'system';
        if (p.commit === 'two-stage') this.#candidate = cloneInterfaces(this.#device.running);
        this.#out(p.messages.enterConfig);
        this.#prompt();
        return;
      case 'interface': {
        const name = this.#canonical(arg);
        const existing = name ? this.#config().get(name) : undefined;
        if (existing) {
          this.#mode = 'interface';
          this.#iface = existing.name;
          this.#prompt();
          return;
        }
        const sub = /^(.+)\.(\d{1,4})$/.exec(arg);
        const parent = sub?.[1] ? this.#canonical(sub[1]) : undefined;
        const vlan = Number(sub?.[2]);
        if (parent && this.#config().get(parent)?.physical && vlan >= 1 && vlan <= 4094) {
          const subName = `${parent}.${vlan}`;
          this.#change(subName, { name: subName, enabled: true, lines: [], physical: false });
          this.#mode = 'interface';
          this.#iface = subName;
          this.#prompt();
          return;
        }
        this.#error('wrongParameter', argColumn, line);
        this.#prompt();
        return;
      }
      case 'noInterface': {
        const name = this.#canonical(arg);
        const existing = name ? this.#config().get(name) : undefined;
        if (!existing || existing.physical) {
          this.#error('wrongParameter', argColumn, line);
          this.#prompt();
          return;
        }
        if (this.#iface === existing.name) {
          this.#mode = 'system';
          this.#iface = undefined;
        }
        this.#change(existing.name, undefined);
        this.#prompt();
        return;
      }
      case 'description':
        if (arg.length > p.descriptionMaxLength) {
          this.#error('wrongParameter', argColumn, line);
          this.#prompt();
          return;
        }
        this.#edit((i) => {
          i.description = arg;
        });
        return;
      case 'noDescription':
        this.#edit((i) => {
          delete i.description;
        });
        return;
      case 'shutdown':
        this.#edit((i) => {
          i.enabled = false;
        });
        return;
      case 'noShutdown':
        this.#edit((i) => {
          i.enabled = true;
        });
        return;
      case 'encapsulation': {
        const vlan = Number(arg);
        if (!/^\d+$/.test(arg) || vlan < 1 || vlan > 4094 || !cmd.line) {
          this.#error('wrongParameter', argColumn, line);
          this.#prompt();
          return;
        }
        const text = cmd.line.replace('{vlan}', String(vlan));
        const prefix = cmd.line.slice(0, cmd.line.indexOf('{vlan}'));
        this.#edit((i) => {
          i.lines = [...i.lines.filter((l) => !l.startsWith(prefix)), text];
        });
        return;
      }
      case 'up':
        if (this.#mode === 'interface') {
          this.#mode = 'system';
          this.#iface = undefined;
          this.#prompt();
          return;
        }
        if (this.#mode === 'system') {
          this.#leaveConfig(() => this.#prompt());
          return;
        }
        this.#logout();
        return;
      case 'end':
        this.#leaveConfig(() => this.#prompt());
        return;
      case 'commit':
        this.#commit();
        this.#prompt();
        return;
      case 'abort':
        this.#discard();
        this.#toExec();
        this.#prompt();
        return;
      case 'save':
        this.#save();
        return;
      case 'showRunning':
        this.#emit(this.#filter(this.#renderRunning(), filter), () => this.#prompt());
        return;
      case 'showInterface': {
        const name = this.#canonical(arg);
        const iface = name ? this.#device.running.get(name) : undefined;
        if (!iface) {
          this.#error('wrongParameter', argColumn, line);
          this.#prompt();
          return;
        }
        this.#emit(this.#filter(this.#renderInterface(iface), filter), () => this.#prompt());
        return;
      }
      case 'logout':
        this.#logout();
        return;
    }
  }

  #enable(triesLeft: number): void {
    const secret = this.#device.enableSecret;
    if (secret === undefined) {
      this.#mode = 'privileged';
      this.#prompt();
      return;
    }
    const p = this.#device.profile;
    this.#ask(p.messages.enablePassword, true, (a) => {
      if (a === secret) {
        this.#mode = 'privileged';
        this.#prompt();
        return true;
      }
      if (triesLeft > 1) {
        this.#enable(triesLeft - 1);
        return true;
      }
      this.#out(p.messages.enableFailed);
      this.#prompt();
      return true;
    });
  }

  #save(): void {
    const m = this.#device.profile.messages;
    const doSave = (): void => {
      this.#device.save();
      this.#out(m.saveDone);
      this.#prompt();
    };
    if (!m.saveQuestion) {
      doSave();
      return;
    }
    this.#ask(m.saveQuestion, false, (a) => {
      if (/^y/i.test(a)) {
        doSave();
        return true;
      }
      if (/^n/i.test(a)) {
        this.#out(m.saveCancelled);
        this.#prompt();
        return true;
      }
      return false;
    });
  }

  // --- configuration ----------------------------------------------------------------------

  #inConfig(): boolean {
    return this.#mode === 'system' || this.#mode === 'interface';
  }

  /** The configuration this session sees: its candidate on two-stage devices, else running. */
  #config(): EmuInterfaces {
    return this.#candidate ?? this.#device.running;
  }

  /** Interface names are case-insensitive when typed, and print as the device spells them. */
  #canonical(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const k of this.#config().keys()) if (k.toLowerCase() === lower) return k;
    return undefined;
  }

  #edit(fn: (i: EmuInterface) => void): void {
    const name = this.#iface;
    const current = name ? this.#config().get(name) : undefined;
    if (!name || !current) {
      this.#prompt();
      return;
    }
    const next = cloneInterface(current);
    fn(next);
    this.#change(name, next);
    this.#prompt();
  }

  #change(name: string, value: EmuInterface | undefined): void {
    if (this.#candidate) {
      if (value) this.#candidate.set(name, value);
      else this.#candidate.delete(name);
      this.#touched.add(name);
    } else {
      this.#device.commit([[name, value]]);
    }
  }

  #commit(): void {
    const c = this.#candidate;
    if (!c) return;
    this.#device.commit([...this.#touched].map((n): [string, EmuInterface | undefined] => [n, c.get(n)]));
    this.#touched.clear();
    this.#candidate = cloneInterfaces(this.#device.running);
  }

  #discard(): void {
    this.#touched.clear();
    if (this.#candidate) this.#candidate = cloneInterfaces(this.#device.running);
  }

  #toExec(): void {
    this.#mode = this.#device.profile.execMode;
    this.#iface = undefined;
    this.#candidate = undefined;
    this.#touched.clear();
  }

  /** Back to exec mode, asking first when two-stage changes are pending. */
  #leaveConfig(then: () => void): void {
    if (this.#touched.size === 0) {
      this.#toExec();
      then();
      return;
    }
    this.#ask(this.#device.profile.messages.uncommittedQuestion, false, (a) => {
      if (/^c/i.test(a)) {
        this.#prompt();
        return true;
      }
      if (/^y/i.test(a)) this.#commit();
      else if (!/^n/i.test(a)) return false;
      this.#toExec();
      then();
      return true;
    });
  }

  #logout(): void {
    this.close();
    this.#io.end();
  }

  // --- rendering --------------------------------------------------------------------------

  #interfaceLines(i: EmuInterface): string[] {
    const c = this.#device.profile.config;
    const out = [`interface ${i.name}`];
    if (i.description !== undefined) out.push(c.description.replace('{text}', i.description));
    out.push(...i.lines);
    if (!i.enabled) out.push(c.shutdown);
    else if (c.noShutdown && i.physical) out.push(c.noShutdown);
    return out;
  }

  #renderInterface(i: EmuInterface): string[] {
    const c = this.#device.profile.config;
    const body = this.#interfaceLines(i);
    return [...this.#fill(c.interfaceHead, body), ...body, ...this.#fill(c.interfaceTail, body)];
  }

  #renderRunning(): string[] {
    const c = this.#device.profile.config;
    const body: string[] = [];
    for (const i of this.#device.running.values()) body.push(c.separator, ...this.#interfaceLines(i));
    return [...this.#fill(c.fullHead, body), ...body, ...this.#fill(c.fullTail, body)];
  }

  #fill(lines: readonly string[], body: readonly string[]): string[] {
    const bytes = body.reduce((n, l) => n + l.length + 1, 0);
    return lines.map((l) => l.replace('{bytes}', String(bytes)).replace('{host}', this.#device.hostname));
  }

  #filter(lines: string[], filter?: (l: string) => boolean): string[] {
    return filter ? lines.filter(filter) : lines;
  }

  // --- parsing ----------------------------------------------------------------------------

  #commands(): EmuCommand[] {
    return this.#device.profile.commands.filter((c) => c.modes.includes(this.#mode));
  }

  #match(tokens: readonly Token[]): Matched {
    let candidates = this.#commands();
    for (let i = 0; ; i++) {
      const complete = candidates.filter((c) => c.words.length === i);
      const longer = candidates.filter((c) => c.words.length > i);
      const token = tokens[i];
      if (!token) {
        const done = complete[0];
        return done ? { ok: true, command: done, argIndex: i } : { ok: false, error: 'incomplete', at: i };
      }
      const t = token.text.toLowerCase();
      let next = longer.filter((c) => c.words[i] === t);
      if (next.length === 0) {
        const prefixed = longer.filter((c) => c.words[i]?.startsWith(t));
        const words = new Set(prefixed.map((c) => c.words[i]));
        if (words.size > 1 && complete.length === 0) return { ok: false, error: 'ambiguous', at: i };
        if (words.size === 1) next = prefixed;
      }
      if (next.length > 0) {
        candidates = next;
        continue;
      }
      const done = complete[0];
      return done ? { ok: true, command: done, argIndex: i } : { ok: false, error: 'unrecognized', at: i };
    }
  }

  /** What `?` shows: the words that may come next. */
  #help(partial: string): string[] {
    const tokens = tokenize(partial);
    const endsWithSpace = partial === '' || /\s$/.test(partial);
    const typed = endsWithSpace ? tokens : tokens.slice(0, -1);
    const words = new Set<string>();
    for (const c of this.#commands()) {
      if (typed.every((t, i) => c.words[i]?.startsWith(t.text.toLowerCase()))) {
        const w = c.words[typed.length];
        if (w) words.add(w);
        else if (c.arg && c.arg !== 'none') words.add(`<${c.arg}>`);
      }
    }
    return [...words].sort().map((w) => `  ${w}`);
  }
}

function tokenize(line: string): Token[] {
  const out: Token[] = [];
  for (const m of line.matchAll(/\S+/g)) out.push({ text: m[0], start: m.index ?? 0 });
  return out;
}

/** `include|exclude|begin <regex>`, as both VRP and IOS take them. */
function parseFilter(spec: string): ((l: string) => boolean) | undefined {
  const m = /^(include|exclude|begin)\s+(.+)$/i.exec(spec.trim());
  if (!m?.[1] || !m[2]) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(m[2]);
  } catch {
    return undefined;
  }
  const kind = m[1].toLowerCase();
  if (kind === 'include') return (l) => re.test(l);
  if (kind === 'exclude') return (l) => !re.test(l);
  let started = false;
  return (l) => {
    if (!started && re.test(l)) started = true;
    return started;
  };
}
