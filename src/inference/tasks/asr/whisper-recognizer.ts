import type { ModelManifest } from '../../repository/manifest.js';
import type { OpenedModel } from '../../runtime/model-loader.js';
import type { Recognizer } from './types.js';

export async function openWhisperRecognizer(manifest: ModelManifest, _opened: OpenedModel): Promise<Recognizer> {
  throw new Error(`${manifest.name}: Whisper-style models are not wired yet`);
}
