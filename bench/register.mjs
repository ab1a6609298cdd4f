// Lets plain `node` run the TypeScript benchmarks with no extra dependency: the hooks in
// ts-hooks.mjs strip types with the project's own `typescript` (a devDependency) as files load.
// Usage: node --import ./bench/register.mjs bench/<name>.ts
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
