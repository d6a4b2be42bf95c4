/**
 * `POST /v1/audio/transcriptions`: a multipart upload (file, model, language, response_format)
 * through the GraphQL resolver's transcription path — same media checks, row and lifecycle —
 * answered as json, text, verbose_json (with segments), srt or vtt.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { transcribeAudio } from '../../resolvers/transcription.js';
import type { TranscribeAudioPayloadShape } from '../../contracts/events.js';
import { readForm, validate } from '../body.js';
import { badParam } from '../errors.js';
import { sendJson, type Endpoint } from '../endpoint.js';
import { toSrt, toVtt } from './subtitles.js';

const fields = z.object({
  model: z.string().min(1),
  language: z.string().optional(),
  response_format: z.enum(['json', 'text', 'srt', 'verbose_json', 'vtt']).default('json'),
  prompt: z.string().optional(),
  temperature: z.coerce.number().optional(),
  stream: z.enum(['true', 'false']).optional(),
  'timestamp_granularities[]': z.array(z.string()).optional(),
});

type Format = z.infer<typeof fields>['response_format'];

function refuseUnsupported(form: z.infer<typeof fields>): void {
  if (form.prompt) throw badParam('prompt', 'prompt is not supported by these speech models.');
  if (form.temperature !== undefined && form.temperature !== 0) throw badParam('temperature', 'Only temperature 0 is supported: transcription is greedy.');
  if (form.stream === 'true') throw badParam('stream', 'Streamed transcription is not supported on this endpoint; use GraphQL transcribe.');
  if (form['timestamp_granularities[]']?.some((g) => g !== 'segment')) throw badParam('timestamp_granularities', 'Only segment timestamps are supported.');
}

function answer(res: ServerResponse, format: Format, result: TranscribeAudioPayloadShape, language: string | undefined): void {
  const plain = (text: string, type: string) => {
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8` });
    res.end(text);
  };
  if (format === 'text') return plain(`${result.text}\n`, 'text/plain');
  if (format === 'srt') return plain(toSrt(result.segments), 'application/x-subrip');
  if (format === 'vtt') return plain(toVtt(result.segments), 'text/vtt');
  if (format === 'json') return sendJson(res, { text: result.text });
  sendJson(res, {
    task: 'transcribe',
    language: language ?? null,
    duration: result.durationSeconds,
    text: result.text,
    segments: result.segments.map((segment, id) => ({ id, seek: 0, start: segment.start, end: segment.end, text: segment.text })),
  });
}

export const transcriptions: Endpoint = {
  method: 'POST',
  path: /^\/v1\/audio\/transcriptions$/,
  access: { scope: 'infer', generates: true },
  async handle(ctx, req, res) {
    const form = await readForm(req, ctx.config.MAX_BODY_BYTES);
    const file = form.get('file');
    if (!(file instanceof File)) throw badParam('file', 'Send the audio as the multipart field "file".');
    const granularities = form.getAll('timestamp_granularities[]');
    const entries = Object.fromEntries([...form.entries()].filter(([key, value]) => key !== 'file' && key !== 'timestamp_granularities[]' && typeof value === 'string'));
    const parsed = validate(fields, { ...entries, ...(granularities.length ? { 'timestamp_granularities[]': granularities } : {}) });
    refuseUnsupported(parsed);
    const result = await transcribeAudio(ctx, { audio: { file }, model: parsed.model, language: parsed.language });
    answer(res, parsed.response_format, result, parsed.language);
  },
};
