#!/usr/bin/env -S node --no-memory-reducer --heap-growing-percent=40
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (prepare). The first line's node options
// are the agent's (agent/node-flags.ts, decision 0013): they only work on node's command line.
import { setFlagsFromString } from 'node:v8';

// Before any of our code is compiled: V8 must not learn to allocate the monitor's per-poll objects
// straight into the old generation from the start-up burst (decision 0009). Measured at 10,000
// ports, it cut what the old generation gains between major collections about fourfold.
setFlagsFromString('--no-allocation-site-pretenuring');

let cli;
try {
  cli = await import('../dist/agent/commands/main.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('dcagent: dist/ is missing; run `npm ci` (or `npm run build`) first\n');
    process.exit(2);
  }
  throw err;
}
cli.exitQuietlyOnClosedPipe();
process.exitCode = await cli.main(process.argv);
