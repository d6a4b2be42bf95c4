/**
 * Which model a request uses, decided once for every task: the one the client named
 * (which must serve the task), or else the repository's default for the task.
 */
import { badInput, modelNotFound, TesseraError } from '../errors.js';
import type { EmbeddingModality, ModelInfo, Task } from './types.js';

function named(models: readonly ModelInfo[], name: string): ModelInfo {
  const info = models.find((m) => m.name === name);
  if (!info) throw modelNotFound(name);
  return info;
}

/** The named model, else the first ready model of the task, then the first that can still load. */
export function chooseModel(models: readonly ModelInfo[], task: Task, name?: string): ModelInfo {
  if (name !== undefined) {
    const info = named(models, name);
    if (info.task !== task) throw badInput(`Model "${name}" serves ${info.task}, not ${task}.`, { model: name, task: info.task, requested: task });
    return info;
  }
  const candidates = models.filter((m) => m.task === task);
  const pick =
    candidates.find((m) => m.status === 'READY') ?? candidates.find((m) => m.status === 'LOADING' || m.status === 'UNLOADED') ?? candidates[0];
  if (!pick) throw new TesseraError('MODEL_NOT_FOUND', `No ${task} model is in the model repository.`, { task });
  return pick;
}

/**
 * The model that embeds `modality`: the one named (a dual encoder, or a TEXT_EMBEDDING
 * model for text), else the default dual encoder, else (text only) the default
 * TEXT_EMBEDDING model. Vectors are comparable only between calls on the same model.
 */
export function chooseEmbeddingModel(models: readonly ModelInfo[], modality: EmbeddingModality, name?: string): ModelInfo {
  if (name !== undefined) {
    const info = named(models, name);
    if (info.task === 'ZERO_SHOT_IMAGE_CLASSIFICATION' || (info.task === 'TEXT_EMBEDDING' && modality === 'TEXT')) return info;
    const can = modality === 'TEXT' ? 'ZERO_SHOT_IMAGE_CLASSIFICATION or TEXT_EMBEDDING' : 'ZERO_SHOT_IMAGE_CLASSIFICATION';
    throw badInput(`Model "${name}" serves ${info.task}; ${modality} embeddings need a ${can} model.`, { model: name, task: info.task, modality });
  }
  const hasDualEncoder = models.some((m) => m.task === 'ZERO_SHOT_IMAGE_CLASSIFICATION');
  return chooseModel(models, modality === 'TEXT' && !hasDualEncoder ? 'TEXT_EMBEDDING' : 'ZERO_SHOT_IMAGE_CLASSIFICATION');
}
