#!/usr/bin/env node
// `npm run bench`: every benchmark in turn, then their result lines together. Benchmarks print
// numbers and targets; they are not pass/fail tests. Pass names to run a subset:
//   npm run bench -- netconf snmp
import { spawn } from 'node:child_process';

const ALL = ['netconf', 'snmp', 'lab', 'jobs', 'audit', 'agent', 'console'];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
const results = [];

for (const name of chosen) {
  if (!ALL.includes(name)) {
    console.error(`[bench] unknown benchmark ${name}; choose from ${ALL.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n[bench] ${name}`);
  let last = '';
  const code = await new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', `bench:${name}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      const lines = String(d).trim().split('\n');
      const json = lines.reverse().find((l) => l.startsWith('{"bench"'));
      if (json) last = json;
    });
    child.on('exit', (c) => resolve(c));
  });
  results.push(last || JSON.stringify({ bench: name, error: `exit ${code}` }));
}
console.log('\n[bench] results');
for (const r of results) console.log(r);
