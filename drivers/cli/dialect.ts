import type { Platform } from '../../contract/port-types.js';
import { type FieldIssue, InvalidJobError } from '../../core/errors.js';
import type { PortConfigState } from '../driver.js';
import { subinterfacesOf } from '../port-state.js';

/**
 * A CLI dialect is data: how the device prompts, which words configure a port, how errors and
 * pagers look, and how the port's configuration reads back. The channel and the driver are the
 * same for every dialect; `drivers/platforms/cli-*` hold one object each. The helpers below are
 * pure functions over that data, so a dialect is tested without a device.
 */

/** Where the CLI is: exec (user view / `>`), privileged exec (`#`), or any configuration view. */
export type CliMode = 'user' | 'privileged' | 'config';

export interface PromptPattern {
  mode: CliMode;
  /**
   * Matched against the whole line the cursor is on. Named groups: `name` (the hostname, and for
   * dialects with a viewSeparator the view glued to it), optionally `view` and `stage`.
   */
  pattern: RegExp;
}

/** A question the device may ask in the middle of a command, and what to type. */
export interface Confirmation {
  pattern: RegExp;
  answer: string;
}

export interface CommandSpec {
  /** Template: `{port}` and `{text}` are replaced by values that passed the dialect's checks. */
  command: string;
  confirm?: readonly Confirmation[];
}

/** One reason a text cannot go on a command line of this dialect. */
export interface UnsafeTextRule {
  pattern: RegExp;
  reason: string;
}

export interface CliDialect {
  readonly name: Platform;
  readonly prompts: readonly PromptPattern[];
  /**
   * VRP names a view inside the brackets after the hostname and a dash (`[~SW-10GE1/0/1]`); the
   * hostname itself may contain dashes, so the view is split off using the hostname learned at
   * login. Undefined when the prompt has a separate `view` group (IOS `sw(config-if)#`).
   */
  readonly viewSeparator?: string;
  /** The mode where display commands run and configuration starts. */
  readonly execMode: 'user' | 'privileged';
  /** How to get from `user` to `execMode` when they differ. */
  readonly enable?: { command: string; passwordPrompt: RegExp };
  /** Questions that may come before the first prompt (a password-change offer). */
  readonly loginQuestions: readonly Confirmation[];
  /** Sent once per session: paging off, no line wrapping. Failures are tolerated (the pager is handled anyway). */
  readonly sessionSetup: readonly string[];
  /** A pager prompt on the cursor line, and the key that shows the next page. */
  readonly pager: { pattern: RegExp; answer: string };
  /** Output lines that mean the command was refused. A lone `^` marker line always counts. */
  readonly errorPatterns: readonly RegExp[];
  readonly commands: {
    enterConfig: CommandSpec;
    interface: CommandSpec;
    description: CommandSpec;
    noDescription: CommandSpec;
    enablePort: CommandSpec;
    disablePort: CommandSpec;
    /** Only sent where the device runs two-stage commit (see twoStage). */
    commit?: CommandSpec;
    /** Two-stage only: drops uncommitted changes and leaves configuration. */
    abort?: CommandSpec;
    exitConfig: CommandSpec;
    save: CommandSpec;
    showPort: CommandSpec;
    listInterfaces: CommandSpec;
    /**
     * Every interface's configuration in one output (an audit of all the device's ports is one
     * command): the blocks `parsePortConfig` reads and the `interface` lines sub-interfaces come from.
     */
    showAllPorts: CommandSpec;
  };
  /**
   * Two-stage commit shows in the configuration prompt (VRP8 `[~HOST]`, `[*HOST]` with changes
   * pending): the `stage` marks that mean it. Offline plans cannot look, and assume `offline`.
   */
  readonly twoStage: { marks: readonly string[]; offline: boolean };
  readonly config: {
    /** Admin state of a port whose block has neither `shutdown` nor its negation. */
    defaultEnabled: boolean;
    description: RegExp;
    disabled: RegExp;
    enabled: RegExp;
    mtu?: RegExp;
  };
  /** Port names that may be typed as they are. */
  readonly portName: RegExp;
  readonly descriptionMaxLength: number;
  /** Dialect-specific additions to UNSAFE_TEXT_RULES. */
  readonly unsafeText: readonly UnsafeTextRule[];
}

/**
 * What no CLI line can carry, for any dialect. The text is typed into a line editor, so every
 * character is a keystroke before it is data.
 */
export const UNSAFE_TEXT_RULES: readonly UnsafeTextRule[] = [
  { pattern: /[\r\n\u2028\u2029]/, reason: 'contains a line break, which would end the command early' },
  {
    pattern: /[\x00-\x1f\x7f]/,
    reason:
      'contains a control character, which a CLI line editor treats as a key (Tab completes, Ctrl-Z leaves configuration)',
  },
  { pattern: /\?/, reason: "contains '?', which makes the CLI show context help instead of typing it" },
  {
    pattern: /[^\x20-\x7e]/,
    reason: 'contains characters outside printable ASCII, which CLI line editors store inconsistently',
  },
  {
    pattern: /^\s|\s$/,
    reason: 'starts or ends with a space, which the device trims, so it could never read back as sent',
  },
];

/**
 * Why `text` cannot go on a command line of `dialect`: one issue (the first rule it breaks), or
 * none when it is safe.
 */
export function descriptionIssues(dialect: CliDialect, text: string): FieldIssue[] {
  const rule = [...UNSAFE_TEXT_RULES, ...dialect.unsafeText].find((r) => r.pattern.test(text));
  if (rule) return [{ path: 'description', message: rule.reason }];
  if (text.length > dialect.descriptionMaxLength) {
    return [
      {
        path: 'description',
        message: `is ${text.length} characters; ${dialect.name} takes at most ${dialect.descriptionMaxLength}`,
      },
    ];
  }
  return [];
}

/** Refuses what cannot be sent as is: `invalid-job` naming the field, before any connection. */
export function assertSendable(dialect: CliDialect, port: string, description?: string): void {
  const issues: FieldIssue[] = [];
  if (!dialect.portName.test(port)) {
    issues.push({
      path: 'port',
      message: `${JSON.stringify(port)} is not an interface name ${dialect.name} can take`,
    });
  }
  if (description !== undefined) issues.push(...descriptionIssues(dialect, description));
  if (issues.length > 0) throw new InvalidJobError(issues, { details: { platform: dialect.name, port } });
}

/** Fills a command template. Values must have passed assertSendable. */
export function render(spec: CommandSpec, values: { port?: string; text?: string } = {}): string {
  return spec.command.replace(/\{(port|text)\}/g, (_m, key: 'port' | 'text') => {
    const v = values[key];
    if (v === undefined) throw new Error(`template ${spec.command} needs {${key}}`);
    return v;
  });
}

/** The port's service settings the CLI driver manages. */
export interface PortTarget {
  /** Undefined: no description (cleared). */
  description?: string;
  enabled: boolean;
}

/**
 * The interface-view lines that take `before` to `target`; all of them when `before` is unknown
 * (offline). Provisioning labels the port before enabling it; clearing disables it first, so a
 * port never carries traffic under a stale label.
 */
export function portLines(dialect: CliDialect, target: PortTarget, before?: PortConfigState): string[] {
  const c = dialect.commands;
  let desc: string | undefined;
  if (target.description !== undefined) {
    if (before?.description !== target.description)
      desc = render(c.description, { text: target.description });
  } else if (!before || before.description !== undefined) {
    desc = render(c.noDescription);
  }
  let admin: string | undefined;
  if (!before || before.enabled !== target.enabled) {
    admin = render(target.enabled ? c.enablePort : c.disablePort);
  }
  const lines = target.enabled ? [desc, admin] : [admin, desc];
  return lines.filter((l): l is string => l !== undefined);
}

/**
 * A port's configuration written the way the device itself writes it (`undo shutdown` on VRP,
 * `no shutdown` on IOS), so `plan`'s diff reads like the device's running configuration.
 */
export function renderDialectPortConfig(dialect: CliDialect, state: PortConfigState | undefined): string {
  if (!state?.exists) return '';
  const c = dialect.commands;
  const lines = [render(c.interface, { port: state.port })];
  if (state.description !== undefined) lines.push(` ${render(c.description, { text: state.description })}`);
  if (state.enabled !== undefined) lines.push(` ${render(state.enabled ? c.enablePort : c.disablePort)}`);
  if (state.mtu !== undefined) lines.push(` mtu ${state.mtu}`);
  return `${lines.join('\n')}\n`;
}

/** The full session of a change: into configuration, the port's lines, commit, out. */
export function changeSession(
  dialect: CliDialect,
  port: string,
  lines: readonly string[],
  twoStage: boolean,
): string[] {
  const c = dialect.commands;
  return [
    render(c.enterConfig),
    render(c.interface, { port }),
    ...lines,
    ...(twoStage && c.commit ? [render(c.commit)] : []),
    render(c.exitConfig),
  ];
}

/**
 * Reads a port out of `show running-config interface X`-style output: the block that starts with
 * `interface <port>` and runs over the indented lines after it.
 */
export function parsePortConfig(dialect: CliDialect, output: string, port: string): PortConfigState {
  const lines = output.split('\n');
  const header = `interface ${port}`.toLowerCase();
  const start = lines.findIndex((l) => l.trimEnd().toLowerCase() === header);
  if (start < 0) return { port, exists: false };
  const state: PortConfigState = { port, exists: true, enabled: dialect.config.defaultEnabled };
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(' ')) break;
    const d = dialect.config.description.exec(line);
    if (d) {
      state.description = d[1] ?? '';
      continue;
    }
    if (dialect.config.disabled.test(line)) state.enabled = false;
    else if (dialect.config.enabled.test(line)) state.enabled = true;
    else {
      const m = dialect.config.mtu?.exec(line);
      if (m?.[1]) state.mtu = Number(m[1]);
    }
  }
  return state;
}

/** Sub-interfaces `<port>.<vlan>` among the `interface …` lines of the running config. */
export function parseSubinterfaces(output: string, port: string): string[] {
  const names: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^interface\s+(\S+)\s*$/.exec(line);
    if (m?.[1]) names.push(m[1]);
  }
  return subinterfacesOf(port, names);
}

export interface PromptMatch {
  mode: CliMode;
  /** The line as shown. */
  text: string;
  /** The hostname part (with the view glued on for dialects that use viewSeparator). */
  name: string;
  view?: string;
  stage?: string;
}

/** The prompt `line` is, if any. `host` (once known) must match, so look-alike output is not a prompt. */
export function matchPrompt(dialect: CliDialect, line: string, host?: string): PromptMatch | undefined {
  for (const p of dialect.prompts) {
    const m = p.pattern.exec(line);
    const name = m?.groups?.name;
    if (!m || name === undefined) continue;
    let view = m.groups?.view;
    if (host !== undefined) {
      if (name !== host) {
        const sep = dialect.viewSeparator;
        if (!sep || !name.startsWith(host + sep)) continue;
        view = name.slice(host.length + sep.length);
      }
    }
    const stage = m.groups?.stage || undefined;
    return { mode: p.mode, text: line, name, ...(view ? { view } : {}), ...(stage ? { stage } : {}) };
  }
  return undefined;
}
