import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_NODE_FLAGS, missingNodeFlags } from '../../../agent/node-flags.js';
import { ROOT } from '../../helpers/cli.js';

const shebang = `#!/usr/bin/env -S node ${AGENT_NODE_FLAGS.join(' ')}`;

describe('the agent node options (decision 0013)', () => {
  // Under the checkout, not the OS temp dir: a /tmp mounted noexec would fail the script below for
  // a reason that has nothing to do with the options, and the checkout runs bin/dcagent.js anyway.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tmp', 'node-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names what is not in effect, reading _ and - alike and the last occurrence as V8 does', () => {
    expect(missingNodeFlags([])).toEqual([...AGENT_NODE_FLAGS]);
    expect(missingNodeFlags([...AGENT_NODE_FLAGS, '--trace-gc'])).toEqual([]);
    expect(missingNodeFlags(['--no_memory_reducer', '--heap_growing_percent=40'])).toEqual([]);
    // Another value is not the option the agent was measured with.
    expect(missingNodeFlags(['--no-memory-reducer', '--heap-growing-percent=60'])).toEqual([
      '--heap-growing-percent=40',
    ]);
    // A later option undoes an earlier one (bench:agent's --node-args for V8's defaults).
    expect(missingNodeFlags([...AGENT_NODE_FLAGS, '--memory-reducer', '--heap-growing-percent=0'])).toEqual([
      ...AGENT_NODE_FLAGS,
    ]);
    expect(missingNodeFlags(['--memory-reducer', ...AGENT_NODE_FLAGS])).toEqual([]);
  });

  it('are the launcher’s first line, so npx dcagent and bin/dcagent.js start with them', () => {
    const first = readFileSync(join(ROOT, 'bin/dcagent.js'), 'utf8').split('\n', 1)[0];
    expect(first).toBe(shebang);
  });

  it('reach the Docker image: its entrypoint runs the launcher itself, not node', () => {
    const docker = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const entry = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(docker);
    expect(entry).not.toBeNull();
    expect(JSON.parse(entry?.[1] ?? '[]')).toEqual(['/app/bin/dcagent.js']);
  });

  it('are accepted by this node through env -S, and arrive in process.execArgv', () => {
    // An option node or V8 does not know makes node refuse to start; env without -S passes the
    // whole line as one program name. Either fails here, not in production.
    const script = join(dir, 'argv.js');
    writeFileSync(script, `${shebang}\nconsole.log(JSON.stringify(process.execArgv));\n`);
    chmodSync(script, 0o755);
    const execArgv = JSON.parse(
      execFileSync(script, {
        encoding: 'utf8',
        timeout: 30_000,
        // env finds this node first, the one the suite runs on.
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      }),
    ) as string[];
    expect(missingNodeFlags(execArgv)).toEqual([]);
  });
});
