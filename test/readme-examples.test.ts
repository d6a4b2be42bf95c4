/**
 * The README's and docs/' examples, run as a reader would against a real server so they cannot
 * drift: curl commands through bash, TypeScript through tsx in its own process, GraphQL
 * documents validated against the schema (theirs need media that a reader supplies). The
 * examples say `localhost:4000`; they are pointed at the test server's port.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse, validate, type DocumentNode } from 'graphql';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../src/schema/index.js';
import { startTestServer, type TestServer } from './support/app.js';
import { markdownExamples, type MarkdownExample } from './support/markdown-examples.js';
import { createTestModels, type TestModels } from './support/models-dir.js';

const run = promisify(execFile);
const files = ['README.md', ...readdirSync('docs').filter((name) => name.endsWith('.md')).map((name) => path.join('docs', name))];
const examples = files.flatMap((file) => markdownExamples(file)).filter((example) => !example.skip);
const curls = examples.filter((example) => ['sh', 'bash'].includes(example.language) && example.code.trimStart().startsWith('curl '));
const scripts = examples.filter((example) => example.language === 'ts');
const documents = examples.filter((example) => example.language === 'graphql');

/** Files an example may name in `<!-- example: needs ... -->`. */
const FIXTURES: Record<string, () => Promise<Buffer>> = {
  'receipt.png': () => {
    const lines = ['Invoice 4821', 'Total 1275.40 EUR'];
    const text = lines.map((line, i) => `<text x="40" y="${90 + i * 100}" font-family="DejaVu Sans" font-size="40" fill="#111">${line}</text>`).join('');
    return sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="260"><rect width="100%" height="100%" fill="#fff"/>${text}</svg>`)).png().toBuffer();
  },
};

let models: TestModels;
let server: TestServer;
let workDir: string;

function pointedAtServer(code: string): string {
  return code.replaceAll('localhost:4000', new URL(server.url).host);
}

async function folderWith(example: MarkdownExample): Promise<string> {
  const dir = mkdtempSync(path.join(workDir, 'example-'));
  for (const name of example.needs) {
    const fixture = FIXTURES[name];
    if (!fixture) throw new Error(`${example.where} needs ${name}, which the test cannot supply`);
    writeFileSync(path.join(dir, name), await fixture());
  }
  return dir;
}

/** Inside the repository, so the example's imports resolve from node_modules as a reader's would. */
function scriptFile(example: MarkdownExample): string {
  const dir = path.resolve('test/artifacts/examples');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${example.where.replace(/[^\w]+/g, '-')}.mts`);
  writeFileSync(file, pointedAtServer(example.code));
  return file;
}

/** One operation at a time: a block may hold several anonymous ones. */
function operations(document: DocumentNode): DocumentNode[] {
  const fragments = document.definitions.filter((definition) => definition.kind === 'FragmentDefinition');
  return document.definitions
    .filter((definition) => definition.kind === 'OperationDefinition')
    .map((operation) => ({ kind: document.kind, definitions: [operation, ...fragments] }));
}

beforeAll(async () => {
  models = await createTestModels({ lm: {}, real: ['paddleocr-v4'] });
  server = await startTestServer({ modelsDir: models.dir });
  workDir = mkdtempSync(path.join(tmpdir(), 'tessera-examples-'));
  for (let i = 0; i < 600 && (await fetch(`${server.url}/health/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(async () => {
  await server?.close();
  models?.cleanup();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('examples in the README and docs/', () => {
  it('has one per transport in the README', () => {
    const readme = examples.filter((example) => example.where.startsWith('README.md'));
    expect(readme.some((example) => example.code.includes("-H 'content-type: application/json'") && !example.code.includes('event-stream'))).toBe(true);
    expect(readme.some((example) => example.language === 'ts' && example.code.includes("from 'graphql-ws'"))).toBe(true);
    expect(readme.some((example) => example.code.includes('text/event-stream'))).toBe(true);
    expect(readme.some((example) => example.code.includes('-F operations='))).toBe(true);
  });

  it.each(curls.map((example) => [example.where, example] as const))('curl at %s answers without errors', async (_where, example) => {
    const cwd = await folderWith(example);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', pointedAtServer(example.code)], { cwd, timeout: 60_000 });
    if (stdout.startsWith('{')) {
      const body = JSON.parse(stdout) as { data?: unknown; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data).toBeTruthy();
    } else {
      // An SSE stream: results, then the end.
      expect(stdout).toContain('event: next');
      expect(stdout).toContain('event: complete');
      expect(stdout).not.toContain('"errors"');
    }
  });

  it('TypeScript examples compile under strict', async () => {
    const written = scripts.map((example) => scriptFile(example));
    const tsc = path.resolve('node_modules/typescript/bin/tsc');
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node'];
    await run(process.execPath, [tsc, ...options, ...written], { timeout: 120_000 }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc: ${error.stdout ?? error}`);
    });
  }, 120_000);

  it.each(scripts.map((example) => [example.where, example] as const))('TypeScript at %s runs to its end', async (_where, example) => {
    const file = scriptFile(example);
    const tsx = pathToFileURL(path.resolve('node_modules/tsx/dist/loader.mjs')).href;
    const { stdout } = await run(process.execPath, ['--import', tsx, file], { cwd: await folderWith(example), timeout: 60_000 });
    expect(stdout.length).toBeGreaterThan(0);
  });

  it.each(documents.map((example) => [example.where, example] as const))('GraphQL at %s is valid against the schema', (_where, example) => {
    const schema = buildSchema();
    const found = operations(parse(example.code));
    expect(found.length).toBeGreaterThan(0);
    for (const operation of found) expect(validate(schema, operation).map((error) => error.message)).toEqual([]);
  });
});
