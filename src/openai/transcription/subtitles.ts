/**
 * Transcript segments as subtitle files: SubRip (`00:00:01,500`, numbered cues) and WebVTT
 * (`00:00:01.500`, a header). Both are what `response_format` srt and vtt answer.
 */
import type { TranscriptSegment } from '../../inference/types.js';

function clock(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}

const cue = (segment: TranscriptSegment, separator: ',' | '.') =>
  `${clock(segment.start, separator)} --> ${clock(segment.end, separator)}\n${segment.text.trim()}\n`;

export function toSrt(segments: TranscriptSegment[]): string {
  return segments.map((segment, i) => `${i + 1}\n${cue(segment, ',')}`).join('\n');
}

export function toVtt(segments: TranscriptSegment[]): string {
  return ['WEBVTT\n', ...segments.map((segment) => cue(segment, '.'))].join('\n');
}
