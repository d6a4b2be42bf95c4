/**
 * The console's Vision, Search, Transcribe and Pipelines pages in a real Chromium against a
 * real server: the real tessera-clip (and tessera-shapes, the classifier derived from it)
 * scores and searches shapes rendered in the test, the tone-alphabet CTC fixture transcribes
 * a WAV with a known transcript, the real PaddleOCR and the fixture LM run the receipt
 * pipeline, the fixture captioner streams a caption.
 */
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { REFUSED_REQUEST, SHOTS, ensureWebBuild, finish, linkedRequestId, overflowWidth, openPage, resultOrAlert, shot, startConsole, type ConsoleUnderTest } from './support/browser.js';
import { renderReceipt } from './support/pipelines.js';
import { renderScene, type Colour, type Shape } from './fixtures/vision/shapes.js';
import { toneWav, writeCtcModel } from './fixtures/asr/ctc-model.js';
import { writeTinyCaptioner } from './fixtures/captioning/tiny-captioner.js';

let models: TestModels;
let web: ConsoleUnderTest;
let context: BrowserContext;
const ids: { zeroShot?: string; caption?: string; captionText?: string; pipeline?: string; transcription?: string; search?: string } = {};

const scene = (colour: Colour, shape: Shape) => renderScene({ colour, shape, background: 'white', cx: 0.5, cy: 0.5, r: 0.3 });
const png = async (name: string, colour: Colour, shape: Shape) => ({ name, mimeType: 'image/png', buffer: await scene(colour, shape) });

async function errorCode(page: Page): Promise<string> {
  return (await page.locator('[role="alert"] .error-code').first().textContent({ timeout: 20_000 })) ?? '';
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const [webRoot, repository] = await Promise.all([ensureWebBuild(), createTestModels({ lm: {}, real: ['paddleocr-v4', 'silero-vad'] })]);
  models = repository;
  for (const name of ['tessera-clip', 'tessera-shapes']) {
    cpSync(path.join('models', name), path.join(models.dir, name), { recursive: true, filter: (src) => !src.includes('recipe') });
  }
  await writeTinyCaptioner(models.dir);
  await writeCtcModel(models.dir);
  web = await startConsole(models.dir, webRoot);
  context = web.context;
});

afterAll(async () => {
  await web?.close();
  models?.cleanup();
});

describe('web console: vision, search, transcription, pipelines', () => {
  it('scores zero-shot labels on a rendered image as bars, best first, and streams a caption', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/vision');
    await page.locator('input[type="file"]').setInputFiles(await png('shape.png', 'blue', 'square'));
    await page.getByRole('textbox', { name: 'Labels, comma separated' }).fill('red circle, blue square, green triangle, yellow star');
    await page.getByRole('button', { name: 'Classify zero-shot' }).click();
    await resultOrAlert(page, '.scores');
    const bars = await page
      .locator('.scores li')
      .evaluateAll((items) => items.map((li) => ({ label: (li as HTMLElement).dataset.label, score: Number((li as HTMLElement).dataset.score), width: (li.querySelector('.score-fill') as HTMLElement).style.width })));
    expect(bars.map((b) => b.label).sort()).toEqual(['blue square', 'green triangle', 'red circle', 'yellow star']);
    expect(bars[0].label).toBe('blue square');
    expect(bars.map((b) => b.score)).toEqual([...bars.map((b) => b.score)].sort((a, b) => b - a));
    expect(bars.reduce((sum, b) => sum + b.score, 0)).toBeCloseTo(1, 3);
    expect(parseFloat(bars[0].width)).toBeCloseTo(bars[0].score * 100, 3);
    ids.zeroShot = await linkedRequestId(page, '[data-testid="vision-summary"]');

    // The installed classifier scores the same image against its own 36 labels.
    await page.getByRole('button', { name: 'Classify', exact: true }).click();
    await page.locator('[data-testid="vision-summary"]').filter({ hasText: /^Classifier · tessera-shapes/ }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.scores li.score-top').getAttribute('data-label')).toBe('blue square');
    expect(await page.locator('.scores li').count()).toBe(10);

    await page.getByRole('button', { name: 'Caption' }).click();
    await page.locator('[data-testid="caption-summary"]').filter({ hasText: /^(STOP|LENGTH) · / }).waitFor({ timeout: 20_000 });
    const summary = (await page.locator('[data-testid="caption-summary"]').textContent())!;
    const tokens = Number(/· (\d+) tokens/.exec(summary)![1]);
    // One text node per streamed token (none for tokens whose text is empty).
    const nodes = await page.locator('.stream-text').evaluate((el) => [...el.childNodes].filter((n) => n.textContent !== '').length);
    expect(tokens).toBeGreaterThan(0);
    expect(nodes).toBeGreaterThan(0);
    expect(nodes).toBeLessThanOrEqual(tokens);
    ids.caption = await linkedRequestId(page, '[data-testid="caption-summary"]');
    ids.captionText = (await page.locator('.stream-text').textContent())!;
    await shot(page, 'vision');
    await finish(watched);
  });

  it("shows the server's code when zero-shot gets no labels", async () => {
    const watched = await openPage(context, { expected: [REFUSED_REQUEST] });
    const { page } = watched;
    await page.goto('/vision');
    await page.locator('input[type="file"]').setInputFiles(await png('shape.png', 'red', 'circle'));
    await page.getByRole('textbox', { name: 'Labels, comma separated' }).fill(' , ,');
    await page.getByRole('button', { name: 'Classify zero-shot' }).click();
    expect(await errorCode(page)).toBe('BAD_USER_INPUT');
    expect(await page.locator('.scores').count()).toBe(0);
    await finish(watched);
  });

  it('creates a collection, adds images and texts, and finds an image by text', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/search');
    await page.getByRole('textbox', { name: 'Name' }).fill('shapes');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('[data-testid="search-notice"]').filter({ hasText: 'Created shapes' }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Collection' }).inputValue()).toBe('shapes');

    await page
      .locator('input[type="file"][multiple]')
      .setInputFiles([await png('red-circle.png', 'red', 'circle'), await png('blue-square.png', 'blue', 'square'), await png('green-triangle.png', 'green', 'triangle')]);
    await page.getByRole('textbox', { name: 'Texts, one per line' }).fill('a yellow star\na purple cross');
    await page.getByRole('button', { name: 'Add to collection' }).click();
    await resultOrAlert(page, '[data-testid="search-notice"]:has-text("Added")');
    expect(await page.locator('[data-testid="search-notice"]').textContent()).toBe('Added 5 items; shapes holds 5.');

    await page.getByRole('searchbox', { name: 'Query text' }).fill('a blue square');
    await page.getByLabel('Only').selectOption('IMAGE');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await resultOrAlert(page, '.hits');
    const hits = await page.locator('.hit').evaluateAll((items) => items.map((li) => ({ name: (li as HTMLElement).dataset.name, modality: (li as HTMLElement).dataset.modality })));
    expect(hits).toHaveLength(3);
    expect(hits[0].name).toBe('blue-square.png');
    expect(hits.every((h) => h.modality === 'IMAGE')).toBe(true);
    // The thumbnail is the stored artifact, served by the server.
    const thumbnail = page.locator('.hit').first().locator('img');
    expect(await thumbnail.getAttribute('src')).toMatch(/^\/artifacts\/[0-9a-f]{64}$/);
    expect(await thumbnail.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).toBe(128);
    const scores = (await page.locator('.hit-score').allTextContents()).map(Number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    ids.search = await linkedRequestId(page, '[data-testid="search-summary"]');

    // Image to text: a picture of a yellow star is nearest its own words.
    await page.getByRole('radio', { name: 'By image' }).check();
    await page.locator('.page form input[type="file"]').setInputFiles(await png('query.png', 'yellow', 'star'));
    await page.getByLabel('Only').selectOption('TEXT');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('.hit[data-modality="TEXT"]').first().waitFor();
    expect(await page.locator('.hit .hit-text').first().textContent()).toBe('a yellow star');
    await shot(page, 'search');
    await finish(watched);
  });

  it('streams transcribed segments with their times, then the text and the real-time factor', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/transcribe');
    // Records, for each segment row that appears, whether the final text had arrived by then.
    await page.evaluate(() => {
      const seen: boolean[] = [];
      (window as unknown as { segmentsSeen: boolean[] }).segmentsSeen = seen;
      new MutationObserver((records) => {
        for (const record of records) {
          for (const node of record.addedNodes) {
            const rows = node instanceof HTMLElement ? (node.matches('.timed li') ? [node] : [...node.querySelectorAll('.timed li')]) : [];
            for (const _ of rows) seen.push(document.querySelector('[data-testid="transcript"]') != null);
          }
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.locator('input[type="file"]').setInputFiles({ name: 'tones.wav', mimeType: 'audio/wav', buffer: Buffer.from(toneWav([0.3, 'HELLO WORLD', 1.2, 'GOOD', 0.4]).bytes) });
    await resultOrAlert(page, '[data-testid="transcript"]');
    expect(await page.locator('[data-testid="transcript"]').textContent()).toBe('HELLO WORLD GOOD');
    const rows = await page.locator('.timed li').evaluateAll((items) => items.map((li) => [li.querySelector('time')!.textContent, li.querySelector('span')!.textContent]));
    expect(rows.map(([, text]) => text)).toEqual(['HELLO WORLD', 'GOOD']);
    expect(rows[0][0]).toMatch(/^0\.[23]\d s – \d\.\d\d s$/);
    const seen = await page.evaluate(() => (window as unknown as { segmentsSeen: boolean[] }).segmentsSeen);
    // The first segment was on screen before the transcription completed.
    expect(seen[0]).toBe(false);
    const summary = (await page.locator('[data-testid="transcribe-summary"]').textContent())!;
    expect(summary).toMatch(/^done · 2 segments · \d\.\d\d s of audio · /);
    expect(summary).toContain('tiny-ctc');
    expect(await page.getByTestId('rtf').textContent()).toMatch(/^RTF \d+\.\d{3}$/);
    ids.transcription = await linkedRequestId(page, '[data-testid="transcribe-summary"]');
    await shot(page, 'transcribe');
    await finish(watched);
  });

  it('runs the receipt preset, showing each step as it runs and its output, and its request page follows it', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/pipelines');
    await page.getByRole('radio', { name: /Receipt image/ }).check();
    await page.locator('input[type="file"]').setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: await renderReceipt() });
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    await page.locator('[data-testid="pipeline-summary"] a').waitFor();
    ids.pipeline = await linkedRequestId(page, '[data-testid="pipeline-summary"]');

    // Its request page, opened while OCR still runs, follows the steps to the end.
    const follower = await openPage(context);
    await follower.page.goto(`/requests/${ids.pipeline}`);
    await follower.page.locator('h1 .badge-running').waitFor();
    await follower.page.locator('h1 .badge-completed').waitFor({ timeout: 60_000 });
    await follower.page.waitForFunction(() => document.querySelectorAll('.steps .step .badge-completed').length === 2);
    expect(await follower.page.locator('.steps .step').first().textContent()).toContain('Invoice 2026');
    await finish(follower);

    await resultOrAlert(page, '[data-testid="pipeline-summary"][data-phase="completed"]', 60_000);
    const steps = await page.locator('.steps .step').evaluateAll((items) => items.map((li) => ({ phase: (li as HTMLElement).dataset.phase, head: li.querySelector('.step-head')!.textContent })));
    expect(steps).toHaveLength(2);
    expect(steps.map((s) => s.phase)).toEqual(['completed', 'completed']);
    expect(steps[0].head).toContain('recognize text');
    expect(steps[1].head).toContain('generate');
    expect(await page.locator('.step[data-step="0"] .step-output').textContent()).toContain('Invoice 2026');
    expect((await page.getByTestId('pipeline-output').textContent())!.length).toBeGreaterThan(0);
    expect(await page.locator('.step a[href^="/requests/"]').count()).toBe(2);
    await shot(page, 'pipelines');
    await finish(watched);
  });

  it('runs the voice question preset: timed transcript segments, then the generated answer', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/pipelines');
    await page.locator('input[type="file"]').setInputFiles({ name: 'question.wav', mimeType: 'audio/wav', buffer: Buffer.from(toneWav([0.3, 'HELLO WORLD', 1.2, 'GOOD', 0.4]).bytes) });
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    await resultOrAlert(page, '[data-testid="pipeline-summary"][data-phase="completed"]', 60_000);
    const first = page.locator('.step[data-step="0"]');
    expect(await first.locator('.step-head').textContent()).toContain('tiny-ctc');
    expect(await first.locator('.timed li span').allTextContents()).toEqual(['HELLO WORLD', 'GOOD']);
    expect(await first.locator('.timed li time').first().textContent()).toMatch(/^0\.[23]\d s – /);
    const answer = await page.locator('.step[data-step="1"] .step-output').textContent();
    expect(answer!.length).toBeGreaterThan(0);
    expect(await page.getByTestId('pipeline-output').textContent()).toBe(answer);
    await finish(watched);
  });

  it("marks the failing step with the server's code for an image that is not one", async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/pipelines');
    await page.getByRole('radio', { name: /Receipt image/ }).check();
    await page.locator('input[type="file"]').setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: Buffer.from('certainly not a PNG file') });
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    const code = await errorCode(page);
    expect(code).toMatch(/^(BAD_USER_INPUT|UNSUPPORTED_MEDIA_TYPE)$/);
    // The plan was fine; the first step failed on the bytes, and says so with the same code.
    await page.locator('[data-testid="pipeline-summary"][data-phase="failed"]').waitFor();
    expect(await page.locator('.step').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.phase))).toEqual(['failed', 'pending']);
    expect(await page.locator('.step[data-step="0"] .error-code').textContent()).toBe(code);
    await shot(page, 'pipelines-error');
    await finish(watched);
  });

  it('shows the new result kinds on their request pages', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto(`/requests/${ids.zeroShot}`);
    await page.locator('.scores li').first().waitFor();
    expect(await page.locator('.scores li.score-top').getAttribute('data-label')).toBe('blue square');

    await page.goto(`/requests/${ids.caption}`);
    await page.waitForFunction((expected) => document.querySelector('.stream-text')?.textContent === expected, ids.captionText);
    expect(await page.locator('.facts').textContent()).toMatch(/Finish reason(STOP|LENGTH)/);

    await page.goto(`/requests/${ids.pipeline}`);
    await page.locator('.steps .step').nth(1).waitFor();
    expect(await page.locator('.steps .step .badge-completed').count()).toBe(2);
    await page.locator('.steps .step').first().locator('a[href^="/requests/"]').click();
    await page.locator('.facts').filter({ hasText: 'OCR' }).waitFor();
    expect(await page.locator('.facts').textContent()).toContain(ids.pipeline!.replace(/-/g, '').slice(-8));

    await page.goto(`/requests/${ids.transcription}`);
    await page.locator('.timed li').nth(1).waitFor();
    expect(await page.locator('.timed li span').allTextContents()).toEqual(['HELLO WORLD', 'GOOD']);

    await page.goto(`/requests/${ids.search}`);
    await page.getByTestId('collection-summary').waitFor();
    expect(await page.getByTestId('collection-summary').textContent()).toBe('Searched shapes: 3 items');
    await shot(page, 'detail-search');
    await finish(watched);
  });

  it('fits a 375 px wide screen on the new pages without horizontal scrolling', async () => {
    const narrow = await web.narrow();
    try {
      const watched = await openPage(narrow);
      const { page } = watched;
      await page.goto('/vision');
      await page.locator('input[type="file"]').setInputFiles(await png('shape.png', 'green', 'triangle'));
      await page.getByRole('button', { name: 'Classify zero-shot' }).click();
      await resultOrAlert(page, '.scores');
      expect(await overflowWidth(page), '/vision').toBeLessThanOrEqual(0);
      await shot(page, 'narrow-vision');
      for (const route of ['/search', '/transcribe', '/pipelines', `/requests/${ids.pipeline}`, `/requests/${ids.transcription}`, `/requests/${ids.zeroShot}`]) {
        await page.goto(route);
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        expect(await overflowWidth(page), route).toBeLessThanOrEqual(0);
      }
      await finish(watched);
    } finally {
      await narrow.close();
    }
  });
});
