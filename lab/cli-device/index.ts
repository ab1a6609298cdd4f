/**
 * The CLI device emulator, for the lab and for tests: profiles (data per dialect), the shared
 * device state, the keystroke-level shell, and an SSH server that serves it.
 */
export {
  type ChangeListener,
  CliDevice,
  type CliDeviceOptions,
  type CliFault,
  type EmuInterface,
  type TranscriptEntry,
} from './device.js';
export {
  CLI_PROFILES,
  type CliDeviceProfile,
  type CliProfileName,
  type EmuAction,
  type EmuCommand,
  type EmuMode,
  IOS_PROFILE,
  VRP5_PROFILE,
  VRP8_PROFILE,
} from './profile.js';
export { CliShell, type ShellIo } from './shell.js';
export { type AuthAttempt, CliSshServer, type CliSshServerOptions, type CliUser } from './ssh-server.js';
