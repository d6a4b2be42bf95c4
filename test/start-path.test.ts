/**
 * The ways to start Tessera as a service, as processes: the compiled server behind the bin
 * (`tessera serve`) and `npm start`. SIGTERM to the process that was started must reach the
 * server, which drains running work and exits 0.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerateDocument } from './generated/graphql.js';
import { subscribeWs, wsClient } from './support/client.js';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startServerCommand, type StartedServer } from './support/server-process.js';

let models: TestModels;
let workDir: string;
const started: StartedServer[] = [];

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

/** `npm run build`'s server half, only when dist/ is missing or older than src/. */
function ensureServerBuild(): void {
  const main = path.resolve('dist/main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(path.resolve('src'))) return;
  execFileSync(process.execPath, [path.resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function serverEnv(name: string): Record<string, string> {
  return { DATABASE_URL: `file:${path.join(workDir, `${name}.db`)}`, DATA_DIR: path.join(workDir, name), MODELS_DIR: models.dir, SHUTDOWN_TIMEOUT_MS: '60000' };
}

beforeAll(async () => {
  ensureServerBuild();
  models = await createTestModels({ lm: { maxPositions: 2048 } });
  workDir = mkdtempSync(path.join(tmpdir(), 'tessera-start-'));
}, 300_000);

afterAll(() => {
  // A server a failed test left behind.
  for (const server of started) if (isRunning(server.serverPid)) process.kill(server.serverPid, 'SIGKILL');
  models?.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

describe('starting as a service', () => {
  it('tessera serve runs the compiled server; SIGTERM drains a running generation and exits 0', async () => {
    const server = await startServerCommand(process.execPath, ['bin/tessera.mjs', 'serve'], serverEnv('bin'));
    started.push(server);
    expect(server.serverPid).toBe(server.child.pid);

    const client = wsClient(`${server.url.replace(/^http/, 'ws')}/graphql`);
    const events: string[] = [];
    let completionTokens: number | undefined;
    let signalled = false;
    for await (const result of subscribeWs(client, GenerateDocument, { input: { prompt: 'a long story', maxTokens: 60 } })) {
      const event = result.data!.generate;
      events.push(event.__typename);
      if (event.__typename === 'GenerationCompleted') completionTokens = event.usage.completionTokens;
      if (event.__typename === 'GenerationToken' && !signalled) {
        signalled = true;
        server.child.kill('SIGTERM');
      }
    }
    await client.dispose();

    expect(await server.exited).toBe(0);
    expect(events.at(-1)).toBe('GenerationCompleted');
    expect(completionTokens).toBe(60);
  });

  it('SIGTERM to the npm start process stops the server', async () => {
    const server = await startServerCommand('npm', ['start', '--silent'], serverEnv('npm'));
    started.push(server);
    server.child.kill('SIGTERM');
    await server.exited;
    await expect.poll(() => isRunning(server.serverPid), { timeout: 30_000 }).toBe(false);
  });
});
