import type { CliDeviceProfile, EmuMode } from './profile.js';

/**
 * The state of one emulated CLI switch, shared by all its sessions: the running and saved
 * configuration of its interfaces, what every session typed (the transcript tests assert on),
 * and the faults to play. Sessions (shell.ts) read and change it; the lab can watch changes to
 * mirror admin state into its SNMP side.
 */

export interface EmuInterface {
  name: string;
  description?: string;
  enabled: boolean;
  /** Other config lines of the block, in order (`dot1q termination vid 100`). */
  lines: string[];
  /** Physical ports cannot be created or deleted from the CLI. */
  physical: boolean;
}

export type EmuInterfaces = Map<string, EmuInterface>;

export interface TranscriptEntry {
  session: number;
  mode: EmuMode;
  line: string;
}

/**
 * A scripted misbehaviour, matched against each typed line (in the listed modes, or all):
 * `error` prints `text` as the device's refusal, `hang` never answers (no output, no prompt),
 * `ignore` answers as if it worked but changes nothing, `flood` prints `bytes` of output.
 */
export interface CliFault {
  match: RegExp;
  action: 'error' | 'hang' | 'ignore' | 'flood';
  modes?: readonly EmuMode[];
  text?: readonly string[];
  bytes?: number;
  /** How many times it fires; unlimited when absent. */
  times?: number;
}

export interface CliDeviceOptions {
  profile: CliDeviceProfile;
  hostname: string;
  /** Physical ports, as the device names them. */
  ports: readonly string[];
  /** Ports that start enabled (default: none; a switch ships with ports shut). */
  enabledPorts?: readonly string[];
  /** When set, `enable` asks for it; IOS sessions then start in user mode. */
  enableSecret?: string;
  /** VRP's first-login question. */
  askPasswordChange?: boolean;
  faults?: CliFault[];
}

export type ChangeListener = (name: string, now: EmuInterface | undefined) => void;

export class CliDevice {
  readonly profile: CliDeviceProfile;
  hostname: string;
  readonly enableSecret: string | undefined;
  readonly askPasswordChange: boolean;
  running: EmuInterfaces = new Map();
  startup: EmuInterfaces = new Map();
  readonly transcript: TranscriptEntry[] = [];
  faults: CliFault[];
  /** Pages output even after the session turned paging off (some releases do for some commands). */
  forcePaging = false;
  /** Page length; the profile's by default. */
  pageLines: number;
  /** Sessions that reached a prompt, for tests. */
  sessionsOpened = 0;
  /** Sessions that reached a prompt and have not ended yet. */
  sessionsOpen = 0;
  /** Pager prompts shown, for tests. */
  pagesShown = 0;
  readonly #listeners = new Set<ChangeListener>();
  /** The session commit that changed running last, and each entry it changed as it was before. */
  #lastCommit: { group: object; before: Map<string, EmuInterface | undefined> } | undefined;

  constructor(options: CliDeviceOptions) {
    this.profile = options.profile;
    this.hostname = options.hostname;
    this.enableSecret = options.enableSecret;
    this.askPasswordChange = options.askPasswordChange ?? false;
    this.faults = options.faults ?? [];
    this.pageLines = options.profile.pager.lines;
    const up = new Set(options.enabledPorts ?? []);
    for (const name of options.ports) {
      this.running.set(name, { name, enabled: up.has(name), lines: [], physical: true });
    }
    this.startup = cloneInterfaces(this.running);
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Replaces running-config entries (a commit, or one immediate line) and tells the listeners.
   * `commit` names the session commit this belongs to (calls with the same object are one
   * commit); the lab's own back-door changes pass none and are not a commit that a reboot loses.
   */
  commit(changes: Iterable<[string, EmuInterface | undefined]>, commit?: object): void {
    if (commit && this.#lastCommit?.group !== commit) this.#lastCommit = { group: commit, before: new Map() };
    const before = commit ? this.#lastCommit?.before : undefined;
    for (const [name, iface] of changes) {
      if (before && !before.has(name)) {
        const was = this.running.get(name);
        before.set(name, was ? cloneInterface(was) : undefined);
      }
      if (iface) this.running.set(name, cloneInterface(iface));
      else this.running.delete(name);
      const now = this.running.get(name);
      for (const l of this.#listeners) l(name, now ? cloneInterface(now) : undefined);
    }
    this.running = sortInterfaces(this.running);
  }

  save(): void {
    this.startup = cloneInterfaces(this.running);
  }

  /**
   * A reload that lost the last commit (the box went down before it was saved): every entry that
   * commit changed goes back, in the saved configuration too, to what it was before; then reload.
   */
  reloadLosingLastCommit(): void {
    for (const [name, was] of this.#lastCommit?.before ?? []) {
      if (was) this.startup.set(name, cloneInterface(was));
      else this.startup.delete(name);
    }
    this.startup = sortInterfaces(this.startup);
    this.#lastCommit = undefined;
    this.reload();
  }

  /** What a reload does to the configuration: running is the saved one again, unsaved changes gone. */
  reload(): void {
    const names = new Set([...this.running.keys(), ...this.startup.keys()]);
    this.commit([...names].map((n): [string, EmuInterface | undefined] => [n, this.startup.get(n)]));
  }

  /** A copy of one interface's running config. */
  port(name: string): EmuInterface | undefined {
    const p = this.running.get(name);
    return p ? cloneInterface(p) : undefined;
  }

  /** Test and lab back door: changes the running config without a session. */
  setPort(name: string, patch: Partial<Omit<EmuInterface, 'name' | 'physical'>>): void {
    const p = this.running.get(name);
    if (!p) throw new Error(`no interface ${name}`);
    const next = { ...cloneInterface(p), ...patch };
    if ('description' in patch && patch.description === undefined) delete next.description;
    this.commit([[name, next]]);
  }

  addSubinterface(
    port: string,
    vlan: number,
    line = this.profile.commands.find((c) => c.action === 'encapsulation')?.line,
  ): void {
    if (!this.running.get(port)?.physical) throw new Error(`no physical port ${port}`);
    const name = `${port}.${vlan}`;
    this.commit([
      [
        name,
        { name, enabled: true, lines: line ? [line.replace('{vlan}', String(vlan))] : [], physical: false },
      ],
    ]);
  }

  removeSubinterface(port: string, vlan: number): void {
    this.commit([[`${port}.${vlan}`, undefined]]);
  }

  /** Lines typed in configuration modes, the ones that could change something. */
  configLines(): string[] {
    return this.transcript.filter((t) => t.mode === 'system' || t.mode === 'interface').map((t) => t.line);
  }

  /** The fault for a typed line, consuming one use of it. */
  takeFault(line: string, mode: EmuMode): CliFault | undefined {
    const f = this.faults.find(
      (x) => (!x.modes || x.modes.includes(mode)) && x.match.test(line) && (x.times ?? 1) > 0,
    );
    if (f && f.times !== undefined) f.times--;
    return f;
  }
}

export function cloneInterface(i: EmuInterface): EmuInterface {
  return { ...i, lines: [...i.lines] };
}

export function cloneInterfaces(m: EmuInterfaces): EmuInterfaces {
  return new Map([...m].map(([k, v]) => [k, cloneInterface(v)]));
}

/** Ports in the order a switch prints them: by slot/port numbers, each port before its sub-interfaces. */
export function sortInterfaces(m: EmuInterfaces): EmuInterfaces {
  return new Map([...m].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
}
