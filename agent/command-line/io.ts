import { ConfigError, isDcAgentError, RedisAccessError, UsageError } from '../../core/errors.js';

/** Exit statuses of CONTRACT §7. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** `enqueue --wait`: the deprovision was refused because private virtual interfaces remain. */
export const EXIT_BLOCKED = 3;

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
  if (err instanceof RedisAccessError) {
    // Already one line naming the server and the fix; the code would only repeat it.
    io.err(`dcagent: ${err.message}`);
    return EXIT_FAILURE;
  }
  if (isDcAgentError(err)) {
    io.err(`dcagent: ${err.code}: ${err.message}`);
    return EXIT_FAILURE;
  }
  io.err(`dcagent: ${err instanceof Error ? err.message : String(err)}`);
  return EXIT_FAILURE;
}

/**
 * A reader that goes away (`dcagent events | head -1`) closes our stdout; the next write fails with
 * EPIPE, which Node raises as an unhandled 'error' event with a stack trace. Nobody is left to
 * read anything, so the command ends quietly instead. Installed by the launcher only, so tests
 * running the CLI in-process keep their own stdout handling.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT_OK);
      // Any other write failure leaves no working stdout to explain it on; stderr may still work.
      process.stderr.write(`dcagent: cannot write output: ${err.message}\n`);
      process.exit(EXIT_FAILURE);
    });
  }
}
