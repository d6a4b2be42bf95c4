/**
 * GraphiQL at /graphql in a real Chromium with every non-local request refused, as on a machine
 * with no network: the page must come up from the installed packages, open on Tessera's default
 * document, and run its query over HTTP and its subscription over graphql-ws on the same origin.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { launchChromium, openPage, type WatchedPage } from './support/browser.js';
import { createTestModels, type TestModels } from './support/models-dir.js';

let models: TestModels;
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
const refused: string[] = [];

function isLocal(url: URL): boolean {
  return ['data:', 'blob:'].includes(url.protocol) || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

async function runOperation(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: /Execute query/ }).click();
  await page.getByRole('menuitem', { name, exact: true }).click();
}

/** What a Monaco editor shows, with its no-break spaces as plain ones. */
async function editorText(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).innerText()).replace(/\u00a0/g, ' ');
}

const responseText = (page: Page) => editorText(page, '.graphiql-response');

beforeAll(async () => {
  models = await createTestModels({ lm: {} });
  server = await startTestServer({ modelsDir: models.dir });
  browser = await launchChromium();
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 900 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (isLocal(url)) return route.continue();
    refused.push(url.href);
    return route.abort('internetdisconnected');
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  models?.cleanup();
});

describe('GraphiQL with the network blocked', () => {
  let watched: WatchedPage;
  const sockets: string[] = [];

  beforeAll(async () => {
    watched = await openPage(context);
    watched.page.on('websocket', (socket) => sockets.push(socket.url()));
    await watched.page.goto('/graphql');
  });

  it('opens on Tessera\'s default document, not yoga\'s welcome', async () => {
    const editor = () => editorText(watched.page, '.graphiql-query-editor');
    await expect.poll(editor, { timeout: 30_000 }).toContain('Tessera: multimodal inference over GraphQL');
    expect(await editor()).toContain('subscription Generate');
    expect(await watched.page.title()).toBe('Tessera');
  });

  it('runs the query over HTTP', async () => {
    await runOperation(watched.page, 'Models');
    await expect.poll(() => responseText(watched.page), { timeout: 30_000 }).toContain('"name": "tiny-lm"');
  });

  it('runs the subscription over graphql-ws on the same origin', async () => {
    await runOperation(watched.page, 'Generate');
    await expect.poll(() => responseText(watched.page), { timeout: 60_000 }).toContain('"finishReason"');
    expect(sockets.length).toBeGreaterThan(0);
    for (const url of sockets) expect(new URL(url).host).toBe(new URL(server.url).host);
  });

  it('asked for nothing outside the machine and logged no error', () => {
    expect(refused).toEqual([]);
    expect(watched.errors).toEqual([]);
  });
});
