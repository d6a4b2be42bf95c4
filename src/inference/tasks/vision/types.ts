/** The vision and embedding tasks' public shapes, re-exported from src/inference/types.ts. */
import type { RunStats } from '../../types.js';

export interface ScoredLabel {
  label: string;
  score: number;
}

export interface ClassificationResult {
  /** Highest score first. */
  labels: ScoredLabel[];
  model: string;
  stats: RunStats;
}

export type EmbeddingModality = 'TEXT' | 'IMAGE';

export interface EmbeddingInput {
  text?: string;
  image?: Uint8Array;
}

export interface EmbeddingResult {
  vector: Float32Array;
  model: string;
  dimension: number;
  modality: EmbeddingModality;
  stats: RunStats;
}
