/**
 * Audio bytes → mono float samples at the rate a model wants. WAV is read in-process
 * (header first, so over-long clips are refused before decoding); every other container goes
 * through ffmpeg when the server has it.
 */
import { TesseraError } from '../../errors.js';
import { decodeWithFfmpeg } from './ffmpeg.js';
import { resample } from './resample.js';
import { sniffMediaType } from './sniff.js';
import { decodeWavMono, readWavHeader } from './wav.js';

export interface DecodedAudio {
  /** Mono, at `sampleRate`, in [-1, 1]. */
  samples: Float32Array;
  sampleRate: number;
  durationSeconds: number;
}

export interface DecodeAudioOptions {
  targetSampleRate: number;
  maxSeconds: number;
}

function tooLong(durationSeconds: number, maxSeconds: number): TesseraError {
  return new TesseraError(
    'PAYLOAD_TOO_LARGE',
    `The audio is ${durationSeconds.toFixed(2)} s long; the limit is ${maxSeconds} s.`,
    { durationSeconds, maxSeconds },
  );
}

export async function decodeAudio(bytes: Uint8Array, options: DecodeAudioOptions): Promise<DecodedAudio> {
  const { targetSampleRate, maxSeconds } = options;
  if (!Number.isInteger(targetSampleRate) || targetSampleRate <= 0) {
    throw new TesseraError('BAD_USER_INPUT', `The target sample rate must be a positive integer, got ${targetSampleRate}.`);
  }
  if (!(maxSeconds > 0)) {
    throw new TesseraError('BAD_USER_INPUT', `The duration limit must be positive, got ${maxSeconds}.`);
  }
  if (bytes.length === 0) throw new TesseraError('BAD_USER_INPUT', 'The audio payload is empty.');

  const contentType = sniffMediaType(bytes);
  if (contentType === 'audio/wav') {
    const header = readWavHeader(bytes);
    if (header.encoding !== null) {
      if (header.durationSeconds > maxSeconds) throw tooLong(header.durationSeconds, maxSeconds);
      if (header.frames === 0) throw new TesseraError('BAD_USER_INPUT', 'The WAV file holds no samples.');
      const mono = decodeWavMono(bytes, header);
      const samples = resample(mono, header.sampleRate, targetSampleRate);
      return { samples, sampleRate: targetSampleRate, durationSeconds: samples.length / targetSampleRate };
    }
    // ADPCM, GSM, MP3-in-WAV and the like: ffmpeg knows them, this file does not (nor their
    // duration, since a block holds a codec-dependent number of samples; ffmpeg's stream is counted).
  } else if (contentType === null) {
    throw new TesseraError('UNSUPPORTED_MEDIA_TYPE', 'The bytes are not an audio format this server recognises.');
  } else if (!contentType.startsWith('audio/') && !contentType.startsWith('video/')) {
    throw new TesseraError('UNSUPPORTED_MEDIA_TYPE', `Expected audio, got ${contentType}.`, { contentType });
  }

  const samples = await decodeWithFfmpeg(bytes, { targetSampleRate, maxSeconds, contentType });
  const durationSeconds = samples.length / targetSampleRate;
  return { samples, sampleRate: targetSampleRate, durationSeconds };
}
