/**
 * RIFF/WAVE reading: the header walk (sizes are known before a sample is touched) and a
 * typed-array decode that mixes every channel down to mono in one pass. wavefile reads the
 * same files, but its per-sample unpacking costs ~0.9 s per minute of 44.1 kHz stereo; this
 * loop costs tens of milliseconds. The tests hold the two to the same output.
 */
import { TesseraError } from '../../errors.js';

export type WavEncoding = 'pcm' | 'float' | 'alaw' | 'mulaw';

export interface WavHeader {
  /** The fmt chunk's format code, after unwrapping WAVE_FORMAT_EXTENSIBLE. */
  formatCode: number;
  /** Null when the format is one this decoder does not handle (ADPCM, MP3-in-WAV, ...). */
  encoding: WavEncoding | null;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Bytes per sample of one channel as stored. */
  containerBytes: number;
  blockAlign: number;
  littleEndian: boolean;
  dataOffset: number;
  dataBytes: number;
  frames: number;
  durationSeconds: number;
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Writers streaming to a pipe cannot seek back to fill in the size; they leave one of these. */
const STREAMING_PLACEHOLDER = 0x7fff0000;
const UNKNOWN_SIZES = new Set([0, 0xffffffff]);

/** Rates and channel counts real recordings use; outside them a header is a trick, not audio. */
export const WAV_BOUNDS = { minSampleRate: 1000, maxSampleRate: 384_000, maxChannels: 8 } as const;

const corrupt = (message: string) => new TesseraError('BAD_USER_INPUT', `The WAV file is corrupt: ${message}`);

function tag(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}

function encodingOf(code: number, containerBytes: number): WavEncoding | null {
  if (code === FORMAT_PCM && containerBytes >= 1 && containerBytes <= 4) return 'pcm';
  if (code === FORMAT_FLOAT && (containerBytes === 4 || containerBytes === 8)) return 'float';
  if (code === FORMAT_ALAW && containerBytes === 1) return 'alaw';
  if (code === FORMAT_MULAW && containerBytes === 1) return 'mulaw';
  return null;
}

export function readWavHeader(bytes: Uint8Array): WavHeader {
  if (bytes.length < 12) throw corrupt('shorter than a RIFF header.');
  const riff = tag(bytes, 0);
  if ((riff !== 'RIFF' && riff !== 'RIFX' && riff !== 'RF64') || tag(bytes, 8) !== 'WAVE') {
    throw corrupt('no RIFF/WAVE signature.');
  }
  const littleEndian = riff !== 'RIFX';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let fmt: Omit<WavHeader, 'dataOffset' | 'dataBytes' | 'frames' | 'durationSeconds'> | null = null;
  let rf64DataBytes: number | null = null;
  let dataOffset = -1;
  let dataBytes = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(bytes, offset);
    const size = view.getUint32(offset + 4, littleEndian);
    const body = offset + 8;
    if (id === 'ds64' && body + 24 <= bytes.length) {
      rf64DataBytes = Number(view.getBigUint64(body + 8, true));
    } else if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw corrupt('the fmt chunk is truncated.');
      let formatCode = view.getUint16(body, littleEndian);
      const channels = view.getUint16(body + 2, littleEndian);
      const sampleRate = view.getUint32(body + 4, littleEndian);
      const blockAlign = view.getUint16(body + 12, littleEndian);
      const bitsPerSample = view.getUint16(body + 14, littleEndian);
      if (formatCode === FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 40 > bytes.length) throw corrupt('the extensible fmt chunk is truncated.');
        // The subformat GUID begins with the plain format code.
        formatCode = view.getUint16(body + 24, littleEndian);
      }
      if (channels === 0) throw corrupt('zero channels.');
      if (sampleRate === 0) throw corrupt('a sample rate of zero.');
      if (sampleRate < WAV_BOUNDS.minSampleRate || sampleRate > WAV_BOUNDS.maxSampleRate) {
        throw new TesseraError(
          'BAD_USER_INPUT',
          `The WAV sample rate is ${sampleRate} Hz; this server reads ${WAV_BOUNDS.minSampleRate}–${WAV_BOUNDS.maxSampleRate} Hz.`,
          { sampleRate },
        );
      }
      if (channels > WAV_BOUNDS.maxChannels) {
        throw new TesseraError('BAD_USER_INPUT', `The WAV file has ${channels} channels; this server reads at most ${WAV_BOUNDS.maxChannels}.`, { channels });
      }
      if (blockAlign === 0 || blockAlign % channels !== 0) throw corrupt(`block size ${blockAlign} for ${channels} channels.`);
      const containerBytes = blockAlign / channels;
      fmt = {
        formatCode,
        encoding: encodingOf(formatCode, containerBytes),
        channels,
        sampleRate,
        bitsPerSample,
        containerBytes,
        blockAlign,
        littleEndian,
      };
    } else if (id === 'data') {
      dataOffset = body;
      const available = bytes.length - body;
      if (riff === 'RF64' && size === 0xffffffff && rf64DataBytes !== null) dataBytes = rf64DataBytes;
      // Streaming writers (sox to a pipe, some recorders) cannot seek back to fix the size and
      // leave a huge placeholder; the data then simply runs to the end of the file.
      else if (UNKNOWN_SIZES.has(size) || size >= STREAMING_PLACEHOLDER) dataBytes = available;
      else dataBytes = size;
      if (dataBytes > available) {
        throw corrupt(`the data chunk declares ${dataBytes} bytes but ${available} are present (truncated upload?).`);
      }
      if (fmt) break;
    }
    // Chunks are padded to an even length.
    offset = body + size + (size & 1);
    if (size === 0xffffffff) break;
  }
  if (!fmt) throw corrupt('no fmt chunk.');
  if (dataOffset < 0) throw corrupt('no data chunk.');
  const frames = Math.floor(dataBytes / fmt.blockAlign);
  return { ...fmt, dataOffset, dataBytes, frames, durationSeconds: frames / fmt.sampleRate };
}

let muLawTable: Float32Array | null = null;
let aLawTable: Float32Array | null = null;

/** G.711 µ-law: bits are inverted; 3 exponent bits scale a 4-bit mantissa over a 0x84 bias. */
function muLaw(): Float32Array {
  if (muLawTable) return muLawTable;
  muLawTable = new Float32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const u = ~byte & 0xff;
    const exponent = (u >> 4) & 0x7;
    const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
    muLawTable[byte] = (u & 0x80 ? -magnitude : magnitude) / 32768;
  }
  return muLawTable;
}

/** G.711 A-law: even bits are toggled; segment 0 is linear, the rest double per segment. */
function aLaw(): Float32Array {
  if (aLawTable) return aLawTable;
  aLawTable = new Float32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const a = byte ^ 0x55;
    const exponent = (a >> 4) & 0x7;
    const mantissa = a & 0x0f;
    const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
    aLawTable[byte] = (a & 0x80 ? magnitude : -magnitude) / 32768;
  }
  return aLawTable;
}

/** Mono samples in [-1, 1]: each frame's channels averaged. */
export function decodeWavMono(bytes: Uint8Array, header: WavHeader): Float32Array {
  const { channels, frames, containerBytes, blockAlign, littleEndian, dataOffset, encoding } = header;
  if (encoding === null) throw new Error(`WAV format 0x${header.formatCode.toString(16)} has no decoder here`);
  const out = new Float32Array(frames);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, frames * blockAlign);
  const gain = 1 / channels;

  if (encoding === 'alaw' || encoding === 'mulaw') {
    const table = encoding === 'alaw' ? aLaw() : muLaw();
    const base = dataOffset;
    for (let f = 0, p = base; f < frames; f++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += table[bytes[p++]];
      out[f] = sum * gain;
    }
    return out;
  }

  if (encoding === 'float') {
    const wide = containerBytes === 8;
    for (let f = 0, p = 0; f < frames; f++) {
      let sum = 0;
      for (let c = 0; c < channels; c++, p += containerBytes) {
        const v = wide ? view.getFloat64(p, littleEndian) : view.getFloat32(p, littleEndian);
        // Float WAVs may overshoot full scale, and NaN would poison every later filter tap.
        sum += v > 1 ? 1 : v < -1 ? -1 : v === v ? v : 0;
      }
      out[f] = sum * gain;
    }
    return out;
  }

  switch (containerBytes) {
    case 1: {
      // 8-bit PCM is the one unsigned width, centred on 128.
      const base = dataOffset;
      for (let f = 0, p = base; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += bytes[p++] - 128;
        out[f] = (sum * gain) / 128;
      }
      return out;
    }
    case 2: {
      for (let f = 0, p = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++, p += 2) sum += view.getInt16(p, littleEndian);
        out[f] = (sum * gain) / 32768;
      }
      return out;
    }
    case 3: {
      const base = dataOffset;
      for (let f = 0, p = base; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++, p += 3) {
          const v = littleEndian
            ? bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)
            : bytes[p + 2] | (bytes[p + 1] << 8) | (bytes[p] << 16);
          sum += (v << 8) >> 8;
        }
        out[f] = (sum * gain) / 8388608;
      }
      return out;
    }
    default: {
      for (let f = 0, p = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++, p += 4) sum += view.getInt32(p, littleEndian);
        out[f] = (sum * gain) / 2147483648;
      }
      return out;
    }
  }
}
