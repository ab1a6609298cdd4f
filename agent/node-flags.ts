/**
 * The options the agent's node must start with (decision 0013). V8 builds its memory reducer when
 * the heap is set up, before any of our code runs, so these cannot be set from inside the process:
 * the launcher's first line (`#!/usr/bin/env -S node …`) carries them, and
 * `test/unit/agent/node-flags.test.ts` holds that line, the Docker entrypoint and this list together.
 */
export const AGENT_NODE_FLAGS: readonly string[] = [
  // The reducer's watchdog starts a memory-reducing major collection whenever 100 s pass without
  // one; at 10,000 ports that was about 4 µs of CPU per port-poll for memory the agent reuses.
  '--no-memory-reducer',
  // Without the reducer, the heap grows to V8's own factor (up to 4× the live size) before a
  // collection; 40% keeps the peak under the RSS target and a collection every ~15 min.
  '--heap-growing-percent=40',
];

/** Which of the agent's node options this process did not start with. */
export function missingNodeFlags(execArgv: readonly string[]): string[] {
  // V8 reads `_` and `-` in an option's name alike.
  const given = new Set(execArgv.map(spelling));
  return AGENT_NODE_FLAGS.filter((flag) => !given.has(spelling(flag)));
}

function spelling(option: string): string {
  const eq = option.indexOf('=');
  const name = eq < 0 ? option : option.slice(0, eq);
  return name.replaceAll('_', '-') + (eq < 0 ? '' : option.slice(eq));
}
