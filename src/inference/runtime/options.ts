/**
 * How sessions are created: which execution provider to ask for, thread counts, graph
 * optimisation, and whether sessions live on worker threads or the calling thread.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { ExecutionProviderName } from '../types.js';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface RuntimeOptions {
  executionProvider: ExecutionProviderName;
  /** Threads one operator may use; 1 keeps tests and shared machines fair. */
  intraOpThreads?: number;
  interOpThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * onnxruntime-node runs a session synchronously on the thread that calls it. 'worker'
   * (the default) hosts sessions on worker threads so the event loop keeps serving while
   * a model computes; 'main' runs them in process (fewer copies, blocks the loop).
   * @default 'worker'
   */
  sessionThread?: 'worker' | 'main';
  /**
   * Bytes of prompt-prefix keys/values a text-generation model keeps for later prompts
   * that start the same way; 0 turns the cache off.
   * @default 1/16 of the machine's memory, at most 1 GiB
   */
  prefixCacheBytes?: number;
}

export const EXECUTION_PROVIDERS: readonly ExecutionProviderName[] = ['cpu', 'cuda', 'webgpu'];

/** The plain-data part of RuntimeOptions that crosses to a worker thread. */
export interface SessionSettings {
  executionProvider: ExecutionProviderName;
  intraOpThreads?: number;
  interOpThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
}

export function sessionSettings(options: RuntimeOptions): SessionSettings {
  return {
    executionProvider: options.executionProvider,
    intraOpThreads: options.intraOpThreads,
    interOpThreads: options.interOpThreads,
    graphOptimizationLevel: options.graphOptimizationLevel,
  };
}

export function ortSessionOptions(settings: SessionSettings, provider: ExecutionProviderName): InferenceSession.SessionOptions {
  const options: InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: settings.graphOptimizationLevel ?? 'all',
    // Errors reach us as exceptions; onnxruntime's own warnings would only duplicate them.
    logSeverityLevel: 3,
  };
  // The binding rejects undefined values; 0 means "onnxruntime decides", which is its default anyway.
  if (settings.intraOpThreads) options.intraOpNumThreads = settings.intraOpThreads;
  if (settings.interOpThreads) options.interOpNumThreads = settings.interOpThreads;
  return options;
}
