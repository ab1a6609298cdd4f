import type { PortType } from '../../contract/port-types.js';

/**
 * How one CLI dialect behaves, as data the emulator (shell.ts) interprets: prompts per mode, the
 * command table, the exact words of errors and questions, the pager, and how the running config
 * is printed. Written from the devices' documented behaviour, not from the agent's dialect
 * (drivers/cli), on purpose: a fake that used the driver's own recognisers could not catch a
 * recogniser that is wrong.
 *
 * Templates use `{host}`, `{stage}`, `{view}`, `{port}`, `{text}`, `{vlan}`, `{bytes}`.
 */

/** Emulator modes. VRP has no privileged exec; IOS has all four. */
export type EmuMode = 'user' | 'privileged' | 'system' | 'interface';

export type EmuAction =
  /** user → privileged, asking for the enable secret when the device has one. */
  | 'enable'
  /** Turns the pager off for this session. */
  | 'pagingOff'
  /** Accepted, prints `print`, changes nothing (terminal width, …). */
  | 'noop'
  | 'enterConfig'
  /** Enters an interface view; creates `<port>.<vlan>` sub-interfaces of existing ports. */
  | 'interface'
  /** Deletes a sub-interface. */
  | 'noInterface'
  | 'description'
  | 'noDescription'
  | 'shutdown'
  | 'noShutdown'
  /** Stores `line` (with `{vlan}`) in the interface block: dot1q termination, encapsulation. */
  | 'encapsulation'
  /** One level up: interface → system → exec → logout. */
  | 'up'
  /** Straight back to exec mode. */
  | 'end'
  | 'commit'
  /** Drops uncommitted changes and returns to exec mode. */
  | 'abort'
  | 'save'
  | 'showRunning'
  | 'showInterface'
  | 'logout';

export type ArgKind = 'none' | 'text' | 'interface' | 'vlan';

export interface EmuCommand {
  /** Keywords; each may be typed as any unambiguous prefix, in any case. */
  words: readonly string[];
  modes: readonly EmuMode[];
  action: EmuAction;
  arg?: ArgKind;
  /** Accepts `| include|exclude|begin <regex>` after it. */
  pipe?: boolean;
  /** Printed on success. */
  print?: readonly string[];
  /** For `encapsulation`: the config line stored, with `{vlan}`. */
  line?: string;
}

export interface CliDeviceProfile {
  /** The agent platform this profile emulates. */
  platform: 'cli-vrp' | 'cli-ios';
  prompts: { user: string; privileged?: string; system: string; interface: string };
  /** `{view}` of an interface prompt: the port itself (VRP) or a word (IOS `if`/`subif`). */
  interfaceView: string;
  subinterfaceView: string;
  /** Where a new session starts when the device gives no choice (IOS privilege 15 → privileged). */
  loginMode: 'user' | 'privileged';
  /** The mode `end`/`return` and `abort` lead to. */
  execMode: 'user' | 'privileged';
  /** Two-stage: changes go to a per-session candidate until `commit`; the prompt shows `stage`. */
  commit: 'two-stage' | 'immediate';
  stageMarks: { clean: string; dirty: string };
  commands: readonly EmuCommand[];
  errors: {
    /** Each a list of lines; a `^` marker line is printed first when `marker` is set. */
    unrecognized: readonly string[];
    incomplete: readonly string[];
    ambiguous: readonly string[];
    tooMany: readonly string[];
    wrongParameter: readonly string[];
    marker: boolean;
  };
  messages: {
    banner: readonly string[];
    passwordChangeQuestion: string;
    enterConfig: readonly string[];
    enablePassword: string;
    enableFailed: readonly string[];
    /** Asked by `save`; absent: saves without asking. */
    saveQuestion?: string;
    saveDone: readonly string[];
    /** Asked when leaving two-stage configuration with changes pending. */
    uncommittedQuestion: string;
    /** Printed when `save` is answered no. */
    saveCancelled: readonly string[];
  };
  pager: {
    /** Written after a full page, without a newline. */
    prompt: string;
    /** Written when the pager is answered, to wipe the prompt (backspaces or `ESC[nD`). */
    erase: string;
    lines: number;
  };
  config: {
    /** Around the whole running config, with `{bytes}` and `{host}`. */
    fullHead: readonly string[];
    fullTail: readonly string[];
    /** Around one interface (`display current-configuration interface X`). */
    interfaceHead: readonly string[];
    interfaceTail: readonly string[];
    /** Between blocks. */
    separator: string;
    description: string;
    shutdown: string;
    /** Printed for an enabled port; absent: an enabled port shows nothing (the default). */
    noShutdown?: string;
  };
  /** How the lab names the n-th port of a type. */
  portNames: Readonly<Record<PortType, string>>;
  descriptionMaxLength: number;
}

const VRP_COMMANDS: readonly EmuCommand[] = [
  {
    words: ['screen-length', '0', 'temporary'],
    modes: ['user'],
    action: 'pagingOff',
    print: ['Info: The configuration takes effect on the current user terminal interface only.'],
  },
  { words: ['system-view'], modes: ['user'], action: 'enterConfig' },
  { words: ['interface'], modes: ['system', 'interface'], action: 'interface', arg: 'interface' },
  { words: ['undo', 'interface'], modes: ['system', 'interface'], action: 'noInterface', arg: 'interface' },
  { words: ['description'], modes: ['interface'], action: 'description', arg: 'text' },
  { words: ['undo', 'description'], modes: ['interface'], action: 'noDescription' },
  { words: ['shutdown'], modes: ['interface'], action: 'shutdown' },
  { words: ['undo', 'shutdown'], modes: ['interface'], action: 'noShutdown' },
  {
    words: ['dot1q', 'termination', 'vid'],
    modes: ['interface'],
    action: 'encapsulation',
    arg: 'vlan',
    line: ' dot1q termination vid {vlan}',
  },
  { words: ['quit'], modes: ['user', 'system', 'interface'], action: 'up' },
  { words: ['return'], modes: ['system', 'interface'], action: 'end' },
  { words: ['commit'], modes: ['system', 'interface'], action: 'commit' },
  { words: ['abort'], modes: ['system', 'interface'], action: 'abort' },
  { words: ['save'], modes: ['user', 'system', 'interface'], action: 'save' },
  {
    words: ['display', 'current-configuration'],
    modes: ['user', 'system', 'interface'],
    action: 'showRunning',
    pipe: true,
  },
  {
    words: ['display', 'current-configuration', 'interface'],
    modes: ['user', 'system', 'interface'],
    action: 'showInterface',
    arg: 'interface',
    pipe: true,
  },
];

/** Huawei VRP8 (CloudEngine): two-stage commit, `~`/`*` in the configuration prompt. */
export const VRP8_PROFILE: CliDeviceProfile = {
  platform: 'cli-vrp',
  prompts: { user: '<{host}>', system: '[{stage}{host}]', interface: '[{stage}{host}-{view}]' },
  interfaceView: '{port}',
  subinterfaceView: '{port}',
  loginMode: 'user',
  execMode: 'user',
  commit: 'two-stage',
  stageMarks: { clean: '~', dirty: '*' },
  commands: VRP_COMMANDS,
  errors: {
    unrecognized: ["Error: Unrecognized command found at '^' position."],
    incomplete: ["Error: Incomplete command found at '^' position."],
    ambiguous: ["Error: Ambiguous command found at '^' position."],
    tooMany: ["Error: Too many parameters found at '^' position."],
    wrongParameter: ["Error: Wrong parameter found at '^' position."],
    marker: true,
  },
  messages: {
    banner: [
      '',
      'Info: The max number of VTY users is 21, the number of current VTY users online is 1, and total number of terminal users online is 1.',
      '      The current login time is 2026-01-01 00:00:00.',
    ],
    passwordChangeQuestion:
      'Warning: The initial password poses security risks. Change the password now? [Y/N]:',
    enterConfig: ['Enter system view, return user view with return command.'],
    enablePassword: 'Password:',
    enableFailed: [],
    saveQuestion: 'Warning: The current configuration will be written to the device. Continue? [Y/N]:',
    saveDone: [
      'Now saving the current configuration to the slot 1',
      'Info: Save the configuration successfully.',
    ],
    saveCancelled: [],
    uncommittedQuestion:
      'Warning: Uncommitted configurations found. Are you sure to commit them before exiting? [Y(yes)/N(no)/C(cancel)]:',
  },
  pager: { prompt: '  ---- More ----', erase: '\x1b[16D                \x1b[16D', lines: 24 },
  config: {
    fullHead: ['!Software Version V200R022C00SPC500', '#', 'sysname {host}'],
    fullTail: ['#', 'return'],
    interfaceHead: ['#'],
    interfaceTail: ['#', 'return'],
    separator: '#',
    description: ' description {text}',
    shutdown: ' shutdown',
    noShutdown: ' undo shutdown',
  },
  portNames: { '1000BASE-LX': 'GE1/0/{n}', '10GBASE-LR': '10GE1/0/{n}', '100GBASE-LR4': '100GE1/0/{n}' },
  descriptionMaxLength: 242,
};

/** Huawei VRP5 (S-series): the same words, but every line takes effect at once. */
export const VRP5_PROFILE: CliDeviceProfile = {
  ...VRP8_PROFILE,
  commit: 'immediate',
  prompts: { user: '<{host}>', system: '[{host}]', interface: '[{host}-{view}]' },
  commands: VRP_COMMANDS.filter((c) => c.action !== 'commit' && c.action !== 'abort'),
  messages: {
    ...VRP8_PROFILE.messages,
    enterConfig: ['Enter system view, return user view with Ctrl+Z.'],
    saveQuestion: 'The current configuration will be written to the device. Are you sure to continue? [Y/N]:',
  },
  config: { ...VRP8_PROFILE.config, noShutdown: undefined },
};

/** Cisco IOS: privileged exec at login (privilege 15) unless told otherwise, immediate changes. */
export const IOS_PROFILE: CliDeviceProfile = {
  platform: 'cli-ios',
  prompts: {
    user: '{host}>',
    privileged: '{host}#',
    system: '{host}(config)#',
    interface: '{host}(config-{view})#',
  },
  interfaceView: 'if',
  subinterfaceView: 'subif',
  loginMode: 'privileged',
  execMode: 'privileged',
  commit: 'immediate',
  stageMarks: { clean: '', dirty: '' },
  commands: [
    { words: ['enable'], modes: ['user'], action: 'enable' },
    { words: ['terminal', 'length', '0'], modes: ['user', 'privileged'], action: 'pagingOff' },
    { words: ['terminal', 'width'], modes: ['user', 'privileged'], action: 'noop', arg: 'text' },
    { words: ['configure', 'terminal'], modes: ['privileged'], action: 'enterConfig' },
    { words: ['interface'], modes: ['system', 'interface'], action: 'interface', arg: 'interface' },
    { words: ['no', 'interface'], modes: ['system', 'interface'], action: 'noInterface', arg: 'interface' },
    { words: ['description'], modes: ['interface'], action: 'description', arg: 'text' },
    { words: ['no', 'description'], modes: ['interface'], action: 'noDescription' },
    { words: ['shutdown'], modes: ['interface'], action: 'shutdown' },
    { words: ['no', 'shutdown'], modes: ['interface'], action: 'noShutdown' },
    {
      words: ['encapsulation', 'dot1q'],
      modes: ['interface'],
      action: 'encapsulation',
      arg: 'vlan',
      line: ' encapsulation dot1Q {vlan}',
    },
    { words: ['exit'], modes: ['user', 'privileged', 'system', 'interface'], action: 'up' },
    { words: ['end'], modes: ['system', 'interface'], action: 'end' },
    { words: ['write', 'memory'], modes: ['privileged'], action: 'save' },
    { words: ['show', 'running-config'], modes: ['privileged'], action: 'showRunning', pipe: true },
    {
      words: ['show', 'running-config', 'interface'],
      modes: ['privileged'],
      action: 'showInterface',
      arg: 'interface',
      pipe: true,
    },
    { words: ['logout'], modes: ['user', 'privileged'], action: 'logout' },
  ],
  errors: {
    unrecognized: ["% Invalid input detected at '^' marker.", ''],
    incomplete: ['% Incomplete command.', ''],
    ambiguous: ['% Ambiguous command:  "{line}"'],
    tooMany: ["% Invalid input detected at '^' marker.", ''],
    wrongParameter: ["% Invalid input detected at '^' marker.", ''],
    marker: true,
  },
  messages: {
    banner: ['', 'lab switch: authorised access only', ''],
    passwordChangeQuestion: '',
    enterConfig: ['Enter configuration commands, one per line.  End with CNTL/Z.'],
    enablePassword: 'Password: ',
    enableFailed: ['% Bad secrets', ''],
    saveDone: ['Building configuration...', '[OK]'],
    saveCancelled: [],
    uncommittedQuestion: '',
  },
  pager: { prompt: ' --More-- ', erase: '\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b', lines: 24 },
  config: {
    fullHead: [
      'Building configuration...',
      '',
      'Current configuration : {bytes} bytes',
      '!',
      'hostname {host}',
    ],
    fullTail: ['!', 'end', ''],
    interfaceHead: ['Building configuration...', '', 'Current configuration : {bytes} bytes', '!'],
    interfaceTail: ['end', ''],
    separator: '!',
    description: ' description {text}',
    shutdown: ' shutdown',
  },
  portNames: {
    '1000BASE-LX': 'GigabitEthernet1/0/{n}',
    '10GBASE-LR': 'TenGigabitEthernet1/0/{n}',
    '100GBASE-LR4': 'HundredGigE1/0/{n}',
  },
  descriptionMaxLength: 240,
};

export const CLI_PROFILES = { vrp8: VRP8_PROFILE, vrp5: VRP5_PROFILE, ios: IOS_PROFILE } as const;
export type CliProfileName = keyof typeof CLI_PROFILES;
