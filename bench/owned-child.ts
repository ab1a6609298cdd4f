import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

/**
 * spawn for a bench's helpers (the agent, the lab, the console, an exporter): killed when the
 * bench exits, whether it finished or threw, so a failed bench leaves nothing running behind it.
 */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return child;
}
