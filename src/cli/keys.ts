/**
 * `keys` — manage API keys in the database the server uses (DATABASE_URL):
 *   create --name <name> --scopes infer,read,admin   prints the new key as the last line; it is never shown again
 *   list                                              names, scopes, dates; never the keys
 *   revoke <name>                                     the key stops working at once
 * Run as `npm run keys -- <command>`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { isTesseraError } from '../errors.js';
import { KeyStore, type KeyInfo } from '../auth/key-store.js';
import { parseScopes } from '../auth/scopes.js';
import type { ProgressSink } from './progress.js';

export interface KeysCliIo {
  stdout: ProgressSink;
  stderr: ProgressSink;
  env: Record<string, string | undefined>;
}

const USAGE = `usage: keys <command>
  create --name <name> --scopes <read,infer,admin>   make a key; the key is the last line printed, shown only once
  list                                               list keys (names, scopes, created, last used, revoked)
  revoke <name>                                      revoke a key; it stops working at once
`;

class UsageError extends Error {}

const day = (date: Date | null) => (date ? date.toISOString().replace('T', ' ').slice(0, 19) : '-');

function table(keys: KeyInfo[]): string {
  const rows = [
    ['NAME', 'SCOPES', 'CREATED', 'LAST USED', 'STATUS'],
    ...keys.map((k) => [k.name, k.scopes.join(','), day(k.createdAt), day(k.lastUsedAt), k.revokedAt ? `revoked ${day(k.revokedAt)}` : 'active']),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

async function run(command: string, rest: string[], values: { name?: string; scopes?: string }, keys: KeyStore, io: KeysCliIo): Promise<number> {
  switch (command) {
    case 'create': {
      if (!values.name || !values.scopes) throw new UsageError('create needs --name and --scopes');
      const { key, info } = await keys.create(values.name, parseScopes(values.scopes));
      io.stdout.write(`Created key "${info.name}" with scopes ${info.scopes.join(',')}. Store it now; it is not shown again:\n${key}\n`);
      return 0;
    }
    case 'list': {
      const all = await keys.list();
      io.stdout.write(all.length ? table(all) : 'No keys.\n');
      return 0;
    }
    case 'revoke': {
      if (!rest[0]) throw new UsageError('revoke needs the name of a key');
      const info = await keys.revoke(rest[0]);
      io.stdout.write(`Revoked key "${info.name}".\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

export async function runKeysCli(argv: string[], io: KeysCliIo): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { name: { type: 'string' }, scopes: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    const [command, ...rest] = positionals;
    if (values.help || !command) {
      io.stdout.write(USAGE);
      return values.help ? 0 : 2;
    }
    const db = await openDatabase(loadConfig(io.env).DATABASE_URL);
    try {
      return await run(command, rest, values, new KeyStore(db.prisma), io);
    } finally {
      await db.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`error: ${isTesseraError(error) || error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runKeysCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
