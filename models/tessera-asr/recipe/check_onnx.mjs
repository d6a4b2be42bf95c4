// Checks the exported tessera-asr graph in onnxruntime-node (the server's runtime) against the
// PyTorch logits export.py saved (odd lengths, down to the 400-sample minimum), and measures the
// real-time factor of one session on one thread for 10 s of audio.
// usage: node models/tessera-asr/recipe/check_onnx.mjs [modelDir] [checkDir]   (from the repo root)
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ort from "onnxruntime-node";

const recipe = dirname(fileURLToPath(import.meta.url));
const modelDir = resolve(process.argv[2] ?? join(recipe, ".."));
const checkDir = resolve(process.argv[3] ?? join(recipe, "data/check"));
const check = JSON.parse(readFileSync(join(checkDir, "check.json"), "utf8"));
const config = JSON.parse(readFileSync(join(modelDir, "config.json"), "utf8"));

const session = await ort.InferenceSession.create(join(modelDir, "onnx/model.onnx"), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
let failed = 0;
for (const c of check.cases) {
  const input = new ort.Tensor("float32", Float32Array.from(c.samples), [1, c.samples.length]);
  const { logits } = await session.run({ input_values: input });
  let maxDiff = 0;
  for (let i = 0; i < c.logits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits.data[i] - c.logits[i]));
  const sameShape = JSON.stringify(logits.dims.slice(1)) === JSON.stringify(c.dims);
  const expectedFrames = Math.floor((Math.floor(c.samples.length / 160) + 1 + 4 - 5) / 3) + 1;
  const ok = sameShape && maxDiff < 1e-3 && logits.dims[1] === expectedFrames;
  if (!ok) failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${c.samples.length} samples → [${logits.dims}] (torch [${c.dims}]), max |Δ| ${maxDiff.toExponential(2)}`);
}

const seconds = 10;
const wave = new Float32Array(16000 * seconds).map((_, i) => Math.sin(i / 7) * 0.5 + (Math.random() - 0.5) * 0.1);
const feeds = { input_values: new ort.Tensor("float32", wave, [1, wave.length]) };
await session.run(feeds);
const runs = 5;
const t0 = performance.now();
for (let i = 0; i < runs; i++) await session.run(feeds);
const ms = (performance.now() - t0) / runs;
console.log(`real-time factor (1 thread, ${seconds} s audio): ${(ms / 1000 / seconds).toFixed(4)} (${ms.toFixed(1)} ms per run); frames per second of audio ${16000 / config.inputs_to_logits_ratio}`);
process.exit(failed ? 1 : 0);
