import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import wavefile from 'wavefile';
import { afterAll, describe, expect, it } from 'vitest';
import { TesseraError, type ErrorCode } from '../src/errors.js';
import { decodeAudio } from '../src/inference/media/audio.js';
import { decodeWithFfmpeg } from '../src/inference/media/ffmpeg.js';
import { decodeImage } from '../src/inference/media/image.js';
import { resample } from '../src/inference/media/resample.js';
import { sniffMediaType } from '../src/inference/media/sniff.js';
import { readWavHeader } from '../src/inference/media/wav.js';
import { extensibleWav, powerAt, runTool, tone, wavefileMono, wavefileWav } from './fixtures/media/signals.js';

const { WaveFile } = wavefile;
const work = mkdtempSync(join(tmpdir(), 'tessera-media-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TesseraError);
  return error as TesseraError;
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<TesseraError> {
  const error = await rejection(promise);
  expect(error.code, error.message).toBe(code);
  return error;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = Math.min(a.length, b.length)): number {
  let worst = 0;
  for (let i = from; i < to; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function rms(a: ArrayLike<number>, b: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / (to - from));
}

describe('WAV decoding', () => {
  const rate = 16000;
  // Different content per channel, so a wrong mixdown or channel order shows.
  const left = tone(440, rate, 0.25, 0.5);
  const right = tone(1000, rate, 0.25, 0.3, 1);
  const six = [left, right, tone(300, rate, 0.25, 0.2), tone(2000, rate, 0.25, 0.1), left, right];
  const mono = (channels: Float64Array[]) => left.map((_, i) => channels.reduce((s, c) => s + c[i], 0) / channels.length);

  // Tolerances: half a quantisation step plus the 127-vs-128 full-scale difference; G.711 is logarithmic.
  const formats: [string, number][] = [
    ['8', 1 / 128],
    ['16', 1 / 32768],
    ['24', 1 / 2 ** 22],
    ['32', 1e-6],
    ['32f', 1e-6],
    ['64', 1e-6],
    ['8m', 0.02],
    ['8a', 0.02],
  ];
  for (const channels of [[left], [left, right], six]) {
    for (const [depth, tolerance] of formats) {
      it(`${depth} with ${channels.length} channel(s) decodes to the mono mix`, async () => {
        const bytes = wavefileWav(channels, rate, depth);
        const decoded = await decodeAudio(bytes, { targetSampleRate: rate, maxSeconds: 10 });
        expect(decoded.sampleRate).toBe(rate);
        expect(decoded.samples.length).toBe(left.length);
        expect(decoded.durationSeconds).toBeCloseTo(0.25, 6);
        expect(maxDifference(decoded.samples, mono(channels))).toBeLessThanOrEqual(tolerance);
        // And the same numbers wavefile's own reader gives.
        expect(maxDifference(decoded.samples, wavefileMono(bytes))).toBeLessThan(1e-6);
      });
    }
  }

  it('reads WAVE_FORMAT_EXTENSIBLE', async () => {
    const bytes = extensibleWav([left, right, left, right], rate);
    expect(readWavHeader(bytes)).toMatchObject({ formatCode: 1, encoding: 'pcm', channels: 4, containerBytes: 2 });
    const decoded = await decodeAudio(bytes, { targetSampleRate: rate, maxSeconds: 10 });
    expect(maxDifference(decoded.samples, mono([left, right]))).toBeLessThan(1 / 16384);
  });

  it('refuses audio over the duration limit from the header', async () => {
    const bytes = wavefileWav([tone(440, 8000, 3)], 8000, '8');
    expect(readWavHeader(bytes).durationSeconds).toBeCloseTo(3, 6);
    const error = await expectCode(decodeAudio(bytes, { targetSampleRate: 16000, maxSeconds: 2 }), 'PAYLOAD_TOO_LARGE');
    expect(error.details).toMatchObject({ maxSeconds: 2 });
  });

  it('calls truncated and malformed WAVs bad input', async () => {
    const bytes = wavefileWav([left], rate, '16');
    await expectCode(decodeAudio(bytes.subarray(0, bytes.length - 100), { targetSampleRate: rate, maxSeconds: 10 }), 'BAD_USER_INPUT');
    await expectCode(decodeAudio(bytes.subarray(0, 30), { targetSampleRate: rate, maxSeconds: 10 }), 'BAD_USER_INPUT');
    const noFmt = bytes.slice();
    noFmt.set([0x6a, 0x75, 0x6e, 0x6b], 12); // rename "fmt " to "junk"
    await expectCode(decodeAudio(noFmt, { targetSampleRate: rate, maxSeconds: 10 }), 'BAD_USER_INPUT');
  });

  it('refuses bytes that are not audio', async () => {
    const random = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 251);
    await expectCode(decodeAudio(random, { targetSampleRate: rate, maxSeconds: 10 }), 'UNSUPPORTED_MEDIA_TYPE');
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer();
    const error = await expectCode(decodeAudio(png, { targetSampleRate: rate, maxSeconds: 10 }), 'UNSUPPORTED_MEDIA_TYPE');
    expect(error.message).toContain('image/png');
    await expectCode(decodeAudio(new Uint8Array(0), { targetSampleRate: rate, maxSeconds: 10 }), 'BAD_USER_INPUT');
  });
});

describe('resampling', () => {
  it('keeps a 440 Hz tone at 440 Hz going 44.1 kHz → 16 kHz', async () => {
    const bytes = wavefileWav([tone(440, 44100, 1)], 44100, '16');
    const { samples, sampleRate } = await decodeAudio(bytes, { targetSampleRate: 16000, maxSeconds: 10 });
    expect(sampleRate).toBe(16000);
    expect(samples.length).toBe(16000);
    const at = powerAt(samples, 16000, 440);
    expect(at).toBeGreaterThan(0.05);
    for (const other of [400, 430, 450, 480, 880]) expect(powerAt(samples, 16000, other)).toBeLessThan(at / 100);
    // A sine stays a sine: compare with the tone computed at the new rate, away from the edges.
    expect(maxDifference(samples, tone(440, 16000, 1), 200, 15800)).toBeLessThan(1e-3);
  });

  it('matches wavefile.toSampleRate within its own error, and the exact signal far more closely', () => {
    const from = 44100;
    const to = 16000;
    const input = tone(440, from, 0.5, 0.3);
    const wav = new WaveFile();
    wav.fromScratch(1, from, '32f', input);
    wav.toSampleRate(to, { method: 'sinc' });
    const theirs = wav.getSamples(false, Float64Array) as unknown as Float64Array;
    const ours = resample(Float32Array.from(input), from, to);
    const exact = tone(440, to, 0.5, 0.3);
    expect(ours.length).toBe(theirs.length);
    const span: [number, number] = [100, ours.length - 100];
    expect(rms(ours, theirs, ...span)).toBeLessThan(0.02);
    expect(rms(ours, exact, ...span)).toBeLessThan(1e-4);
    expect(rms(theirs, exact, ...span)).toBeGreaterThan(rms(ours, exact, ...span));
  });

  it('removes content above the new Nyquist frequency instead of folding it down', () => {
    // 7 kHz at 48 kHz would alias to 1 kHz at 8 kHz.
    const out = resample(Float32Array.from(tone(7000, 48000, 0.5)), 48000, 8000);
    expect(powerAt(out, 8000, 1000)).toBeLessThan(1e-6);
  });

  it('upsamples and handles rates with no common factor', () => {
    for (const [from, to] of [
      [8000, 16000],
      [22050, 16000],
      [16000, 16001],
    ]) {
      const out = resample(Float32Array.from(tone(300, from, 0.5)), from, to);
      expect(out.length).toBe(Math.ceil((from * 0.5 * to) / from));
      expect(maxDifference(out, tone(300, to, 0.5), 200, out.length - 200)).toBeLessThan(1e-3);
    }
  });
});

describe('other audio containers via ffmpeg', () => {
  const mp3Path = join(work, 'tone.mp3');
  runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=2', '-ac', '2', '-b:a', '128k', mp3Path]);
  const mp3 = readFileSync(mp3Path);

  it('decodes an mp3 to mono 16 kHz', async () => {
    expect(sniffMediaType(mp3)).toBe('audio/mpeg');
    const decoded = await decodeAudio(mp3, { targetSampleRate: 16000, maxSeconds: 10 });
    expect(decoded.sampleRate).toBe(16000);
    expect(decoded.durationSeconds).toBeGreaterThan(1.95);
    expect(decoded.durationSeconds).toBeLessThan(2.1);
    const body = decoded.samples.subarray(1600, 30000);
    const at = powerAt(body, 16000, 440);
    // lavfi's sine is at 1/8 full scale: power (A/2)² ≈ 0.0039.
    expect(at).toBeGreaterThan(0.003);
    for (const other of [400, 480, 880]) expect(powerAt(body, 16000, other)).toBeLessThan(at / 100);
  });

  it('stops decoding once the stream is over the limit', async () => {
    await expectCode(decodeAudio(mp3, { targetSampleRate: 16000, maxSeconds: 1 }), 'PAYLOAD_TOO_LARGE');
  });

  it('calls a corrupt mp3 bad input', async () => {
    const broken = Buffer.concat([mp3.subarray(0, 10), Buffer.alloc(2000, 0x55)]);
    await expectCode(decodeAudio(broken, { targetSampleRate: 16000, maxSeconds: 10 }), 'BAD_USER_INPUT');
  });

  it('hands WAV codecs it does not decode itself (IMA ADPCM) to ffmpeg', async () => {
    const path = join(work, 'adpcm.wav');
    runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=22050:duration=1', '-c:a', 'adpcm_ima_wav', path]);
    const bytes = readFileSync(path);
    expect(readWavHeader(bytes).encoding).toBeNull();
    const decoded = await decodeAudio(bytes, { targetSampleRate: 16000, maxSeconds: 10 });
    expect(Math.abs(decoded.durationSeconds - 1)).toBeLessThan(0.05);
    const at = powerAt(decoded.samples, 16000, 440);
    expect(at).toBeGreaterThan(0.003);
    expect(powerAt(decoded.samples, 16000, 880)).toBeLessThan(at / 100);
    await expectCode(decodeAudio(bytes, { targetSampleRate: 16000, maxSeconds: 0.5 }), 'PAYLOAD_TOO_LARGE');
  });

  it('names ffmpeg when it is missing', async () => {
    const error = await expectCode(
      decodeWithFfmpeg(mp3, { targetSampleRate: 16000, maxSeconds: 10, command: join(work, 'no-such-ffmpeg'), contentType: 'audio/mpeg' }),
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect(error.message).toContain('apt-get install ffmpeg');
  });

  it('sniffs the containers ffmpeg writes', () => {
    const make = (name: string, args: string[]) => {
      const path = join(work, name);
      runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=duration=0.2', ...args, path]);
      return readFileSync(path);
    };
    expect(sniffMediaType(make('a.flac', []))).toBe('audio/flac');
    expect(sniffMediaType(make('a.ogg', ['-c:a', 'libvorbis']))).toBe('audio/ogg');
    expect(sniffMediaType(make('a.webm', ['-c:a', 'libopus']))).toBe('audio/webm');
    expect(sniffMediaType(make('a.m4a', ['-c:a', 'aac']))).toBe('audio/mp4');
    expect(sniffMediaType(make('a.wav', []))).toBe('audio/wav');
  });
});

describe('image decoding', () => {
  const limits = { maxPixels: 1_000_000 };
  const solid = (format: 'png' | 'jpeg' | 'webp' | 'gif', width = 32, height = 16) =>
    sharp({ create: { width, height, channels: 3, background: { r: 200, g: 100, b: 50 } } })
      .toFormat(format)
      .toBuffer();

  it('decodes PNG, JPEG, WebP and GIF to packed RGB', async () => {
    for (const format of ['png', 'jpeg', 'webp', 'gif'] as const) {
      const bytes = await solid(format);
      expect(sniffMediaType(bytes)).toBe(`image/${format}`);
      const image = await decodeImage(bytes, limits);
      expect([image.width, image.height]).toEqual([32, 16]);
      expect(image.data.length).toBe(32 * 16 * 3);
      const [r, g, b] = image.data.subarray(3 * (8 * 32 + 16));
      // Lossy formats and GIF's palette move colours a little.
      expect(Math.abs(r - 200) + Math.abs(g - 100) + Math.abs(b - 50)).toBeLessThan(20);
    }
  });

  it('flattens transparency onto white and expands greyscale to RGB', async () => {
    const clear = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    expect([...(await decodeImage(clear, limits)).data.subarray(0, 3)]).toEqual([255, 255, 255]);
    const grey = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#404040' } }).greyscale().png().toBuffer();
    const image = await decodeImage(grey, limits);
    expect(image.data.length).toBe(4 * 4 * 3);
    expect([...image.data.subarray(0, 3)]).toEqual([64, 64, 64]);
  });

  it('turns an EXIF orientation 6 JPEG upright', async () => {
    // 40×20, left half red, right half blue; orientation 6 means "turn 90° clockwise to view".
    const left = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const bytes = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#0000ff' } })
      .composite([{ input: left, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    const image = await decodeImage(bytes, limits);
    expect([image.width, image.height]).toEqual([20, 40]);
    const at = (x: number, y: number) => [...image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3)];
    // The left (red) half is now on top.
    expect(at(10, 5)[0]).toBeGreaterThan(200);
    expect(at(10, 5)[2]).toBeLessThan(60);
    expect(at(10, 35)[2]).toBeGreaterThan(200);
    expect(at(10, 35)[0]).toBeLessThan(60);
  });

  it('refuses images over the pixel limit before decoding them', async () => {
    const bytes = await solid('png', 2000, 1000);
    const error = await expectCode(decodeImage(bytes, { maxPixels: 1_000_000 }), 'PAYLOAD_TOO_LARGE');
    expect(error.details).toMatchObject({ width: 2000, height: 1000, maxPixels: 1_000_000 });
  });

  it('calls truncated PNG and JPEG files bad input', async () => {
    const noisy = await sharp(Buffer.from(Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 256)), {
      raw: { width: 64, height: 64, channels: 3 },
    });
    for (const bytes of [await noisy.clone().png().toBuffer(), await noisy.clone().jpeg().toBuffer()]) {
      await expectCode(decodeImage(bytes.subarray(0, Math.floor(bytes.length * 0.6)), limits), 'BAD_USER_INPUT');
      await expectCode(decodeImage(bytes.subarray(0, 12), limits), 'BAD_USER_INPUT');
    }
  });

  it('refuses random bytes, audio and SVG as unsupported', async () => {
    const random = new Uint8Array(2048).map((_, i) => (i * 7919 + 13) % 251);
    await expectCode(decodeImage(random, limits), 'UNSUPPORTED_MEDIA_TYPE');
    await expectCode(decodeImage(wavefileWav([tone(440, 8000, 0.1)], 8000, '16'), limits), 'UNSUPPORTED_MEDIA_TYPE');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    expect(sniffMediaType(svg)).toBe('image/svg+xml');
    await expectCode(decodeImage(svg, limits), 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('sniffing', () => {
  it('knows the signatures and says null for everything else', () => {
    const bytes = (...values: (number | string)[]) =>
      Uint8Array.from(values.flatMap((v) => (typeof v === 'string' ? [...v].map((c) => c.charCodeAt(0)) : [v])));
    expect(sniffMediaType(bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 '))).toBe('image/webp');
    expect(sniffMediaType(bytes('GIF89a', 1, 0))).toBe('image/gif');
    expect(sniffMediaType(bytes('ID3', 4, 0, 0, 0, 0, 0, 0))).toBe('audio/mpeg');
    expect(sniffMediaType(bytes(0xff, 0xfb, 0x90, 0x64))).toBe('audio/mpeg');
    expect(sniffMediaType(bytes(0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc))).toBe('audio/aac');
    expect(sniffMediaType(bytes(0, 0, 0, 0x1c, 'ftypavif', 0, 0, 0, 0, 'avifmif1'))).toBe('image/avif');
    expect(sniffMediaType(bytes('%PDF-1.7'))).toBe('application/pdf');
    expect(sniffMediaType(bytes('hello world, plain text'))).toBeNull();
    expect(sniffMediaType(new Uint8Array(0))).toBeNull();
  });
});

describe('streamed WAV headers', () => {
  it('reads a WAV whose writer could not seek back to fix the sizes (sox to a pipe)', async () => {
    const { execFileSync } = await import('node:child_process');
    const piped = execFileSync('sox', ['-n', '-r', '16000', '-b', '16', '-t', 'wav', '-', 'synth', '1.5', 'sine', '440'], { stdio: ['ignore', 'pipe', 'ignore'] });
    expect(piped.readUInt32LE(40)).toBeGreaterThan(0x7fff0000);
    const { decodeAudio } = await import('../src/inference/media/audio.js');
    const decoded = await decodeAudio(new Uint8Array(piped), { targetSampleRate: 16000, maxSeconds: 10 });
    expect(decoded.durationSeconds).toBeCloseTo(1.5, 2);
  });
});
