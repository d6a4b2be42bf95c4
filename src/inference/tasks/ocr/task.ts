/** OCR: an image in, lines of text with their boxes out; one image per run (det → cls → rec). */
import { readFile } from 'node:fs/promises';
import type { DecodedImage } from '../../media/image.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { OcrResult, RunOptions } from '../../types.js';
import { bindPooled } from '../pooled.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';
import { parseCharset } from './charset.js';
import { recognizeText, type OcrOptions } from './recognize.js';

type OcrOutput = Omit<OcrResult, 'stats'>;

export interface OcrServing extends Serving {
  task: 'OCR';
  scheduler: Scheduler<DecodedImage, OcrOutput>;
}

export const ocrTask = defineTask({
  task: 'OCR',
  bindLocal: (context) =>
    bindPooled(context, async ({ opened: { pool, files }, queue }) => {
      const { name, settings } = context.entry.manifest;
      for (const key of ['det', 'rec', 'keys']) {
        if (!files[key]) throw new Error(`OCR models need files.det, files.rec and files.keys; files.${key} is missing`);
      }
      const charset = parseCharset(await readFile(files.keys, 'utf8'));
      const runners = {
        det: pool.runner('det', `${name}/det`),
        cls: files.cls ? pool.runner('cls', `${name}/cls`) : undefined,
        rec: pool.runner('rec', `${name}/rec`),
      };
      const scheduler = new Scheduler<DecodedImage, OcrOutput>({
        ...queue(false),
        run: async ([image], signal) => [await recognizeText(image, runners, charset, { ...(settings as OcrOptions), signal })],
      });
      return { task: 'OCR' as const, scheduler };
    }),

  async recognizeText(call: TaskCall<OcrServing>, image: Uint8Array, options: RunOptions): Promise<OcrResult> {
    const decoded = await call.decodeImage(image);
    const { output, stats } = await (await call.serving()).scheduler.submit(decoded, options);
    return { ...output, stats };
  },
});
