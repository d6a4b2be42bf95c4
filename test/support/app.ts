/**
 * A real Tessera server on an ephemeral port with its own database and data folder,
 * for tests that go through HTTP, SSE and WebSocket like a client would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type ConfigInput } from '../../src/config.js';
import { createApp, type App } from '../../src/server/app.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type DatabaseKindUnderTest, type TestDatabase } from './databases.js';

export interface TestServer {
  app: App;
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestServer(
  options: { modelsDir: string; database?: DatabaseKindUnderTest; env?: ConfigInput; webRoot?: string },
): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-data-'));
  const database: TestDatabase = await createTestDatabase(options.database ?? 'sqlite');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    MODELS_DIR: options.modelsDir,
    ORT_INTRA_OP_THREADS: '1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const app = await createApp(config, { logger: createLogger(config.LOG_LEVEL), webRoot: options.webRoot });
  const url = await app.listen();
  return {
    app,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    dataDir,
    async close() {
      await app.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
