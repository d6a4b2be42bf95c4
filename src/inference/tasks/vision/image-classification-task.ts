/** IMAGE_CLASSIFICATION: an image scored against the classifier's own labels, batched per image size. */
import type { ClassificationResult, RunOptions } from '../../types.js';
import { bindPooled, onlyGraph } from '../pooled.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';
import { ImageClassifier } from './image-classifier.js';
import { checkTopK } from './validate.js';

export interface ImageClassificationServing extends Serving {
  task: 'IMAGE_CLASSIFICATION';
  scheduler: ImageClassifier['scheduler'];
  classifier: ImageClassifier;
}

export const imageClassificationTask = defineTask({
  task: 'IMAGE_CLASSIFICATION',
  bindLocal: (context) =>
    bindPooled(context, async ({ opened, queue }) => {
      const { entry } = context;
      const runner = opened.pool.runner(onlyGraph(opened, 'IMAGE_CLASSIFICATION'), entry.manifest.name);
      const classifier = await ImageClassifier.open({ dir: entry.dir, files: opened.files }, runner, entry.manifest.settings, queue(true));
      return { task: 'IMAGE_CLASSIFICATION' as const, scheduler: classifier.scheduler, classifier };
    }),

  /** The `topK` best labels (default 5), highest first. */
  async classify(call: TaskCall<ImageClassificationServing>, image: Uint8Array, options: RunOptions & { topK?: number }): Promise<ClassificationResult> {
    const topK = checkTopK(options.topK);
    const decoded = await call.decodeImage(image);
    const { classifier } = await call.serving();
    return { ...(await classifier.classify(decoded, topK, options)), model: call.model };
  },
});
