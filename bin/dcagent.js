#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (prepare).
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
