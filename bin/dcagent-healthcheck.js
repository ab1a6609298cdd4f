#!/usr/bin/env node
// The image's HEALTHCHECK: probes /healthz where the agent's config says it listens.
let check;
try {
  check = await import('../dist/agent/healthcheck.js');
} catch (err) {
  process.stderr.write(`dcagent healthcheck: cannot load dist/ (${err?.message})\n`);
  process.exit(1);
}
process.exitCode = await check.runHealthcheck();
