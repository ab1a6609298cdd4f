import type { CliDialect } from '../../cli/dialect.js';

/**
 * Cisco IOS / IOS XE. Prompts: `host>` user exec, `host#` privileged exec, `host(config)#` and
 * `host(config-if)#` configuration. Changes take effect line by line (no commit), so a failed
 * change is undone by typing the port's previous lines again.
 */
export const cliIosDialect: CliDialect = {
  name: 'cli-ios',
  prompts: [
    { mode: 'user', pattern: /^(?<name>[A-Za-z0-9][\w.-]{0,62})>$/ },
    { mode: 'privileged', pattern: /^(?<name>[A-Za-z0-9][\w.-]{0,62})#$/ },
    { mode: 'config', pattern: /^(?<name>[A-Za-z0-9][\w.-]{0,62})\((?<view>config[^)]*)\)#$/ },
  ],
  execMode: 'privileged',
  enable: { command: 'enable', passwordPrompt: /^Password:$/ },
  loginQuestions: [],
  sessionSetup: ['terminal length 0', 'terminal width 511'],
  pager: { pattern: /^\s*-{2}\s*More\s*-{2}$/, answer: ' ' },
  // IOS words refusals freely (`% Invalid input …`, `% Incomplete command.`, `%Error opening …`,
  // `% Bad mask`), so every `%` line counts except warnings, notes and syslog messages
  // (`%LINK-3-UPDOWN: …`) that a terminal monitor may interleave. Taking a notice for a refusal
  // only costs a restore; missing a refusal would be caught by the read-back anyway.
  errorPatterns: [/^\s*%(?!\s*(?:Warning|Note|Info)\b)(?![A-Z0-9_]+-\d-[A-Z0-9_]+:)/],
  commands: {
    enterConfig: { command: 'configure terminal' },
    interface: { command: 'interface {port}' },
    description: { command: 'description {text}' },
    noDescription: { command: 'no description' },
    enablePort: { command: 'no shutdown' },
    disablePort: { command: 'shutdown' },
    exitConfig: { command: 'end' },
    // Older releases ask for the file name; the default is the one we mean.
    save: { command: 'write memory', confirm: [{ pattern: /\[startup-config\]\?$/, answer: '' }] },
    showPort: { command: 'show running-config interface {port}' },
    listInterfaces: { command: 'show running-config | include ^interface' },
    showAllPorts: { command: 'show running-config | begin ^interface' },
  },
  twoStage: { marks: [], offline: false },
  config: {
    defaultEnabled: true,
    description: /^ description (.*)$/,
    disabled: /^ shutdown$/,
    enabled: /^ no shutdown$/,
    mtu: /^ mtu (\d+)$/,
  },
  // Full names as `show running-config` prints them (`TenGigabitEthernet0/1`, `Te0/1.100` would
  // be accepted by IOS but reads back long, so the inventory must use the long form).
  portName: /^[A-Za-z][A-Za-z0-9/.:-]{0,63}$/,
  descriptionMaxLength: 240,
  unsafeText: [],
};
