/**
 * The server as a process: SIGTERM drains or cancels running work and records it; a crash
 * (SIGKILL) leaves rows that the next start marks FAILED with INTERRUPTED.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { gql, subscribeWs, wsClient } from './support/client.js';
import { GenerateDocument, RequestByIdDocument } from './generated/graphql.js';

let models: TestModels;
let workDir: string;

interface ServerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

function startProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', MODELS_DIR: models.dir, ORT_INTRA_OP_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let url: string | undefined;
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'Tessera is serving GraphiQL') url = entry.url!.replace(/\/graphql$/, '');
      if (url && entry.msg?.endsWith(': ready')) resolve({ child, url, exited });
    });
    void exited.then((code) => reject(new Error(`server exited early with ${code}`)));
  });
}

/** Starts a long generation and resolves with its request id once tokens are flowing. */
async function startLongGeneration(url: string, maxTokens: number) {
  const client = wsClient(`${url.replace(/^http/, 'ws')}/graphql`);
  const events: string[] = [];
  let started!: (id: string) => void;
  const requestId = new Promise<string>((resolve) => (started = resolve));
  const done = (async () => {
    let id = '';
    try {
      for await (const result of subscribeWs(client, GenerateDocument, { input: { prompt: 'a long story', maxTokens } })) {
        const event = result.data!.generate;
        events.push(event.__typename);
        if (event.__typename === 'GenerationStarted') id = event.requestId;
        if (event.__typename === 'GenerationToken' && event.index === 2) started(id);
      }
    } catch {
      // The connection may drop when the process goes away.
    } finally {
      await client.dispose();
    }
  })();
  return { requestId: await requestId, events, done };
}

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 2048 } });
  workDir = mkdtempSync(path.join(tmpdir(), 'tessera-lifecycle-'));
});

afterAll(() => {
  models?.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

describe('process lifecycle', () => {
  it('SIGTERM cancels what outlives the shutdown timeout, records it CANCELLED, and exits 0', async () => {
    const db = `file:${path.join(workDir, 'term.db')}`;
    const server = await startProcess({ DATABASE_URL: db, DATA_DIR: workDir, SHUTDOWN_TIMEOUT_MS: '100' });
    const generation = await startLongGeneration(server.url, 2000);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await generation.done;
    expect(generation.events.at(-1)).toBe('GenerationCompleted');

    const restarted = await startProcess({ DATABASE_URL: db, DATA_DIR: workDir });
    try {
      const row = (await gql(`${restarted.url}/graphql`, RequestByIdDocument, { id: generation.requestId })).body.data!.request!;
      expect(row.status).toBe('CANCELLED');
      expect(row.error?.message).toMatch(/shut down/);
      expect(row.outputText?.length).toBeGreaterThan(0);
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });

  it('SIGTERM lets a request that finishes within the timeout complete', async () => {
    const db = `file:${path.join(workDir, 'drain.db')}`;
    const server = await startProcess({ DATABASE_URL: db, DATA_DIR: workDir, SHUTDOWN_TIMEOUT_MS: '60000' });
    const generation = await startLongGeneration(server.url, 60);
    server.child.kill('SIGTERM');
    await generation.done;
    expect(await server.exited).toBe(0);
    expect(generation.events.filter((e) => e === 'GenerationToken').length).toBeGreaterThan(3);

    const restarted = await startProcess({ DATABASE_URL: db, DATA_DIR: workDir });
    try {
      const row = (await gql(`${restarted.url}/graphql`, RequestByIdDocument, { id: generation.requestId })).body.data!.request!;
      expect(row.status).toBe('COMPLETED');
      expect(row.completionTokens).toBe(60);
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });

  it('after a crash, the next start marks the running request FAILED with INTERRUPTED', async () => {
    const db = `file:${path.join(workDir, 'crash.db')}`;
    const server = await startProcess({ DATABASE_URL: db, DATA_DIR: workDir });
    const generation = await startLongGeneration(server.url, 2000);
    server.child.kill('SIGKILL');
    await server.exited;
    await generation.done;

    const restarted = await startProcess({ DATABASE_URL: db, DATA_DIR: workDir });
    try {
      const row = (await gql(`${restarted.url}/graphql`, RequestByIdDocument, { id: generation.requestId })).body.data!.request!;
      expect(row.status).toBe('FAILED');
      expect(row.error?.code).toBe('INTERRUPTED');
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });
});
