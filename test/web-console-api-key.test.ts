/**
 * The console's API key in a real Chromium against a real server: pasted once in the header,
 * kept in localStorage, sent as `authorization: Bearer <key>` on every fetch (JSON and
 * multipart) and in the graphql-ws connection_init payload, and asked for by a banner when
 * the server answers UNAUTHENTICATED. The server does not check keys yet, so what is checked
 * here is what the browser sends; the refusal is the server's answer shape, served by
 * Playwright's router in place of the server for that one request. History's Export link
 * is here too: a plain link cannot carry the header, so with a key the console fetches it.
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { REFUSED_REQUEST, ensureWebBuild, finish, openPage, startConsole, type ConsoleUnderTest } from './support/browser.js';

const KEY = 'tsk_console-test-0123456789';

let models: TestModels;
let web: ConsoleUnderTest;

beforeAll(async () => {
  const [webRoot, repository] = await Promise.all([ensureWebBuild(), createTestModels({ lm: {} })]);
  models = repository;
  web = await startConsole(models.dir, webRoot);
});

afterAll(async () => {
  await web?.close();
  models?.cleanup();
});

/** Every /graphql POST the page makes from now on, with its headers as sent. */
function graphqlRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') seen.push(request);
  });
  return seen;
}

/** The payloads of the graphql-ws connection_init messages the page sends from now on. */
function connectionInits(page: Page): unknown[] {
  const payloads: unknown[] = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => {
      const message = JSON.parse(String(payload)) as { type?: string; payload?: unknown };
      if (message.type === 'connection_init') payloads.push(message.payload ?? null);
    });
  });
  return payloads;
}

async function saveKey(page: Page, key: string): Promise<void> {
  await page.getByTestId('key-summary').click();
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Save key' }).click();
}

async function generate(page: Page): Promise<void> {
  await page.goto('/generate');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await page.locator('[data-stat="finish-reason"]').waitFor();
}

describe('web console API key', () => {
  it('keeps a pasted key and sends it on fetches, uploads and the WebSocket', async () => {
    const watched = await openPage(web.context, { expected: [REFUSED_REQUEST] });
    const { page } = watched;
    await page.goto('/generate');
    expect(await page.getByTestId('key-summary').textContent()).toBe('API key');

    await saveKey(page, `  ${KEY}  `);
    const requests = graphqlRequests(page);
    const inits = connectionInits(page);
    expect(await page.getByTestId('key-summary').textContent()).toBe('Key set');
    expect(await page.evaluate(() => localStorage.getItem('tessera.apiKey'))).toBe(KEY);

    // A reload starts from what the browser kept.
    await page.goto('/models');
    await page.locator('[data-model="tiny-lm"]').waitFor();
    expect(await page.getByTestId('key-summary').textContent()).toBe('Key set');
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) expect(await request.headerValue('authorization')).toBe(`Bearer ${KEY}`);

    // A multipart upload carries it too, whatever the server makes of the file.
    const upload = page.waitForRequest((request) => request.url().endsWith('/graphql') && (request.headers()['content-type'] ?? '').startsWith('multipart/form-data'));
    await page.goto('/ocr');
    await page.locator('input[type="file"]').setInputFiles({ name: 'not-an-image.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
    expect(await (await upload).headerValue('authorization')).toBe(`Bearer ${KEY}`);
    await page.locator('[role="alert"] .error-code').waitFor();

    await generate(page);
    expect(inits).toEqual([{ authorization: `Bearer ${KEY}` }]);
    await finish(watched);
  });

  it('sends nothing once the key is forgotten', async () => {
    const watched = await openPage(web.context);
    const { page } = watched;
    await page.goto('/generate');
    await saveKey(page, KEY);
    await page.getByTestId('key-summary').click();
    await page.getByRole('button', { name: 'Forget key' }).click();
    expect(await page.getByTestId('key-summary').textContent()).toBe('API key');
    expect(await page.evaluate(() => localStorage.getItem('tessera.apiKey'))).toBeNull();

    const requests = graphqlRequests(page);
    const inits = connectionInits(page);
    await generate(page);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) expect(await request.headerValue('authorization')).toBeNull();
    expect(inits).toEqual([{}]);
    await finish(watched);
  });

  it('asks for a key when the server answers UNAUTHENTICATED', async () => {
    const watched = await openPage(web.context);
    const { page } = watched;
    await page.route('**/graphql', (route) =>
      route.fulfill({
        contentType: 'application/graphql-response+json',
        body: JSON.stringify({ errors: [{ message: 'An API key is required.', extensions: { code: 'UNAUTHENTICATED' } }] }),
      }),
    );
    await page.goto('/models');
    const alert = page.locator('[role="alert"]');
    await alert.locator('.error-code').filter({ hasText: 'UNAUTHENTICATED' }).waitFor();
    expect(await alert.getByTestId('key-hint').textContent()).toContain('This server needs an API key.');
    await alert.getByRole('button', { name: 'Set the API key' }).click();
    expect(await page.locator('details.key-settings').evaluate((details: HTMLDetailsElement) => details.open)).toBe(true);
    expect(await page.getByLabel('API key').evaluate((input) => input === document.activeElement)).toBe(true);
    await finish(watched);
  });

  it("offers History's export with the page's filters, fetched with the key when one is set", async () => {
    // The export endpoint is not on this branch's server; whatever it answers, the request is what counts.
    const watched = await openPage(web.context, { expected: [/\/history\/export/] });
    const { page } = watched;
    await page.goto('/history?status=CANCELLED&text=fox');
    const link = page.getByRole('link', { name: 'Export' });
    expect(await link.getAttribute('href')).toBe('/history/export?format=ndjson&status=CANCELLED&text=fox');

    await saveKey(page, KEY);
    const exported = page.waitForRequest((request) => new URL(request.url()).pathname === '/history/export');
    await link.click();
    const request = await exported;
    expect(new URL(request.url()).search).toBe('?format=ndjson&status=CANCELLED&text=fox');
    expect(await request.headerValue('authorization')).toBe(`Bearer ${KEY}`);
    await finish(watched);
  });
});
