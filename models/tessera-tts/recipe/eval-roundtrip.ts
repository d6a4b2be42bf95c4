/**
 * The model card's figures, from the repository root:
 *   npx tsx models/tessera-tts/recipe/eval-roundtrip.ts > models/tessera-tts/recipe/eval.json
 * Each held-out sentence (heldout.json) is synthesized by the exported voice, encoded as WAV and
 * transcribed by tessera-asr through the engine; WER is word edits over reference words, beside
 * the WER of espeak-ng's own reading of the same sentences (what the voice imitates). Silero
 * VAD's speech share of each clip, the real-time factor and the time to the first audio chunk
 * of a 20-word sentence (median of three) come from the same run; the real-time factor is given
 * in wall-clock and in CPU seconds, since the machine the card was measured on was shared.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { synthesize, synthesizeToEnd } from '../../../src/inference/tasks/tts/index.js';
import { wordEditDistance } from '../../../test/fixtures/asr-speech/word-error-rate.js';
import { encodeWav, openRoundTrip, speechCoverage, transcribeWav } from '../../../test/fixtures/tts/round-trip.js';

const TWENTY_WORDS = 'the quick brown fox jumps over the lazy dog while my friend reads a book about seven green trees today';

async function main(): Promise<void> {
  const sentences = JSON.parse(readFileSync('models/tessera-tts/recipe/heldout.json', 'utf8')) as string[];
  const trip = await openRoundTrip();
  try {
    const rows = [];
    let edits = 0;
    let espeakEdits = 0;
    let words = 0;
    let audioSeconds = 0;
    let synthSeconds = 0;
    let synthCpuSeconds = 0;
    for (const text of sentences) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const result = await synthesizeToEnd(trip.voice, text);
      synthSeconds += (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      synthCpuSeconds += (used.user + used.system) / 1e6;
      audioSeconds += result.durationSeconds;
      const wav = encodeWav(result.samples, result.sampleRate);
      const heard = await transcribeWav(trip.engine, wav);
      const reference = text.split(' ');
      const distance = wordEditDistance(reference, heard.split(/\s+/).filter(Boolean));
      edits += distance;
      words += reference.length;
      // The same sentence from espeak-ng itself, the voice this model imitates: the recogniser's own floor.
      const original = new Uint8Array(execFileSync('espeak-ng', ['--stdout', '-v', 'en-us', '-s', '165', text]));
      const heardOriginal = await transcribeWav(trip.engine, original);
      espeakEdits += wordEditDistance(reference, heardOriginal.split(/\s+/).filter(Boolean));
      rows.push({ text, heard, heardFromEspeak: heardOriginal, wordErrors: distance, seconds: result.durationSeconds, speechShare: await speechCoverage(trip.engine, wav) });
    }
    const firstAudio: number[] = [];
    const firstAudioCpu: number[] = [];
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      for await (const chunk of synthesize(trip.voice, TWENTY_WORDS)) {
        if (chunk.sequence !== 0) continue;
        firstAudio.push(performance.now() - started);
        const used = process.cpuUsage(cpu);
        firstAudioCpu.push((used.user + used.system) / 1000);
      }
    }
    firstAudio.sort((a, b) => a - b);
    firstAudioCpu.sort((a, b) => a - b);
    const shares = rows.map((r) => r.speechShare);
    const summary = {
      sentences: rows.length,
      wordErrorRate: edits / words,
      espeakWordErrorRate: espeakEdits / words,
      speechShareMean: shares.reduce((a, b) => a + b, 0) / shares.length,
      speechShareMin: Math.min(...shares),
      realTimeFactor: synthSeconds / audioSeconds,
      // CPU seconds per audio second: what the wall-clock figure would be on an idle core.
      cpuRealTimeFactor: synthCpuSeconds / audioSeconds,
      timeToFirstAudioMs20Words: firstAudio[1],
      timeToFirstAudioCpuMs20Words: firstAudioCpu[1],
      rows,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await trip.close();
  }
}

void main();
