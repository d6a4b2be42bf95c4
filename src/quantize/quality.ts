/**
 * Measures what quantization costs a decoder LM, against its float original: perplexity
 * on held-out text, and greedy agreement over a fixed prompt set. Every figure comes from
 * whole-sequence forward passes (empty cache), so it measures the weights alone, not the
 * serving path's cache handling.
 */
import path from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { readDecoderConfig } from '../inference/generation/model-config.js';
import { describeDecoder, type DecoderSignature, type IntType } from '../inference/generation/signature.js';
import { TextTokenizer } from '../inference/generation/tokenizer.js';

/** Twenty prompts in tessera-lm's own domain: story openings and User/Assistant turns. */
export const QUALITY_PROMPTS: readonly string[] = [
  'Once upon a time',
  'There once was a little dog called Ben.',
  'One day, Lily found a shiny key',
  'Tom and his friend Sam went to the park.',
  'A brave fox lived in a green forest.',
  'The sun was warm and the birds were singing.',
  'Mia loved to paint. One morning',
  'In a quiet town next to the sea, there lived',
  'The curious owl looked at the old map and',
  'Max was sad because he lost his red ball.',
  'User: What color is the sky?\nAssistant:',
  'User: What does a cow say?\nAssistant:',
  'User: What is three plus four?\nAssistant:',
  'User: What day comes after Monday?\nAssistant:',
  'User: Tell me a story about a cat.\nAssistant:',
  'User: What is the opposite of hot?\nAssistant:',
  'User: What do bears eat?\nAssistant:',
  'User: What color is a banana?\nAssistant:',
  'User: Which season comes after winter?\nAssistant:',
  'User: What does a duck say?\nAssistant: A duck says quack.\nUser: What does a lion say?\nAssistant:',
];

const toInts = (type: IntType, values: number[], dims: number[]) =>
  type === 'int32' ? new Tensor('int32', Int32Array.from(values), dims) : new Tensor('int64', BigInt64Array.from(values, BigInt), dims);

/** A decoder graph run over whole sequences, returning the logits at every position. */
export class FullSequenceModel {
  private constructor(
    private readonly session: InferenceSession,
    private readonly signature: DecoderSignature,
    readonly tokenizer: TextTokenizer,
  ) {}

  /** `graphFile` is relative to `dir` or absolute. */
  static async open(dir: string, graphFile: string, createSession: (file: string) => Promise<InferenceSession>): Promise<FullSequenceModel> {
    const [config, tokenizer, session] = await Promise.all([readDecoderConfig(dir), TextTokenizer.load(dir), createSession(path.resolve(dir, graphFile))]);
    return new FullSequenceModel(session, describeDecoder(session, config), tokenizer);
  }

  /** Prompts as the model saw them in training: each document starts with its bos/eos token. */
  encodePrompt(text: string): number[] {
    return [...this.tokenizer.encode('<|endoftext|>', { addSpecialTokens: false }), ...this.tokenizer.encode(text, { addSpecialTokens: false })];
  }

  /** Rows of equal length; the result is [rows, length, vocab]. */
  async logits(rows: number[][]): Promise<{ data: Float32Array; vocab: number }> {
    const s = this.signature;
    if (!s.inputIds) throw new Error('Quality is measured on text decoders that take input_ids; this graph takes inputs_embeds.');
    const batch = rows.length;
    const length = rows[0].length;
    const feeds: Record<string, Tensor> = { input_ids: toInts(s.inputIds, rows.flat(), [batch, length]) };
    if (s.attentionMask) feeds.attention_mask = toInts(s.attentionMask, new Array(batch * length).fill(1), [batch, length]);
    if (s.positionIds) feeds.position_ids = toInts(s.positionIds, rows.flatMap(() => [...Array(length).keys()]), [batch, length]);
    if (s.cachePosition) feeds.cache_position = toInts(s.cachePosition, [...Array(length).keys()], [length]);
    if (s.useCacheBranch) feeds.use_cache_branch = new Tensor('bool', Uint8Array.of(0), [1]);
    for (const layer of s.layers) {
      for (const name of [layer.pastKey, layer.pastValue]) {
        feeds[name] = s.kvType === 'float16'
          ? new Tensor('float16', new Uint16Array(0), [batch, s.kvHeads, 0, s.headDim])
          : new Tensor('float32', new Float32Array(0), [batch, s.kvHeads, 0, s.headDim]);
      }
    }
    if (s.logitsType !== 'float32') throw new Error('quality measurement reads float32 logits only');
    const out = await this.session.run(feeds, [s.logits]);
    const logits = out[s.logits];
    return { data: logits.data as Float32Array, vocab: logits.dims[2] };
  }

  /** Greedy continuation of `prompt` by `count` tokens, recomputing the whole sequence each step. */
  async greedy(prompt: number[], count: number): Promise<number[]> {
    const ids = [...prompt];
    for (let i = 0; i < count; i += 1) {
      const { data, vocab } = await this.logits([ids]);
      ids.push(argmax(data, (ids.length - 1) * vocab, vocab));
    }
    return ids.slice(prompt.length);
  }

  close(): Promise<void> {
    return this.session.release();
  }
}

export function argmax(data: Float32Array, from: number, length: number): number {
  let best = 0;
  for (let v = 1; v < length; v += 1) if (data[from + v] > data[from + best]) best = v;
  return best;
}

function logSoftmaxAt(data: Float32Array, from: number, vocab: number, target: number): number {
  let max = -Infinity;
  for (let v = 0; v < vocab; v += 1) max = Math.max(max, data[from + v]);
  let sum = 0;
  for (let v = 0; v < vocab; v += 1) sum += Math.exp(data[from + v] - max);
  return data[from + target] - max - Math.log(sum);
}

/**
 * Perplexity over non-overlapping windows of `context` + 1 tokens (each window predicts its
 * last `context` tokens), the way the training recipe evaluates.
 */
export async function perplexity(model: FullSequenceModel, ids: number[], context: number, windowsPerRun = 8, maxWindows = Infinity): Promise<{ perplexity: number; tokens: number }> {
  const windows = Math.min(maxWindows, Math.floor((ids.length - 1) / context));
  let nll = 0;
  let tokens = 0;
  for (let w = 0; w < windows; w += windowsPerRun) {
    const rows = [];
    for (let r = w; r < Math.min(windows, w + windowsPerRun); r += 1) rows.push(ids.slice(r * context, r * context + context + 1));
    const { data, vocab } = await model.logits(rows.map((row) => row.slice(0, context)));
    rows.forEach((row, r) => {
      for (let t = 0; t < context; t += 1) nll -= logSoftmaxAt(data, (r * context + t) * vocab, vocab, row[t + 1]);
    });
    tokens += rows.length * context;
  }
  return { perplexity: Math.exp(nll / tokens), tokens };
}

export interface Agreement {
  /** Share of positions where the candidate's argmax equals the reference's greedy token, fed the reference's tokens. */
  teacherForced: number;
  /** Share of prompts whose free-running greedy continuations are identical. */
  identical: number;
  /** Mean length of the common prefix of the free-running continuations, as a share of `count`. */
  commonPrefix: number;
}

export async function greedyAgreement(reference: FullSequenceModel, candidate: FullSequenceModel, prompts: readonly string[], count: number): Promise<Agreement> {
  let matches = 0;
  let identical = 0;
  let prefix = 0;
  for (const text of prompts) {
    const prompt = reference.encodePrompt(text);
    const expected = await reference.greedy(prompt, count);
    const { data, vocab } = await candidate.logits([[...prompt, ...expected.slice(0, -1)]]);
    expected.forEach((token, i) => {
      if (argmax(data, (prompt.length - 1 + i) * vocab, vocab) === token) matches += 1;
    });
    const actual = await candidate.greedy(prompt, count);
    const common = actual.findIndex((token, i) => token !== expected[i]);
    prefix += common === -1 ? count : common;
    if (common === -1) identical += 1;
  }
  return { teacherForced: matches / (prompts.length * count), identical: identical / prompts.length, commonPrefix: prefix / (prompts.length * count) };
}
