/** IMAGE_CAPTIONING: an image in, a caption streamed as generation events, concurrent captions batched. */
import type { GenerationEvent } from '../../generation/types.js';
import { bindPooled } from '../pooled.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';
import { openCaptioner, validateCaptionRequest, type CaptionRequest, type ImageCaptioner } from './index.js';

export interface CaptioningServing extends Serving {
  task: 'IMAGE_CAPTIONING';
  scheduler: ImageCaptioner['scheduler'];
  captioner: ImageCaptioner;
}

export const captioningTask = defineTask({
  task: 'IMAGE_CAPTIONING',
  bindLocal: (context) =>
    bindPooled(context, async ({ opened, queue }) => {
      const captioner = await openCaptioner(context.entry.manifest.name, context.entry.dir, opened, queue(true));
      return { task: 'IMAGE_CAPTIONING' as const, scheduler: captioner.scheduler, captioner };
    }),

  /** Parameters, the image and the model are checked before this returns; the work starts when iteration starts. */
  async caption(
    call: TaskCall<CaptioningServing>,
    image: Uint8Array,
    request: CaptionRequest,
    options: { signal?: AbortSignal },
  ): Promise<AsyncIterable<GenerationEvent>> {
    validateCaptionRequest(request);
    const decoded = await call.decodeImage(image);
    const { captioner } = await call.serving();
    return captioner.caption(await captioner.preprocess(decoded), request, options);
  },
});
