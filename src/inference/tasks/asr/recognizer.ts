/**
 * Picks the recogniser family from the graphs a model folder holds: `input_values` is a
 * Wav2Vec2-style CTC model, `input_features` a Whisper-style encoder with its decoder.
 */
import type { ModelManifest } from '../../repository/manifest.js';
import type { OpenedModel } from '../../runtime/model-loader.js';
import { CtcRecognizer } from './ctc-recognizer.js';
import { graphWithInput, readJsonFile } from './model-files.js';
import type { Recognizer } from './types.js';
import { openWhisperRecognizer } from './whisper-recognizer.js';

export async function openRecognizer(manifest: ModelManifest, opened: OpenedModel): Promise<Recognizer> {
  const { pool, files } = opened;
  const ctcGraph = graphWithInput(pool.metadata, 'input_values');
  if (ctcGraph) {
    const [vocab, config, preprocessor] = await Promise.all([
      readJsonFile(files, 'vocab.json', true),
      readJsonFile(files, 'config.json', false),
      readJsonFile(files, 'preprocessor_config.json', false),
    ]);
    return CtcRecognizer.create(pool.runner(ctcGraph, `${manifest.name}/${ctcGraph}`), vocab, config, preprocessor, manifest.settings);
  }
  if (graphWithInput(pool.metadata, 'input_features')) return openWhisperRecognizer(manifest, opened);
  throw new Error(
    'speech recognition models need a CTC graph with an input_values input, or a Whisper-style encoder with input_features and a decoder',
  );
}
