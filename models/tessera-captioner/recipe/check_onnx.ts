/**
 * Captions out/check/*.png through the server's engine (the exported ONNX graphs, our
 * preprocessing and decode loop) and compares them with PyTorch's greedy captions.
 *
 * usage: npx tsx models/tessera-captioner/recipe/check_onnx.ts [models dir]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Engine } from '../../../src/inference/engine.js';
import { silentLogger } from '../../../src/inference/runtime/logger.js';

const recipe = path.dirname(new URL(import.meta.url).pathname);
const modelsDir = process.argv[2] ?? path.resolve(recipe, '../..');
const checkDir = path.join(recipe, 'out/check');
const items = JSON.parse(await readFile(path.join(checkDir, 'captions.json'), 'utf8')) as { file: string; torch: string }[];
const engine = await Engine.create({
  modelsDir,
  runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
  logger: silentLogger,
  limits: { maxImagePixels: 4_000_000, maxAudioSeconds: 30 },
});
let same = 0;
for (const item of items) {
  let text = '';
  for await (const event of await engine.captionImage('tessera-captioner', await readFile(path.join(checkDir, item.file)))) {
    if (event.type === 'completed') text = event.text;
  }
  if (text === item.torch) same += 1;
  else console.log(`${item.file}: onnx "${text}" / torch "${item.torch}"`);
}
await engine.close();
console.log(`${same}/${items.length} captions identical to PyTorch's`);
process.exit(same === items.length ? 0 : 1);
