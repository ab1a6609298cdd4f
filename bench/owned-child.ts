import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

const owned = new Set<ChildProcess>();

function killAll(): void {
  for (const child of owned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Ctrl-C or a kill ends a bench without an 'exit' event: the helpers go first, then the signal does its usual work. */
function onSignal(signal: NodeJS.Signals): void {
  killAll();
  process.kill(process.pid, signal);
}

let hooked = false;

/**
 * spawn for a bench's helpers (the agent, the lab, the console, an exporter): killed when the
 * bench ends, whether it finished, threw, or was interrupted, so nothing is left running behind it.
 */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
    // once: the handler is gone when it re-raises the signal, so the default action ends the bench.
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const child = spawn(command, args, options);
  owned.add(child);
  child.once('exit', () => owned.delete(child));
  return child;
}
