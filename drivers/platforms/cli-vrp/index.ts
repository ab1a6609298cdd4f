import type { CliDialect } from '../../cli/dialect.js';

/**
 * Huawei VRP (CloudEngine VRP8 with two-stage commit, and VRP5 where changes take effect at
 * once). Prompts: `<HOST>` user view, `[HOST]` system view, `[HOST-10GE1/0/1]` interface view;
 * VRP8 prefixes `~` (committed) or `*` (changes pending). The driver tells the two apart by that
 * mark, so one dialect serves both.
 */
export const cliVrpDialect: CliDialect = {
  name: 'cli-vrp',
  prompts: [
    { mode: 'user', pattern: /^<(?<name>[^<>\s]{1,64})>$/ },
    { mode: 'config', pattern: /^\[(?<stage>[~*])?(?<name>[^[\]\s]{1,200})\]$/ },
  ],
  viewSeparator: '-',
  execMode: 'user',
  loginQuestions: [{ pattern: /Change (?:the )?password now\?\s*\[Y\/N\]:?$/i, answer: 'n' }],
  sessionSetup: ['screen-length 0 temporary'],
  pager: { pattern: /^\s*-{2,}\s*More\s*-{2,}$/, answer: ' ' },
  // Every refusal starts with `Error:` (`Error: Unrecognized command found at '^' position.`,
  // `Error: Wrong parameter …`, `Error: Incomplete command …`, and commit failures).
  errorPatterns: [/^\s*Error:/i],
  commands: {
    enterConfig: { command: 'system-view' },
    interface: { command: 'interface {port}' },
    description: { command: 'description {text}' },
    noDescription: { command: 'undo description' },
    enablePort: { command: 'undo shutdown' },
    disablePort: { command: 'shutdown' },
    commit: { command: 'commit' },
    // Some releases ask before discarding; the answer is the point of the command.
    abort: { command: 'abort', confirm: [{ pattern: /\[Y\/N\]:?$/i, answer: 'y' }] },
    // Only asked when something is left uncommitted, which the driver never means to keep.
    exitConfig: {
      command: 'return',
      confirm: [{ pattern: /\[Y\(yes\)\/N\(no\)\/C\(cancel\)\]:?$/i, answer: 'n' }],
    },
    save: { command: 'save', confirm: [{ pattern: /\[Y\/N\]:?$/i, answer: 'y' }] },
    showPort: { command: 'display current-configuration interface {port}' },
    listInterfaces: { command: 'display current-configuration | include ^interface' },
    showAllPorts: { command: 'display current-configuration | begin ^interface' },
  },
  twoStage: { marks: ['~', '*'], offline: true },
  config: {
    defaultEnabled: true,
    description: /^ description (.*)$/,
    disabled: /^ shutdown$/,
    enabled: /^ undo shutdown$/,
    mtu: /^ mtu (\d+)$/,
  },
  // `10GE1/0/1`, `GigabitEthernet0/0/1`, `Eth-Trunk10`, `10GE1/0/1.100`: nothing a line editor reacts to.
  portName: /^[A-Za-z0-9][A-Za-z0-9/.:-]{0,63}$/,
  descriptionMaxLength: 242,
  unsafeText: [],
};
