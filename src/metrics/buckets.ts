/**
 * Histogram buckets. Token timings live in milliseconds (a decode step is a few ms on CPU),
 * request timings in seconds to minutes (a long transcription), so each gets its own scale.
 */
export const TOKEN_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
export const REQUEST_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
export const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64];
