// Over 400 lines: the modes and the one switch over the profile's command actions, kept together so each action reads with the mode change it makes.
import { helpWords, matchCommand, parseFilter, tokenize } from './command-match.js';
import { ConfigSession } from './config-session.js';
import type { CliDevice } from './device.js';
import { LineEditor } from './line-editor.js';
import { Pager } from './pager.js';
import type { EmuCommand, EmuMode } from './profile.js';
import { renderInterface, renderRunning } from './render.js';

/**
 * One interactive session on an emulated switch, at the keystroke level: it echoes what is
 * typed, edits the line (backspace, Ctrl-C, Ctrl-Z), shows context help on `?`, runs a line on
 * Enter through the profile's command table, pages long output, asks the profile's questions,
 * and plays the device's faults. It knows no transport: `write` gets the bytes to send, `end`
 * is called when the session logs out. The SSH server (ssh-server.ts) and unit tests feed it.
 * The line editor, the pager, command matching and the session's configuration are modules of
 * their own; this class holds the modes and runs the commands.
 */

const CRLF = '\r\n';
type Pending =
  | { kind: 'none' }
  | { kind: 'hung' }
  /** A question answered by a line; `secret` answers are not echoed. */
  | { kind: 'question'; text: string; secret: boolean; answer: Answer };

/** Handles an answer; `false` means it was not one of the choices, so the question is asked again. */
type Answer = (a: string) => boolean;

type ErrorKind = 'unrecognized' | 'incomplete' | 'ambiguous' | 'tooMany' | 'wrongParameter';

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
  readonly #config: ConfigSession;
  readonly #editor: LineEditor;
  readonly #pager: Pager;
  #paging = true;
  #pending: Pending = { kind: 'none' };
  #ended = false;
  #counted = false;

  constructor(device: CliDevice, io: ShellIo, id: number) {
    this.#device = device;
    this.#io = io;
    this.id = id;
    this.#mode = device.enableSecret !== undefined ? 'user' : device.profile.loginMode;
    this.#config = new ConfigSession(device);
    this.#editor = new LineEditor((t) => this.#write(t));
    this.#pager = new Pager(
      device,
      (t) => this.#write(t),
      (lines) => this.#out(lines),
    );
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
    this.#config.end();
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
    if (this.#pager.waiting) {
      this.#pager.key(ch);
      return;
    }
    const question = p.kind === 'question' ? p : undefined;
    const e = this.#editor.key(ch, question);
    if (!e) return;
    switch (e.kind) {
      case 'enter':
        if (question) {
          this.#pending = { kind: 'none' };
          if (!question.answer(e.line.trim())) this.#ask(question.text, question.secret, question.answer);
          return;
        }
        this.#run(e.line);
        return;
      case 'interrupt':
        this.#prompt();
        return;
      case 'suspend':
        if (this.#inConfig()) this.#leaveConfig(() => this.#prompt());
        else this.#prompt();
        return;
      case 'help':
        this.#out(helpWords(this.#commands(), e.line));
        this.#write(this.#promptText() + e.line);
        return;
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
    this.#pager.show(lines, then, this.#paging || this.#device.forcePaging);
  }

  #ask(text: string, secret: boolean, answer: Answer): void {
    this.#write(text);
    this.#pending = { kind: 'question', text, secret, answer };
  }

  #promptText(): string {
    const p = this.#device.profile;
    const stage =
      p.commit === 'two-stage' ? (this.#config.dirty ? p.stageMarks.dirty : p.stageMarks.clean) : '';
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
      const whole = matchCommand(this.#commands(), tokenize(line));
      if (whole.ok && whole.command.arg === 'text' && !whole.command.pipe) pipeAt = -1;
    }
    const body = pipeAt >= 0 ? line.slice(0, pipeAt) : line;
    const tokens = tokenize(body);
    const m = matchCommand(this.#commands(), tokens);
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
        this.#config.begin();
        this.#out(p.messages.enterConfig);
        this.#prompt();
        return;
      case 'interface': {
        const name = this.#config.canonical(arg);
        const existing = name ? this.#config.current().get(name) : undefined;
        if (existing) {
          this.#mode = 'interface';
          this.#iface = existing.name;
          this.#prompt();
          return;
        }
        const sub = /^(.+)\.(\d{1,4})$/.exec(arg);
        const parent = sub?.[1] ? this.#config.canonical(sub[1]) : undefined;
        const vlan = Number(sub?.[2]);
        if (parent && this.#config.current().get(parent)?.physical && vlan >= 1 && vlan <= 4094) {
          const subName = `${parent}.${vlan}`;
          this.#config.change(subName, { name: subName, enabled: true, lines: [], physical: false });
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
        const name = this.#config.canonical(arg);
        const existing = name ? this.#config.current().get(name) : undefined;
        if (!existing || existing.physical) {
          this.#error('wrongParameter', argColumn, line);
          this.#prompt();
          return;
        }
        if (this.#iface === existing.name) {
          this.#mode = 'system';
          this.#iface = undefined;
        }
        this.#config.change(existing.name, undefined);
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
        this.#config.commit();
        this.#prompt();
        return;
      case 'abort':
        this.#config.discard();
        this.#toExec();
        this.#prompt();
        return;
      case 'save':
        this.#save();
        return;
      case 'showRunning':
        this.#emit(only(renderRunning(this.#device), filter), () => this.#prompt());
        return;
      case 'showInterface': {
        const name = this.#config.canonical(arg);
        const iface = name ? this.#device.running.get(name) : undefined;
        if (!iface) {
          this.#error('wrongParameter', argColumn, line);
          this.#prompt();
          return;
        }
        this.#emit(only(renderInterface(this.#device, iface), filter), () => this.#prompt());
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

  /** Edits the interface being configured, then prompts. */
  #edit(fn: Parameters<ConfigSession['edit']>[1]): void {
    this.#config.edit(this.#iface, fn);
    this.#prompt();
  }

  #toExec(): void {
    this.#mode = this.#device.profile.execMode;
    this.#iface = undefined;
    this.#config.end();
  }

  /** Back to exec mode, asking first when two-stage changes are pending. */
  #leaveConfig(then: () => void): void {
    if (!this.#config.dirty) {
      this.#toExec();
      then();
      return;
    }
    this.#ask(this.#device.profile.messages.uncommittedQuestion, false, (a) => {
      if (/^c/i.test(a)) {
        this.#prompt();
        return true;
      }
      if (/^y/i.test(a)) this.#config.commit();
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

  // --- parsing ----------------------------------------------------------------------------

  #commands(): EmuCommand[] {
    return this.#device.profile.commands.filter((c) => c.modes.includes(this.#mode));
  }
}

function only(lines: string[], filter?: (l: string) => boolean): string[] {
  return filter ? lines.filter(filter) : lines;
}
