/**
 * The console's Speak page and a spoken pipeline answer in a real Chromium against a real
 * server with the shipped voice (tessera-tts), recogniser (tessera-asr) and LM (tessera-lm):
 * `speak` chunks arrive and are listed as spoken, and the stored WAV plays from an <audio>
 * element whose blob holds the server's bytes; the voice → spoken answer preset ends in an
 * <audio> element playing the SPEAK step's WAV.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, ensureWebBuild, finish, openPage, overflowWidth, resultOrAlert, shot, startConsole, type ConsoleUnderTest } from './support/browser.js';
import { gql } from './support/client.js';
import { SynthesizeSpeechDocument } from './generated/graphql.js';
import { copyModel } from './fixtures/tts/round-trip.js';

let repo: string;
let web: ConsoleUnderTest;
let context: BrowserContext;

/** The playable duration the page's <audio> element reports once its blob is loaded. */
async function playableSeconds(page: Page): Promise<number> {
  const audio = page.locator('[data-testid="artifact-audio"]');
  await audio.waitFor({ timeout: 60_000 });
  expect(await audio.getAttribute('src')).toMatch(/^blob:/);
  return audio.evaluate(
    (element: HTMLAudioElement) =>
      new Promise<number>((resolve) => {
        if (element.readyState >= 1) resolve(element.duration);
        else element.addEventListener('loadedmetadata', () => resolve(element.duration), { once: true });
      }),
  );
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  repo = mkdtempSync(path.join(tmpdir(), 'tessera-console-speech-'));
  for (const name of ['tessera-tts', 'tessera-asr', 'silero-vad']) copyModel(name, repo);
  cpSync('models/tessera-lm', path.join(repo, 'tessera-lm'), { recursive: true, filter: (source) => !source.includes('/recipe') });
  web = await startConsole(repo, await ensureWebBuild());
  context = web.context;
}, 300_000);

afterAll(async () => {
  await web?.close();
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe('web console: speech synthesis', () => {
  it('speaks text sentence by sentence and plays the stored recording', async () => {
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/speak');
    await page.getByRole('textbox', { name: 'Text' }).fill('The cat sat on the mat. It was a sunny day.');
    await page.getByRole('button', { name: 'Speak' }).click();
    await resultOrAlert(page, '[data-testid="artifact-audio"]', 60_000);
    await expect.poll(() => page.locator('[data-testid="speak-summary"]').textContent()).toMatch(/^2 sentences spoken · first audio after/);
    const seconds = await playableSeconds(page);
    expect(seconds).toBeGreaterThan(1);
    await shot(page, 'speak');
    await finish(watched);
  }, 120_000);

  it('answers a recorded question in speech with the voice → spoken answer preset', async () => {
    const question = await gql(web.server.graphqlUrl, SynthesizeSpeechDocument, { input: { text: 'What is the opposite of wet?' } });
    const wavUrl = question.body.data!.synthesizeSpeech.audio.url;
    const wav = Buffer.from(await (await fetch(new URL(wavUrl, web.server.url))).arrayBuffer());
    const watched = await openPage(context);
    const { page } = watched;
    await page.goto('/pipelines');
    await page.getByRole('radio', { name: /Voice question → spoken answer/ }).check();
    await page.locator('input[type="file"]').setInputFiles({ name: 'question.wav', mimeType: 'audio/wav', buffer: wav });
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    await resultOrAlert(page, '[data-testid="artifact-audio"]', 120_000);
    await expect.poll(() => page.locator('[data-testid="pipeline-summary"]').getAttribute('data-phase')).toBe('completed');
    // The answer may be one word; a blob that is not a WAV never reports a duration.
    expect(await playableSeconds(page)).toBeGreaterThan(0.1);
    await shot(page, 'pipeline-spoken-answer');
    await finish(watched);
  }, 180_000);

  it('fits the Speak page on a 375 px wide screen without horizontal scrolling', async () => {
    const narrow = await web.narrow();
    try {
      const watched = await openPage(narrow);
      await watched.page.goto('/speak');
      await watched.page.locator('main h1').waitFor();
      expect(await overflowWidth(watched.page)).toBeLessThanOrEqual(0);
      await finish(watched);
    } finally {
      await narrow.close();
    }
  });
});
