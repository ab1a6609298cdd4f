#!/usr/bin/env node
// Import cycles in the production tree, found with madge (docs/decisions/0004-import-cycles.md).
// Fails on any file-level cycle. Folder-level cycles (folder A imports B and B imports A, through
// any files) are printed too; `--folders` makes them fail as well.
import { dirname } from 'node:path';
import madge from 'madge';

export const PRODUCTION_ROOMS = [
  'agent',
  'config',
  'contract',
  'core',
  'drivers',
  'jobs',
  'lab',
  'tools',
  'console',
];

/** The folder graph: an edge A → B for every file in A importing a file in B (A ≠ B). */
export function folderGraph(fileGraph) {
  const folders = new Map();
  for (const [file, deps] of Object.entries(fileGraph)) {
    const from = dirname(file);
    if (!folders.has(from)) folders.set(from, new Map());
    for (const dep of deps) {
      const to = dirname(dep);
      if (to === from) continue;
      const edges = folders.get(from);
      if (!edges.has(to)) edges.set(to, []);
      edges.get(to).push(`${file} → ${dep}`);
    }
  }
  return folders;
}

/** Strongly connected components with more than one node (Tarjan), each sorted. */
export function cyclicGroups(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return groups;
}

async function main() {
  const failOnFolders = process.argv.includes('--folders');
  const result = await madge(PRODUCTION_ROOMS, {
    fileExtensions: ['ts'],
    tsConfig: 'tsconfig.json',
    excludeRegExp: [/\.d\.ts$/],
  });
  const files = result.circular();
  const folders = folderGraph(result.obj());
  const folderCycles = cyclicGroups(folders);

  for (const cycle of files) console.log(`file cycle: ${[...cycle, cycle[0]].join(' → ')}`);
  for (const group of folderCycles) {
    console.log(`folder cycle: ${group.join(' ⇄ ')}`);
    const inGroup = new Set(group);
    for (const from of group) {
      for (const [to, via] of folders.get(from) ?? []) {
        if (inGroup.has(to)) console.log(`  ${from} → ${to} (${via.length}; e.g. ${via[0]})`);
      }
    }
  }
  const nFiles = Object.keys(result.obj()).length;
  console.log(
    `import cycles: ${files.length} between files, ${folderCycles.length} between folders (${nFiles} files in ${PRODUCTION_ROOMS.join(' ')})`,
  );
  if (files.length > 0 || (failOnFolders && folderCycles.length > 0)) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
