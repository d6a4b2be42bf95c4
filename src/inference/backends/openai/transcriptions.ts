/**
 * SPEECH_RECOGNITION through an OpenAI-compatible `/audio/transcriptions`: one window of
 * audio as a 16-bit PCM WAV in a multipart form, `verbose_json` asked for so the segments
 * come with their times (a server that answers plain `{text}` gives one segment for the
 * window).
 */
import wavefile from 'wavefile';
import type { TranscriptSegment } from '../../types.js';
import { callUpstreamJson, type Upstream } from '../upstream.js';

interface TranscriptionReply {
  text?: string;
  segments?: { start: number; end: number; text: string }[];
}

function pcm16Wav(samples: Float32Array, sampleRate: number): Uint8Array {
  const pcm = Int16Array.from(samples, (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, sampleRate, '16', pcm);
  return wav.toBuffer();
}

export async function fetchTranscription(
  upstream: Upstream,
  model: string,
  window: { samples: Float32Array; sampleRate: number; language?: string },
  signal: AbortSignal,
): Promise<TranscriptSegment[]> {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(pcm16Wav(window.samples, window.sampleRate))], { type: 'audio/wav' }), 'window.wav');
  form.set('model', model);
  form.set('response_format', 'verbose_json');
  if (window.language) form.set('language', window.language);
  const reply = await callUpstreamJson<TranscriptionReply>(upstream, 'audio/transcriptions', { form, signal });
  if (reply.segments && reply.segments.length > 0) return reply.segments.map((s) => ({ start: s.start, end: s.end, text: s.text.trim() }));
  const text = (reply.text ?? '').trim();
  return text ? [{ start: 0, end: window.samples.length / window.sampleRate, text }] : [];
}
