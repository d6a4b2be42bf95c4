// Checks the exported tessera-clip against the PyTorch model it came from, in the runtime
// libraries the server uses: @huggingface/tokenizers gives the Python tokenizer's ids,
// onnxruntime-node gives PyTorch's embeddings (padded batches, batch size 1, any batch),
// and zero-shot accuracy on the held-out pairs is the same. Also runs a PNG through sharp
// (decode, resize to 64x64, normalize by preprocessor_config.json) as a server would.
// Needs out/check/ from export.py.
// usage: node models/tessera-clip/recipe/check_onnx.mjs [modelDir]   (from the repo root)
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";
import { AutoTokenizer, env } from "@huggingface/transformers";
import ort from "onnxruntime-node";
import sharp from "sharp";

const recipe = dirname(fileURLToPath(import.meta.url));
const modelDir = resolve(process.argv[2] ?? join(recipe, ".."));
const checkDir = join(recipe, "out/check");
const readJson = (p) => JSON.parse(readFileSync(p, "utf8"));
const check = readJson(join(checkDir, "check.json"));
const config = readJson(join(modelDir, "config.json"));
const pre = readJson(join(modelDir, "preprocessor_config.json"));
const tokCfg = readJson(join(modelDir, "tokenizer_config.json"));
const dim = config.projection_dim;
const side = pre.crop_size.height;
let failed = 0;
const report = (ok, msg) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${msg}`);
  if (!ok) failed++;
};

// --- tokenizer --------------------------------------------------------------------------
const tokenizer = new Tokenizer(readJson(join(modelDir, "tokenizer.json")), tokCfg);
const maxLen = tokCfg.model_max_length;
// The tokenizer.json has no truncation; callers cut to model_max_length keeping the final [EOS].
function encode(text) {
  const ids = tokenizer.encode(text).ids;
  return ids.length > maxLen ? [...ids.slice(0, maxLen - 1), ids[ids.length - 1]] : ids;
}
let mismatches = 0;
const pyIds = Object.entries(check.ids);
for (const [text, ids] of pyIds) {
  const js = encode(text);
  if (JSON.stringify(js) !== JSON.stringify(ids)) {
    mismatches++;
    if (mismatches <= 3) console.log(`  ${JSON.stringify(text)}: js ${js} py ${ids}`);
  }
}
report(mismatches === 0, `@huggingface/tokenizers: ${pyIds.length - mismatches}/${pyIds.length} texts give the Python ids`);

// transformers.js loads the same files; it truncates after adding [BOS]/[EOS] (so a cut text
// loses its [EOS]), hence only texts within model_max_length are compared.
env.allowRemoteModels = false;
env.localModelPath = dirname(modelDir) + "/";
const auto = await AutoTokenizer.from_pretrained(modelDir.split("/").pop(), { local_files_only: true });
const short = pyIds.filter(([, ids]) => ids.length < maxLen);
const autoMismatch = short.filter(([text, ids]) => JSON.stringify(auto(text).input_ids.tolist()[0].map(Number)) !== JSON.stringify(ids)).length;
const padded = auto(["a red circle", "two small blue squares on a white background"], { padding: true });
const padOk = JSON.stringify(padded.attention_mask.tolist()[0].map(Number)) === JSON.stringify([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
report(autoMismatch === 0 && padOk, `transformers.js AutoTokenizer: ${short.length - autoMismatch}/${short.length} texts give the Python ids; pads right with [PAD]=0, mask 0`);

// --- text tower -------------------------------------------------------------------------
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const textSession = await ort.InferenceSession.create(join(modelDir, "onnx/text_model.onnx"), opts);
const visionSession = await ort.InferenceSession.create(join(modelDir, "onnx/vision_model.onnx"), opts);
console.log(`     text   in ${textSession.inputNames} out ${textSession.outputNames}`);
console.log(`     vision in ${visionSession.inputNames} out ${visionSession.outputNames}`);

async function embedTexts(texts) {
  const rows = texts.map(encode);
  const len = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(texts.length * len);
  const mask = new BigInt64Array(texts.length * len);
  rows.forEach((r, i) => r.forEach((id, j) => {
    ids[i * len + j] = BigInt(id);
    mask[i * len + j] = 1n;
  }));
  const out = await textSession.run({
    input_ids: new ort.Tensor("int64", ids, [texts.length, len]),
    attention_mask: new ort.Tensor("int64", mask, [texts.length, len]),
  });
  return out.text_embeds.data;
}

function pixelValues(u8, n) {
  // NHWC uint8 -> NCHW float, rescaled and normalized as preprocessor_config.json says.
  const hw = side * side;
  const px = new Float32Array(n * 3 * hw);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < hw; p++)
      for (let c = 0; c < 3; c++)
        px[b * 3 * hw + c * hw + p] = (u8[(b * hw + p) * 3 + c] * pre.rescale_factor - pre.image_mean[c]) / pre.image_std[c];
  return new ort.Tensor("float32", px, [n, 3, side, side]);
}

async function embedImages(u8, n, batch = 100) {
  const out = new Float32Array(n * dim);
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const res = await visionSession.run({ pixel_values: pixelValues(u8.subarray(s * side * side * 3, (s + m) * side * side * 3), m) });
    out.set(res.image_embeds.data, s * dim);
  }
  return out;
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const f32 = (p) => { const b = readFileSync(p); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };

const textEmb = await embedTexts(check.texts);
const textDiff = maxDiff(textEmb, f32(join(checkDir, "text_embeds.f32")));
report(textDiff < 1e-4, `text_embeds of ${check.texts.length} prompts (one right-padded batch) match PyTorch: max |diff| ${textDiff.toExponential(2)}`);
let singleDiff = 0;
for (const i of [0, 7, check.texts.length - 1]) {
  const one = await embedTexts([check.texts[i]]);
  singleDiff = Math.max(singleDiff, maxDiff(one, textEmb.subarray(i * dim, (i + 1) * dim)));
}
report(singleDiff < 1e-5, `a prompt alone (batch 1, no padding) equals its padded-batch row: max |diff| ${singleDiff.toExponential(2)}`);
const norm = Math.sqrt(textEmb.subarray(0, dim).reduce((s, v) => s + v * v, 0));
report(Math.abs(norm - 1) < 1e-4, `text_embeds are L2-normalized (|e| = ${norm.toFixed(6)}), dim ${dim}`);

// --- vision tower -----------------------------------------------------------------------
const images = new Uint8Array(readFileSync(join(checkDir, "images.u8")));
const imageEmb = await embedImages(images, check.n);
const imageDiff = maxDiff(imageEmb, f32(join(checkDir, "image_embeds.f32")));
report(imageDiff < 1e-4, `image_embeds of ${check.n} held-out images (batches of 100) match PyTorch: max |diff| ${imageDiff.toExponential(2)}`);

// --- zero-shot --------------------------------------------------------------------------
function answer(imageIdx, candidates) {
  let best = -1, bestSim = -Infinity;
  candidates.forEach((t, k) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += textEmb[t * dim + d] * imageEmb[imageIdx * dim + d];
    if (s > bestSim) { bestSim = s; best = k; }
  });
  return best;
}
for (const name of ["shape", "colour", "count", "pair"]) {
  let right = 0;
  check.questions.forEach((q, i) => { if (answer(i, q[name][0]) === q[name][1]) right++; });
  const acc = right / check.n;
  const ref = check.torch[`zeroshot_${name}`];
  report(Math.abs(acc - ref) <= 1.5 / check.n, `zero-shot ${name} on held-out pairs: onnx ${(acc * 100).toFixed(1)}% = torch ${(ref * 100).toFixed(1)}%`);
}

// --- a PNG through sharp ----------------------------------------------------------------
let agree = 0, right = 0;
const nPng = 48;
for (let i = 0; i < nPng; i++) {
  const { data } = await sharp(join(checkDir, "png", `${String(i).padStart(3, "0")}.png`))
    .removeAlpha().resize(side, side, { fit: "cover", kernel: "cubic" }).raw().toBuffer({ resolveWithObject: true });
  const res = await visionSession.run({ pixel_values: pixelValues(new Uint8Array(data), 1) });
  const emb = res.image_embeds.data;
  const q = check.questions[i].pair;
  let best = -1, bestSim = -Infinity;
  q[0].forEach((t, k) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += textEmb[t * dim + d] * emb[d];
    if (s > bestSim) { bestSim = s; best = k; }
  });
  if (best === answer(i, q[0])) agree++;
  if (best === q[1]) right++;
}
report(agree >= nPng * 0.9, `sharp path (256x256 PNG -> cubic resize to ${side}): colour x shape answer agrees with the raw image on ${agree}/${nPng}, right on ${right}/${nPng}`);

if (failed) {
  console.log(`${failed} check(s) failed`);
  process.exit(1);
}
console.log("all checks passed");
