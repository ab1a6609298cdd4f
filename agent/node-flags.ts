/**
 * The options the agent's node must start with (decision 0013). V8 builds its memory reducer when
 * the heap is set up, before any of our code runs, so these cannot be set from inside the process:
 * the launcher's first line (`#!/usr/bin/env -S node …`) carries them, and
 * `test/unit/agent/node-flags.test.ts` holds that line, the Docker entrypoint and this list together.
 */
export const AGENT_NODE_FLAGS: readonly string[] = [
  // The reducer's watchdog starts a memory-reducing major collection whenever 100 s pass without
  // one; at 10,000 ports turning it off cut the agent's CPU per port-poll by about 15–18%.
  '--no-memory-reducer',
  // Without the reducer, the heap grows by a factor V8 picks before it collects again (decision
  // 0010 saw 294 MB RSS that way); 40% kept the peak at 266 MB and a collection every ~15 min.
  '--heap-growing-percent=40',
];

/**
 * Which of the agent's node options are not in effect in a process started with `execArgv`: absent,
 * given another value, or undone by a later option (`--memory-reducer` after `--no-memory-reducer`).
 */
export function missingNodeFlags(execArgv: readonly string[]): string[] {
  const effective = new Map<string, string>();
  // V8 takes the last occurrence of an option.
  for (const arg of execArgv) {
    const [name, value] = nameAndValue(arg);
    effective.set(name, value);
  }
  return AGENT_NODE_FLAGS.filter((flag) => {
    const [name, value] = nameAndValue(flag);
    return effective.get(name) !== value;
  });
}

/** `--no-x` → [x, 'false'], `--x` → [x, 'true'], `--x=v` → [x, v]; V8 reads `_` and `-` alike. */
function nameAndValue(option: string): [string, string] {
  const eq = option.indexOf('=');
  let name = (eq < 0 ? option : option.slice(0, eq)).replace(/^-+/, '').replaceAll('_', '-');
  if (eq >= 0) return [name, option.slice(eq + 1)];
  const negated = name.startsWith('no-');
  if (negated) name = name.slice(3);
  return [name, negated ? 'false' : 'true'];
}
