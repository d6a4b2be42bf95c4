// Checks an exported decoder-with-past model in onnxruntime-node and prints samples:
//  (a) step-by-step decoding with the KV cache gives the logits of full recomputation;
//  (b) a left-padded batch of two prompts of different lengths gives, step after step,
//      the logits of each prompt run alone;
//  (c) transformers.js loads the folder as a causal LM and its greedy generate() picks
//      the same tokens as our own loop;
//  then greedy and sampled continuations of a few prompts.
// usage (repo root): node models/tessera-lm/recipe/check_onnx.mjs [modelDir] [--no-samples]
import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";
import { AutoModelForCausalLM, Tensor, env } from "@huggingface/transformers";

const recipe = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const modelDir = resolve(args.find((a) => !a.startsWith("--")) ?? join(recipe, ".."));
const withSamples = !args.includes("--no-samples");
const TOL = 1e-4;

const config = JSON.parse(readFileSync(join(modelDir, "config.json"), "utf8"));
const tokenizer = new Tokenizer(
  JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8")),
  JSON.parse(readFileSync(join(modelDir, "tokenizer_config.json"), "utf8")),
);
const session = await ort.InferenceSession.create(join(modelDir, "onnx/model.onnx"), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const { n_layer: L, n_head: H, n_embd: E, vocab_size: V, eos_token_id: EOS, n_positions: maxLen } = config;
const D = E / H;

const i64 = (rows) => new ort.Tensor("int64", BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

function emptyPast(batch) {
  const past = {};
  for (let i = 0; i < L; i++) {
    past[`past_key_values.${i}.key`] = new ort.Tensor("float32", new Float32Array(0), [batch, H, 0, D]);
    past[`past_key_values.${i}.value`] = new ort.Tensor("float32", new Float32Array(0), [batch, H, 0, D]);
  }
  return past;
}

/** One forward pass; returns logits rows [batch][seq] of Float32Array and the next past. */
async function step(ids, mask, positions, past) {
  const out = await session.run({ input_ids: i64(ids), attention_mask: i64(mask), position_ids: i64(positions), ...past });
  const [b, s, v] = out.logits.dims;
  if (v !== V) throw new Error(`logits vocab ${v} != ${V}`);
  const logits = [];
  for (let r = 0; r < b; r++) {
    logits.push([]);
    for (let t = 0; t < s; t++) logits[r].push(out.logits.data.subarray((r * s + t) * v, (r * s + t + 1) * v));
  }
  const next = {};
  for (let i = 0; i < L; i++) {
    for (const kind of ["key", "value"]) {
      const present = out[`present.${i}.${kind}`];
      const want = [b, H, mask[0].length, D];
      if (present.dims.join() !== want.join()) throw new Error(`present.${i}.${kind} dims ${present.dims} != ${want}`);
      next[`past_key_values.${i}.${kind}`] = present;
    }
  }
  return { logits, past: next };
}

const maxDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const argmax = (row) => row.reduce((best, x, i) => (x > row[best] ? i : best), 0);
const encode = (text) => tokenizer.encode(text, { add_special_tokens: false }).ids;
let failures = 0;
const check = (ok, msg) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${msg}`);
  if (!ok) failures++;
};

// (a) cache vs full recomputation.
{
  const ids = [EOS, ...encode("Once upon a time, there was a little cat named Lily. She lived in a small house")];
  const n = ids.length;
  const full = await step([ids], [ids.map(() => 1)], [ids.map((_, i) => i)], emptyPast(1));
  const split = 5;
  let r = await step([ids.slice(0, split)], [Array(split).fill(1)], [[...Array(split).keys()]], emptyPast(1));
  let worst = 0;
  for (let t = 0; t < split; t++) worst = Math.max(worst, maxDiff(r.logits[0][t], full.logits[0][t]));
  for (let t = split; t < n; t++) {
    r = await step([[ids[t]]], [Array(t + 1).fill(1)], [[t]], r.past);
    worst = Math.max(worst, maxDiff(r.logits[0][0], full.logits[0][t]));
  }
  check(worst < TOL, `(a) KV-cache decoding of ${n} tokens matches full recomputation: max |diff| ${worst.toExponential(2)}`);
}

/** Greedy decoding of a batch of prompts with left padding; returns per-step logits per row. */
async function greedyBatch(prompts, steps) {
  const width = Math.max(...prompts.map((p) => p.length));
  const ids = prompts.map((p) => [...Array(width - p.length).fill(EOS), ...p]);
  const mask = prompts.map((p) => [...Array(width - p.length).fill(0), ...p.map(() => 1)]);
  const pos = mask.map((m) => {
    let c = -1;
    return m.map((x) => (c += x) < 0 ? 0 : c);
  });
  let r = await step(ids, mask, pos, emptyPast(prompts.length));
  const rows = prompts.map(() => []);
  const nextPos = pos.map((p) => p[p.length - 1] + 1);
  let curMask = mask;
  for (let s = 0; ; s++) {
    const last = r.logits.map((row) => row[row.length - 1]);
    last.forEach((l, b) => rows[b].push(Float32Array.from(l)));
    if (s === steps) break;
    const next = last.map(argmax);
    curMask = curMask.map((m) => [...m, 1]);
    r = await step(next.map((t) => [t]), curMask, nextPos.map((p) => [p + s]), r.past);
  }
  return rows;
}

// (b) left-padded batch vs each prompt alone, over several cached decode steps.
{
  const prompts = [
    [EOS, ...encode("The opposite of hot is")],
    [EOS, ...encode("One day, Tom found a red ball in the garden. He ran to show it to his friend")],
  ];
  const steps = 6;
  const batched = await greedyBatch(prompts, steps);
  let worst = 0;
  for (let b = 0; b < prompts.length; b++) {
    const alone = await greedyBatch([prompts[b]], steps);
    for (let s = 0; s <= steps; s++) worst = Math.max(worst, maxDiff(batched[b][s], alone[0][s]));
  }
  check(worst < TOL, `(b) left-padded batch (lengths ${prompts.map((p) => p.length)}) matches each prompt alone over ${steps + 1} steps: max |diff| ${worst.toExponential(2)}`);
}

// Seeded PRNG so sampled outputs are reproducible.
function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample(logits, rand, temperature, topK) {
  const idx = [...logits.keys()].sort((a, b) => logits[b] - logits[a]).slice(0, topK);
  const m = logits[idx[0]];
  const w = idx.map((i) => Math.exp((logits[i] - m) / temperature));
  let u = rand() * w.reduce((a, b) => a + b, 0);
  for (let j = 0; j < idx.length; j++) if ((u -= w[j]) <= 0) return idx[j];
  return idx[idx.length - 1];
}

async function generateIds(text, { maxNew = 80, temperature = 0, topK = 40, seed = 1 } = {}) {
  const ids = [EOS, ...encode(text)];
  const rand = mulberry32(seed);
  let r = await step([ids], [ids.map(() => 1)], [ids.map((_, i) => i)], emptyPast(1));
  const out = [];
  while (out.length < maxNew && ids.length < maxLen) {
    const logits = r.logits[0][r.logits[0].length - 1];
    const next = temperature > 0 ? sample(logits, rand, temperature, topK) : argmax(logits);
    if (next === EOS) break;
    out.push(next);
    ids.push(next);
    r = await step([[next]], [ids.map(() => 1)], [[ids.length - 1]], r.past);
  }
  return out;
}

async function generate(text, opts) {
  return tokenizer.decode(await generateIds(text, opts), { skip_special_tokens: true });
}

// (c) the folder is a valid transformers.js causal LM and agrees with our loop.
{
  env.allowRemoteModels = false;
  env.localModelPath = dirname(modelDir);
  const lm = await AutoModelForCausalLM.from_pretrained(basename(modelDir), {
    dtype: "fp32",
    session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  });
  const text = "User: What color is the sky?\nAssistant:";
  const prompt = [EOS, ...encode(text)];
  const maxNew = 16;
  const input_ids = new Tensor("int64", BigInt64Array.from(prompt.map(BigInt)), [1, prompt.length]);
  const attention_mask = new Tensor("int64", new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]);
  const out = await lm.generate({ input_ids, attention_mask, max_new_tokens: maxNew, do_sample: false });
  const theirs = Array.from(out.data, Number).slice(prompt.length).filter((t, i, a) => !(t === EOS && i === a.length - 1));
  const ours = await generateIds(text, { maxNew });
  check(JSON.stringify(theirs) === JSON.stringify(ours), `(c) transformers.js generate() picks the same ${ours.length} greedy tokens as our loop`);
  await lm.dispose();
}

if (withSamples) {
  const prompts = [
    "Once upon a time, there was a little",
    "One day, Ben found a shiny key",
    "User: What color is the sky?\nAssistant:",
    "User: What does a cow say?\nAssistant:",
    "User: Tell me a story about a fox.\nAssistant:",
  ];
  for (const p of prompts) {
    console.log(`\n--- greedy: ${JSON.stringify(p)}\n${p}${await generate(p)}`);
  }
  for (const [i, p] of prompts.slice(0, 2).entries()) {
    console.log(`\n--- sampled (temperature 0.8, top-k 40, seed ${i + 1}): ${JSON.stringify(p)}\n${p}${await generate(p, { temperature: 0.8, seed: i + 1 })}`);
  }
}
console.log(failures === 0 ? "\nonnx check: OK" : `\nonnx check: ${failures} failures`);
process.exit(failures === 0 ? 0 : 1);
