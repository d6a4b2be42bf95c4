/**
 * A temporary model repository for server tests: the fixture LM (built by the tests, with
 * our manifest beside it) and, on request, the real OCR and VAD manifests (their files
 * come from node_modules through npm: paths, so the manifest alone is enough).
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeTinyLm, type TinyLmOptions } from '../fixtures/lm/tiny-lm.js';

export interface TestModels {
  dir: string;
  cleanup(): void;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

export async function createTestModels(
  options: { lm?: TinyLmOptions & { name?: string; maxBatchSize?: number }; real?: ('paddleocr-v4' | 'silero-vad')[] } = {},
): Promise<TestModels> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-models-'));
  if (options.lm) {
    const lm = await writeTinyLm(options.lm);
    const target = path.join(dir, options.lm.name ?? 'tiny-lm');
    cpSync(lm.dir, target, { recursive: true });
    await lm.cleanup();
    writeFileSync(
      path.join(target, 'model.json'),
      JSON.stringify({
        name: options.lm.name ?? 'tiny-lm',
        task: 'TEXT_GENERATION',
        description: 'Fixture LM built by the tests (random weights).',
        inputModalities: ['TEXT'],
        outputModalities: ['TEXT', 'TOKENS'],
        source: 'built by test/fixtures/lm',
        license: 'MIT',
        preload: true,
        files: { model: { path: 'onnx/model.onnx', sha256: sha256(path.join(target, 'onnx/model.onnx')) } },
        batching: { maxBatchSize: options.lm.maxBatchSize ?? 8, maxQueue: 64 },
      }),
    );
  }
  for (const name of options.real ?? []) {
    cpSync(path.join('models', name, 'model.json'), path.join(dir, name, 'model.json'));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
