/**
 * The special tokens a Whisper decoder is steered with, read from generation_config.json
 * (decoder_start_token_id, lang_to_id, task_to_id, no_timestamps_token_id, eos_token_id,
 * suppress lists) with tokenizer.json's added tokens as the fallback for each.
 */
import { badInput } from '../../../errors.js';
import type { Json } from './model-files.js';

export interface WhisperVocabulary {
  startOfTranscript: number;
  endOfText: number;
  transcribe: number | undefined;
  noTimestamps: number | undefined;
  /** <|0.00|>; timestamps are consecutive ids from here, `timePrecision` seconds apart. */
  timestampBegin: number | undefined;
  timePrecision: number;
  /** Language code ("en") → token id; empty for English-only models. */
  languages: Map<string, number>;
  /** Ids that are never text: every added token. */
  special: Set<number>;
  suppress: number[];
  beginSuppress: number[];
  maxLength: number;
}

function idList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
}

export function whisperVocabulary(generation: Json, tokenizer: Json): WhisperVocabulary {
  const added = new Map<string, number>();
  for (const token of (tokenizer.added_tokens as { id: number; content: string }[] | undefined) ?? []) added.set(token.content, token.id);
  const need = (value: number | undefined, content: string): number => {
    const id = value ?? added.get(content);
    if (id === undefined) throw new Error(`neither generation_config.json nor tokenizer.json gives the id of ${content}`);
    return id;
  };
  const num = (key: string) => (typeof generation[key] === 'number' ? (generation[key] as number) : undefined);
  const languages = new Map<string, number>();
  const langToId = (generation.lang_to_id ?? {}) as Record<string, number>;
  for (const [token, id] of Object.entries(langToId)) languages.set(token.replace(/^<\|(.*)\|>$/, '$1'), id);
  if (generation.lang_to_id === undefined && generation.is_multilingual !== false) {
    // Older exports only have the tokens themselves.
    for (const [content, id] of added) if (/^<\|[a-z]{2,3}(-[a-z]+)?\|>$/.test(content) && content !== '<|nocaptions|>') languages.set(content.slice(2, -2), id);
  }
  const taskToId = (generation.task_to_id ?? {}) as Record<string, number>;
  const noTimestamps = num('no_timestamps_token_id') ?? added.get('<|notimestamps|>');
  const timestampBegin = added.get('<|0.00|>') ?? (noTimestamps === undefined ? undefined : noTimestamps + 1);
  return {
    startOfTranscript: need(num('decoder_start_token_id'), '<|startoftranscript|>'),
    endOfText: need(idList(generation.eos_token_id)[0], '<|endoftext|>'),
    // English-only models are prompted without language or task tokens.
    transcribe: taskToId.transcribe ?? (languages.size > 0 ? added.get('<|transcribe|>') : undefined),
    noTimestamps,
    timestampBegin,
    timePrecision: 0.02,
    languages,
    special: new Set(added.values()),
    suppress: idList(generation.suppress_tokens),
    beginSuppress: idList(generation.begin_suppress_tokens),
    maxLength: num('max_length') ?? 448,
  };
}

export function checkWhisperLanguage(vocab: WhisperVocabulary, language: string | undefined): void {
  if (language === undefined) return;
  if (vocab.languages.size === 0) {
    if (language !== 'en') throw badInput(`This model transcribes English only; language "${language}" is not supported.`, { language });
    return;
  }
  if (!vocab.languages.has(language)) {
    throw badInput(`This model does not know language "${language}".`, { language, supported: [...vocab.languages.keys()] });
  }
}

/** <|startoftranscript|> <|xx|>? <|transcribe|>? <|notimestamps|>? */
export function promptTokens(vocab: WhisperVocabulary, languageId: number | undefined, timestamps: boolean): number[] {
  const prompt = [vocab.startOfTranscript];
  if (languageId !== undefined) prompt.push(languageId);
  if (vocab.transcribe !== undefined) prompt.push(vocab.transcribe);
  if (!timestamps && vocab.noTimestamps !== undefined) prompt.push(vocab.noTimestamps);
  return prompt;
}
