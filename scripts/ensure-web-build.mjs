#!/usr/bin/env node
/**
 * Builds the web console into web/dist when it is missing or older than its sources, so
 * `npm start` serves a current console without rebuilding on every start.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web');
const index = path.join(web, 'dist', 'index.html');

function newest(entry) {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newest(path.join(entry, name))));
}

const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((name) => path.join(web, name)).filter(existsSync);
const stale = !existsSync(index) || Math.max(...sources.map(newest)) > statSync(index).mtimeMs;

if (!stale) process.exit(0);

let build;
try {
  ({ build } = await import('vite'));
} catch {
  // A production install without devDependencies: serve GraphiQL only rather than fail to start.
  console.warn('web console: vite is not installed, so web/dist was not built; / will redirect to GraphiQL.');
  process.exit(0);
}
console.log('web console: building web/dist');
// A development NODE_ENV in the shell would otherwise give a development bundle.
process.env.NODE_ENV = 'production';
await build({ root: web, configFile: path.join(web, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
