/**
 * Starts a worker thread on one of our modules. The module is TypeScript when we run from
 * source (tsx, vitest): the worker then starts through tsx's ESM API, since Node 20 workers
 * do not inherit the parent's loader. From the build, it is the compiled file beside it.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `source`: the module's .ts URL; its .js sibling is used when this file itself is compiled. */
export function spawnModuleWorker(source: URL): Worker {
  if (!fileURLToPath(import.meta.url).endsWith('.ts')) return new Worker(new URL(source.href.replace(/\.ts$/, '.js')));
  const tsxApi = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/index\.cjs$/, 'index.mjs');
  const boot = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then(({ tsImport }) => tsImport(${JSON.stringify(source.href)}, ${JSON.stringify(source.href)}));`;
  return new Worker(boot, { eval: true, execArgv: [] });
}
