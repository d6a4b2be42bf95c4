/** Messages between a decode-thread generator and its worker thread: plain data only. */
import type { PreparedGeneration } from '../generation/front.js';
import type { LoopStats } from '../generation/loop.js';
import type { PrefixCacheStats } from '../generation/prefix-cache.js';
import type { DecoderSignature } from '../generation/signature.js';
import type { TextGeneratorOptions } from '../generation/text-generator.js';
import type { GenerationEvent } from '../generation/types.js';
import type { SessionSettings } from '../runtime/options.js';
import type { ExecutionProviderName } from '../types.js';

/** Where the worker finds the model and how it sizes the loop. */
export interface DecodeThreadSpec
  extends Pick<TextGeneratorOptions, 'graphFile' | 'maxBatchSize' | 'tokenBudget' | 'maxQueue' | 'prefixCacheBytes' | 'prefixBlockTokens'> {
  dir: string;
  /** How the sessions open (the thread creates them itself: a function cannot cross). */
  settings: SessionSettings;
  /** The token embedding graph of a decoder that takes inputs_embeds (vision-language models). */
  embedder?: { file: string; imageTokenId: number };
}

export interface WireError {
  code: string;
  message: string;
}

export type ToDecodeThread =
  | { op: 'load'; spec: DecodeThreadSpec }
  /** A request passed its checks on the server's thread; its `start` follows once its row is written. */
  | { op: 'expect' }
  | { op: 'start'; id: number; prepared: PreparedGeneration; imageFeatures?: Float32Array; failure?: WireError }
  | { op: 'cancel'; id: number }
  | { op: 'close' };

export interface DecodeThreadLoaded {
  op: 'loaded';
  maxBatchSize: number;
  signature: DecoderSignature;
  executionProvider: ExecutionProviderName;
  fallbackReasons: string[];
  prefixCache: PrefixCacheStats;
}

export type FromDecodeThread =
  | DecodeThreadLoaded
  | { op: 'load-failed'; error: WireError }
  /** Every event produced since the last message, in order, with the loop's counters after them. */
  | { op: 'events'; items: [id: number, event: GenerationEvent][]; stats: LoopStats; prefixCache: PrefixCacheStats }
  | { op: 'log'; level: 'info' | 'warn' | 'error'; details: object; message?: string }
  | { op: 'closed' };
