/**
 * The shipped manifests (models/paddleocr-v4, models/silero-vad) loaded by the engine from
 * the installed npm packages: checksums, signatures and warm-ups pass, and a request runs
 * decode → queue → model end to end.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { rejection } from './fixtures/models/rejection.js';
import { tempRepository } from './fixtures/models/model-folder.js';

async function textImage(text: string): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="520" height="90">
    <rect width="100%" height="100%" fill="white"/>
    <text x="20" y="60" font-family="DejaVu Sans" font-size="40" fill="black">${text}</text></svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

function spokenWav(dir: string, words: string): Uint8Array {
  const path = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-w', path, words]);
  return new Uint8Array(execFileSync('cat', [path]));
}

describe('the shipped OCR and VAD models through the engine', () => {
  let repo: string;
  let engine: Engine;

  beforeAll(async () => {
    repo = await tempRepository();
    // npm: paths resolve by walking up from the model folder, as they do under models/.
    await symlink(resolve('node_modules'), join(repo, 'node_modules'));
    for (const name of ['paddleocr-v4', 'silero-vad']) {
      await mkdir(join(repo, name));
      await copyFile(join('models', name, 'model.json'), join(repo, name, 'model.json'));
    }
    engine = await Engine.create({
      // Relative on purpose: npm: paths must resolve however MODELS_DIR is written.
      modelsDir: relative(process.cwd(), repo),
      runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
      logger: silentLogger,
      limits: { maxImagePixels: 4_000_000, maxAudioSeconds: 30 },
    });
    expect(engine.ready().ready).toBe(false);
    await engine.preloaded();
  });

  afterAll(async () => {
    await engine?.close();
    await rm(repo, { recursive: true, force: true });
  });

  it('verifies checksums and signatures and preloads both', () => {
    for (const name of ['paddleocr-v4', 'silero-vad']) {
      expect(engine.model(name)).toMatchObject({ status: 'READY', loadError: null, executionProvider: 'cpu', preload: true, license: 'MIT' });
    }
    expect(engine.ready()).toEqual({ ready: true, reasons: [] });
    expect(engine.resolveModel('OCR').name).toBe('paddleocr-v4');
    expect(engine.resolveModel('VAD').name).toBe('silero-vad');
  });

  it('reads text from an image', async () => {
    let started = 0;
    const result = await engine.recognizeText(undefined, await textImage('Tessera 2024'), { onStart: () => (started += 1) });
    expect(result.text).toContain('Tessera 2024');
    expect(result.width).toBe(520);
    expect(result.height).toBe(90);
    expect(result.lines.length).toBeGreaterThan(0);
    expect(result.stats.batchSize).toBe(1);
    expect(started).toBe(1);
  });

  it('refuses an image over the pixel budget before it reaches the model', async () => {
    const big = new Uint8Array(await sharp({ create: { width: 2100, height: 2000, channels: 3, background: 'white' } }).png().toBuffer());
    expect((await rejection(engine.recognizeText('paddleocr-v4', big))).code).toBe('PAYLOAD_TOO_LARGE');
    expect((await rejection(engine.recognizeText('paddleocr-v4', new TextEncoder().encode('not an image')))).code).toMatch(
      /BAD_USER_INPUT|UNSUPPORTED_MEDIA_TYPE/,
    );
  });

  it('finds speech in spoken audio', async () => {
    const wav = spokenWav(repo, 'hello, this is a short test of voice activity detection');
    const result = await engine.detectSpeech(undefined, wav);
    expect(result.sampleRate).toBe(16000);
    expect(result.durationSeconds).toBeGreaterThan(1);
    expect(result.segments.length).toBeGreaterThan(0);
    for (const s of result.segments) {
      expect(s.end).toBeGreaterThan(s.start);
      expect(s.end).toBeLessThanOrEqual(result.durationSeconds + 0.05);
    }
    const strict = await engine.detectSpeech('silero-vad', wav, { threshold: 0.99 });
    const covered = (segments: { start: number; end: number }[]) => segments.reduce((sum, s) => sum + s.end - s.start, 0);
    expect(covered(strict.segments)).toBeLessThanOrEqual(covered(result.segments));
  });

  it('refuses a threshold outside (0, 1)', async () => {
    const wav = spokenWav(repo, 'hi');
    expect((await rejection(engine.detectSpeech(undefined, wav, { threshold: 1.5 }))).code).toBe('BAD_USER_INPUT');
  });

  it('ships manifests whose settings the task code accepts', async () => {
    const ocr = JSON.parse(await readFile('models/paddleocr-v4/model.json', 'utf8'));
    const vad = JSON.parse(await readFile('models/silero-vad/model.json', 'utf8'));
    expect(ocr.settings.detLimitSideLen).toBe(960);
    expect(vad.settings).toMatchObject({ sampleRate: 16000, windowSamples: 512 });
  });
});
