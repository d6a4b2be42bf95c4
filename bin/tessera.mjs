#!/usr/bin/env node
/**
 * `tessera serve` and `tessera models <command>` in this very process, so a process manager's
 * signals reach the server. Runs the compiled dist/ (`npm run build`) when there is one, else the
 * TypeScript sources through tsx's loader.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = existsSync(path.join(root, 'dist', 'main.js'));

const USAGE = `usage: tessera <command>
  serve               start the server (configured by environment variables; see docs/configuration.md)
  models <command>    manage the model repository (list, verify, pull, remove)`;

async function load(module) {
  if (!compiled) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  const file = compiled ? path.join(root, 'dist', `${module}.js`) : path.join(root, 'src', `${module}.ts`);
  return import(pathToFileURL(file).href);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'serve') {
  // main starts the server when loaded and owns SIGTERM/SIGINT from then on.
  await load('main');
} else if (command === 'models') {
  const { runModelsCli } = await load('cli/models');
  process.exitCode = await runModelsCli(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
} else if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
  console.log(USAGE);
} else {
  console.error(`unknown command "${command}"\n\n${USAGE}`);
  process.exitCode = 2;
}
