// Checks that the tokenizer written by bpe.py means the same thing to the runtime
// libraries as to our Python trainer: identical ids on the held-out text, exact
// round trips, and the chat template rendering to the corpus's dialogue format.
// usage: node models/tessera-lm/recipe/check_tokenizer.mjs  (from the repo root)
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";
import { AutoTokenizer, env } from "@huggingface/transformers";

const recipe = dirname(fileURLToPath(import.meta.url));
const modelDir = resolve(recipe, "..");
const tokenizerJson = JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8"));
const tokenizerConfig = JSON.parse(readFileSync(join(modelDir, "tokenizer_config.json"), "utf8"));

const EOT = "<|endoftext|>";
const valid = readFileSync(join(recipe, "out/data/valid.txt"), "utf8").split(EOT).filter(Boolean).slice(0, 400);
const extra = [
  "Hello, world! It's 2024 and we're testing 123 numbers.",
  "  leading spaces,\ttabs\nand\n\nnewlines   ",
  "Unicode: café, naïve, 日本語, emoji 🙂 and ümlauts.",
  `User: What color is the sky?\nAssistant: The sky is blue.${EOT}User: Hi!`,
  "In the beginning God created the heaven and the earth.",

];
const texts = [...valid, ...extra];
// Only ASCII texts must match the Python trainer exactly (its split rule is ASCII-only);
// non-ASCII ones are checked for round trips in the runtime libraries.
const py = JSON.parse(
  execFileSync("/usr/bin/python3", [join(recipe, "bpe.py"), "encode", "--tokenizer", join(modelDir, "tokenizer.json")], {
    input: JSON.stringify(texts),
    maxBuffer: 1 << 28,
  }).toString(),
);

const hf = new Tokenizer(tokenizerJson, tokenizerConfig);
env.allowRemoteModels = false;
env.localModelPath = resolve(modelDir, "..");
const auto = await AutoTokenizer.from_pretrained("tessera-lm", { local_files_only: true });

let failures = 0;
const fail = (msg) => {
  failures++;
  if (failures <= 10) console.error("FAIL", msg);
};
let tokens = 0;
texts.forEach((text, i) => {
  const a = hf.encode(text, { add_special_tokens: false }).ids;
  const b = auto.encode(text, { add_special_tokens: false });
  tokens += a.length;
  if (JSON.stringify(a) !== JSON.stringify(b)) fail(`tokenizers vs transformers differ on #${i}`);
  if (/^[\x00-\x7f]*$/.test(text) && JSON.stringify(a) !== JSON.stringify(py[i])) fail(`python vs node differ on #${i}: ${JSON.stringify(text.slice(0, 60))}`);
  if (hf.decode(a, { skip_special_tokens: false }) !== text) fail(`tokenizers round trip #${i}`);
  if (auto.decode(b, { skip_special_tokens: false }) !== text) fail(`transformers round trip #${i}`);
});

const eotId = hf.encode(EOT, { add_special_tokens: false }).ids;
if (JSON.stringify(eotId) !== "[0]") fail(`${EOT} should be the single id 0, got ${eotId}`);

const chat = auto.apply_chat_template(
  [
    { role: "user", content: "What color is the sky?" },
    { role: "assistant", content: "The sky is blue." },
    { role: "user", content: "Tell me a story about a cat." },
  ],
  { tokenize: false, add_generation_prompt: true },
);
const expected = `${EOT}User: What color is the sky?\nAssistant: The sky is blue.\nUser: Tell me a story about a cat.\nAssistant:`;
if (chat !== expected) fail(`chat template rendered ${JSON.stringify(chat)}`);

console.log(`vocab ${hf.model.vocab?.length ?? Object.keys(tokenizerJson.model.vocab).length}, ${texts.length} texts, ${tokens} tokens compared`);
console.log(`ids of "Once upon a time, there was a cat.":`, hf.encode("Once upon a time, there was a cat.").ids);
console.log(`chat prompt: ${JSON.stringify(chat)}`);
console.log(failures === 0 ? "tokenizer check: OK" : `tokenizer check: ${failures} failures`);
process.exit(failures === 0 ? 0 : 1);
