/** An engine on a model repository as the tests run it: CPU, one thread, silent. */
import { Engine } from '../../src/inference/engine.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';

export function testEngine(modelsDir = 'models'): Promise<Engine> {
  return Engine.create({
    modelsDir,
    runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
    logger: silentLogger,
    limits: { maxImagePixels: 4_000_000, maxAudioSeconds: 30 },
  });
}
