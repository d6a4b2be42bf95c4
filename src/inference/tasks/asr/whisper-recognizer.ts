/**
 * Whisper-family encoder/decoder recognisers in the Hugging Face ONNX layout: log-mel
 * features of the window → encoder_model.onnx → greedy decoding with the KV cache, from the
 * prompt <|startoftranscript|> <|lang|> <|transcribe|> (<|notimestamps|>), text streamed
 * token by token. Without a requested language a multilingual model's language is detected
 * from the first decoder step, as Whisper does.
 */
import path from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { IncrementalDetokenizer } from '../../generation/detokenizer.js';
import { argmax } from '../../generation/logits-math.js';
import { TextTokenizer } from '../../generation/tokenizer.js';
import type { ModelManifest } from '../../repository/manifest.js';
import type { OpenedModel } from '../../runtime/model-loader.js';
import type { OnnxRunner } from '../../types.js';
import { LogMelExtractor } from './log-mel.js';
import { fileNamed, graphWithInput, readJsonFile } from './model-files.js';
import type { Recognizer, TranscriptSegment, WindowJob, WindowResult } from './types.js';
import { WhisperDecoder, type DecoderGraphs } from './whisper-decoder.js';
import { maskTimestamps, timestampSegments } from './whisper-timestamps.js';
import { checkWhisperLanguage, promptTokens, whisperVocabulary, type WhisperVocabulary } from './whisper-tokens.js';

export interface WhisperSettings {
  /** Decode with timestamp tokens and return the segments they delimit. */
  timestamps: boolean;
  /** Used when a request names none; absent: detected per window. */
  language: string | undefined;
}

function decoderGraphs(opened: OpenedModel, name: string): { graphs: DecoderGraphs; metadataKey: string } {
  const { pool } = opened;
  const keys = Object.keys(pool.metadata).filter((key) => pool.metadata[key].inputs.some((m) => m.name === 'input_ids'));
  const has = (key: string, input: string) => pool.metadata[key].inputs.some((m) => m.name === input);
  const hasPast = (key: string) => pool.metadata[key].inputs.some((m) => m.name.startsWith('past_key_values.'));
  const runner = (key: string) => pool.runner(key, `${name}/${key}`);
  const merged = keys.find((key) => has(key, 'use_cache_branch'));
  if (merged) {
    const r = runner(merged);
    return { graphs: { first: r, next: r, merged: true }, metadataKey: merged };
  }
  const first = keys.find((key) => !hasPast(key));
  const next = keys.find((key) => hasPast(key));
  if (!first || !next) {
    throw new Error(
      'Whisper-style models need onnx/decoder_model_merged.onnx, or decoder_model.onnx with decoder_with_past_model.onnx, listed in files',
    );
  }
  return { graphs: { first: runner(first), next: runner(next), merged: false }, metadataKey: next };
}

export async function openWhisperRecognizer(manifest: ModelManifest, opened: OpenedModel): Promise<Recognizer> {
  const { pool, files } = opened;
  const encoderKey = graphWithInput(pool.metadata, 'input_features')!;
  const { graphs, metadataKey } = decoderGraphs(opened, manifest.name);
  const [config, preprocessor, generation, tokenizerJson] = await Promise.all([
    readJsonFile(files, 'config.json', true),
    readJsonFile(files, 'preprocessor_config.json', true),
    readJsonFile(files, 'generation_config.json', false),
    readJsonFile(files, 'tokenizer.json', true),
  ]);
  const tokenizer = await TextTokenizer.load(path.dirname(fileNamed(files, 'tokenizer.json')!));
  const decoder = new WhisperDecoder(graphs, pool.metadata[metadataKey], config);
  const settings: WhisperSettings = {
    timestamps: manifest.settings.timestamps === true,
    language: typeof manifest.settings.language === 'string' ? manifest.settings.language : undefined,
  };
  const vocab = whisperVocabulary(generation, tokenizerJson);
  if (settings.timestamps && vocab.timestampBegin === undefined) throw new Error('settings.timestamps is set but the tokenizer has no <|0.00|> token');
  checkWhisperLanguage(vocab, settings.language);
  return new WhisperRecognizer(pool.runner(encoderKey, `${manifest.name}/${encoderKey}`), decoder, LogMelExtractor.fromPreprocessor(preprocessor), tokenizer, vocab, settings);
}

export class WhisperRecognizer implements Recognizer {
  readonly sampleRate: number;
  readonly windowSeconds: number;
  /** Added tokens that must never be decoded as output (language, task, … tokens). */
  private readonly blocked: number[];

  constructor(
    private readonly encoder: OnnxRunner,
    private readonly decoder: WhisperDecoder,
    private readonly features: LogMelExtractor,
    private readonly tokenizer: TextTokenizer,
    private readonly vocab: WhisperVocabulary,
    private readonly settings: WhisperSettings,
  ) {
    this.sampleRate = features.config.sampleRate;
    this.windowSeconds = features.config.nSamples / features.config.sampleRate;
    const begin = vocab.timestampBegin ?? Infinity;
    this.blocked = [...vocab.special].filter((id) => id !== vocab.endOfText && !(settings.timestamps && id >= begin));
    this.blocked.push(...vocab.suppress);
  }

  checkLanguage(language: string | undefined): void {
    checkWhisperLanguage(this.vocab, language);
  }

  private async encode(samples: Float32Array, signal: AbortSignal): Promise<Tensor> {
    const { nMels, nFrames } = this.features.config;
    const features = new Tensor('float32', this.features.extract(samples), [1, nMels, nFrames]);
    const outputs = await this.encoder.run({ input_features: features }, signal);
    return outputs.last_hidden_state ?? outputs[this.encoder.outputNames[0]];
  }

  /** The language token for this window: the requested one, the configured one, or the decoder's best guess. */
  private async languageId(language: string | undefined, hidden: Tensor, signal: AbortSignal): Promise<number | undefined> {
    const { languages } = this.vocab;
    if (languages.size === 0) return undefined;
    const wanted = language ?? this.settings.language;
    if (wanted !== undefined) return languages.get(wanted);
    const { logits } = await this.decoder.step([this.vocab.startOfTranscript], hidden, null, signal);
    let best: number | undefined;
    for (const id of languages.values()) if (best === undefined || logits[id] > logits[best]) best = id;
    return best;
  }

  async transcribeWindow(job: WindowJob, signal: AbortSignal): Promise<WindowResult> {
    const duration = job.samples.length / this.sampleRate;
    const hidden = await this.encode(job.samples, signal);
    const prompt = promptTokens(this.vocab, await this.languageId(job.language, hidden, signal), this.settings.timestamps);
    const detokenizer = new IncrementalDetokenizer(this.tokenizer);
    const generated: number[] = [];
    const textIds: number[] = [];
    let { logits, state } = await this.decoder.step(prompt, hidden, null, signal);
    while (prompt.length + generated.length < this.vocab.maxLength) {
      for (const id of this.blocked) logits[id] = -Infinity;
      if (generated.length === 0) for (const id of this.vocab.beginSuppress) logits[id] = -Infinity;
      if (this.settings.timestamps) maskTimestamps(logits, generated, this.vocab);
      const token = argmax(logits);
      if (token < 0 || token === this.vocab.endOfText) break;
      generated.push(token);
      if (!this.vocab.special.has(token)) {
        textIds.push(token);
        const text = detokenizer.push(token);
        if (text) job.onToken?.(text);
      }
      ({ logits, state } = await this.decoder.step([token], hidden, state, signal));
    }
    const tail = detokenizer.flush();
    if (tail) job.onToken?.(tail);
    const decode = (ids: number[]) => this.tokenizer.decode(ids).trim();
    const segments: TranscriptSegment[] = this.settings.timestamps
      ? timestampSegments(generated, this.vocab, duration, decode)
      : [{ start: 0, end: duration, text: decode(textIds) }];
    return { segments };
  }
}
