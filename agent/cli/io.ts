import { ConfigError, isDcAgentError, UsageError } from '../../core/errors.js';

/** Exit statuses of CONTRACT §7. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface Output {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
}

export const processOutput: Output = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

/**
 * Prints an error the way operators read them: one line per problem, prefixed with `dcagent:`,
 * and returns the exit status it deserves.
 */
export function reportError(err: unknown, io: Output = processOutput): number {
  if (err instanceof ConfigError || (isDcAgentError(err) && err.code === 'invalid-config')) {
    const issues = (err as ConfigError).issues ?? [];
    io.err(`dcagent: invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):`);
    for (const i of issues) io.err(`  ${i.path}: ${i.message}`);
    return EXIT_USAGE;
  }
  if (err instanceof UsageError || (isDcAgentError(err) && err.code === 'usage')) {
    io.err(`dcagent: ${(err as Error).message}`);
    return EXIT_USAGE;
  }
  if (isDcAgentError(err)) {
    io.err(`dcagent: ${err.code}: ${err.message}`);
    return EXIT_FAILURE;
  }
  io.err(`dcagent: ${err instanceof Error ? err.message : String(err)}`);
  return EXIT_FAILURE;
}
