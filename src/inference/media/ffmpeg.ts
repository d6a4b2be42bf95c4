/**
 * Compressed and container audio (MP3, Ogg, FLAC, WebM, MP4...) through an ffmpeg process:
 * it decodes, downmixes and resamples in one pass and streams raw float samples back.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '../../errors.js';

export interface FfmpegDecodeOptions {
  targetSampleRate: number;
  maxSeconds: number;
  /** The executable; `ffmpeg` from PATH unless told otherwise. */
  command?: string;
  /** Used in messages only. */
  contentType?: string | null;
}

/** Codecs pad a few frames (an MP3's encoder delay is ~26 ms), so a clip at the limit may decode a hair over it. */
const CODEC_SLACK_SECONDS = 0.1;

const INSTALL_HINT = 'install ffmpeg on the server (Debian/Ubuntu: apt-get install ffmpeg) or send 16-bit PCM WAV';

export async function decodeWithFfmpeg(bytes: Uint8Array, options: FfmpegDecodeOptions): Promise<Float32Array> {
  const { targetSampleRate, maxSeconds } = options;
  const what = options.contentType ?? 'audio';
  // A file rather than stdin: MP4/M4A keep their index at the end and need a seekable input.
  const dir = await mkdtemp(join(tmpdir(), 'tessera-audio-'));
  const inputPath = join(dir, 'input');
  try {
    await writeFile(inputPath, bytes);
    return await new Promise<Float32Array>((resolve, reject) => {
      const maxSamples = Math.ceil((maxSeconds + CODEC_SLACK_SECONDS) * targetSampleRate);
      const child = spawn(
        options.command ?? 'ffmpeg',
        [
          ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', inputPath],
          ...['-vn', '-map', '0:a:0', '-ac', '1', '-ar', String(targetSampleRate)],
          ...['-f', 'f32le', '-acodec', 'pcm_f32le', 'pipe:1'],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const chunks: Buffer[] = [];
      let received = 0;
      let stderr = '';
      let failure: TesseraError | null = null;

      child.stdout.on('data', (chunk: Buffer) => {
        if (failure) return;
        received += chunk.length;
        if (received > maxSamples * 4) {
          // Stop as soon as the stream is provably too long instead of decoding the rest.
          failure = new TesseraError('PAYLOAD_TOO_LARGE', `The ${what} is longer than the ${maxSeconds} s limit.`, {
            maxSeconds,
          });
          child.kill('SIGKILL');
          return;
        }
        chunks.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 8192) stderr += chunk.toString('utf8');
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          failure = new TesseraError('UNSUPPORTED_MEDIA_TYPE', `Decoding ${what} needs ffmpeg, which is not installed: ${INSTALL_HINT}.`, {
            contentType: options.contentType ?? null,
            missing: 'ffmpeg',
          });
        } else {
          failure = new TesseraError('INTERNAL_SERVER_ERROR', `ffmpeg could not be started: ${error.message}`);
        }
        reject(failure);
      });
      child.on('close', (code) => {
        if (failure) return reject(failure);
        if (code !== 0) {
          const reason = stderr.trim().split('\n').slice(-2).join(' ').replaceAll(inputPath, 'input');
          return reject(
            new TesseraError('BAD_USER_INPUT', `The ${what} could not be decoded: ${reason || `ffmpeg exited with ${code}`}`, {
              contentType: options.contentType ?? null,
            }),
          );
        }
        const joined = Buffer.concat(chunks);
        const count = Math.floor(joined.length / 4);
        if (count === 0) {
          return reject(new TesseraError('BAD_USER_INPUT', `The ${what} holds no audio samples.`));
        }
        const samples = new Float32Array(count);
        // The joined Buffer may sit at any byte offset; copying into a fresh array aligns it (f32le is host order).
        new Uint8Array(samples.buffer).set(joined.subarray(0, count * 4));
        for (let i = 0; i < count; i++) {
          const v = samples[i];
          samples[i] = v > 1 ? 1 : v < -1 ? -1 : v === v ? v : 0;
        }
        resolve(samples);
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
