/**
 * The model.json for files pulled from a hub: checksums from the download, signatures
 * read from the ONNX files themselves, so the manifest matches what is on disk by
 * construction and the engine's checks guard it from then on.
 */
import { stat, writeFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { readDecoderConfig } from '../inference/generation/model-config.js';
import { isOnnxPath, MANIFEST_FILE, parseManifest, type ManifestInput, type ModelManifest } from '../inference/repository/manifest.js';
import { signatureFromMetadata } from '../inference/repository/signature.js';
import { SessionSet } from '../inference/runtime/session-set.js';
import type { Modality, Task } from '../inference/types.js';
import { planLmBatching } from '../inference/generation/batching-plan.js';

const MODALITIES: Record<Task, { inputModalities: Modality[]; outputModalities: Modality[] }> = {
  OCR: { inputModalities: ['IMAGE'], outputModalities: ['TEXT', 'BOXES'] },
  VAD: { inputModalities: ['AUDIO'], outputModalities: ['SEGMENTS'] },
  TEXT_GENERATION: { inputModalities: ['TEXT'], outputModalities: ['TEXT', 'TOKENS'] },
  TENSOR: { inputModalities: ['EMBEDDING'], outputModalities: ['EMBEDDING'] },
  IMAGE_CLASSIFICATION: { inputModalities: ['IMAGE'], outputModalities: ['LABELS'] },
  ZERO_SHOT_IMAGE_CLASSIFICATION: { inputModalities: ['IMAGE', 'TEXT'], outputModalities: ['LABELS', 'EMBEDDING'] },
  TEXT_EMBEDDING: { inputModalities: ['TEXT'], outputModalities: ['EMBEDDING'] },
  SPEECH_RECOGNITION: { inputModalities: ['AUDIO'], outputModalities: ['TEXT', 'SEGMENTS'] },
  IMAGE_CAPTIONING: { inputModalities: ['IMAGE'], outputModalities: ['TEXT'] },
  TEXT_TO_SPEECH: { inputModalities: ['TEXT'], outputModalities: ['AUDIO'] },
  IMAGE_TEXT_TO_TEXT: { inputModalities: ['IMAGE', 'TEXT'], outputModalities: ['TEXT'] },
};

/** `onnx/model.onnx` → `model`, `config.json` → `config`; the full path when short names collide. */
export function fileKeys(paths: string[]): Record<string, string> {
  const short = (path: string) => basename(path).replace(/\.(onnx|json)$/i, '').replace(/[^A-Za-z0-9_.-]/g, '_');
  const long = (path: string) => path.replace(/\.(onnx|json)$/i, '').replace(/[^A-Za-z0-9_.-]/g, '_');
  const counts = new Map<string, number>();
  for (const path of paths) counts.set(short(path), (counts.get(short(path)) ?? 0) + 1);
  return Object.fromEntries(paths.map((path) => [path, counts.get(short(path))! > 1 ? long(path) : short(path)]));
}

export interface PulledModel {
  dir: string;
  name: string;
  task: Task;
  hubId: string;
  revision: string;
  license: string;
  files: { path: string; sha256: string }[];
  /** A `batching` block to keep (the operator's, from the manifest a `--force` pull replaces). */
  keptBatching?: ManifestInput['batching'];
}

/** A decoder LM's batching, from its graph's inputs, its config.json, its size and this machine's memory. */
async function lmBatching(model: PulledModel, signature: NonNullable<ManifestInput['signature']>) {
  const weightBytes = (await Promise.all(model.files.map((f) => stat(join(model.dir, f.path))))).reduce((sum, s) => sum + s.size, 0);
  const graph = Object.values(signature)[0];
  return planLmBatching({
    inputNames: graph?.inputs.map((i) => i.name) ?? [],
    config: await readDecoderConfig(model.dir),
    weightBytes,
    totalMemoryBytes: totalmem(),
  });
}

export async function writePulledManifest(model: PulledModel): Promise<ModelManifest> {
  const keys = fileKeys(model.files.map((f) => f.path));
  const files: ManifestInput['files'] = {};
  const signature: NonNullable<ManifestInput['signature']> = {};
  const sessions = new SessionSet();
  try {
    for (const file of model.files) {
      const key = keys[file.path];
      files[key] = { path: file.path, sha256: file.sha256 };
      if (isOnnxPath(file.path)) {
        const report = await sessions.load({ [key]: join(model.dir, file.path) }, { executionProvider: 'cpu', intraOpThreads: 1 });
        signature[key] = signatureFromMetadata(report.metadata[key]);
        await sessions.release();
      }
    }
  } finally {
    await sessions.release();
  }
  const plan = model.task === 'TEXT_GENERATION' ? await lmBatching(model, signature) : undefined;
  const manifest: ManifestInput = {
    name: model.name,
    task: model.task,
    description: `Pulled from ${model.hubId} at ${model.revision}.`,
    ...MODALITIES[model.task],
    source: `${model.hubId}@${model.revision}`,
    hubId: model.hubId,
    license: model.license,
    preload: false,
    files,
    signature,
    ...(model.keptBatching ? { batching: model.keptBatching } : plan ? { batching: plan.batching } : {}),
    ...(plan?.unbatchedReason && !model.keptBatching ? { batchingUnavailable: plan.unbatchedReason } : {}),
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const path = join(model.dir, MANIFEST_FILE);
  const parsed = parseManifest(text, path, model.name);
  await writeFile(path, text);
  return parsed;
}
