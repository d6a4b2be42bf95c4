/**
 * Picks the next token from processed logits: greedy (argmax) or a draw from the
 * softmax with a per-request seeded generator, plus the chosen token's log-probability
 * and the top alternatives when asked.
 */
import { randomInt } from 'node:crypto';
import { argmax, largestIndices, logSumExp } from './logits-math.js';

/**
 * sfc32 seeded through splitmix32: small, fast, and the same stream for the same seed on
 * every platform, which Math.random cannot promise.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const low = seed >>> 0;
    const high = Math.floor(seed / 4294967296) >>> 0;
    let s = (low ^ Math.imul(high, 0x9e3779b9)) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i += 1) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }
}

export function randomSeed(): number {
  return randomInt(0, 2 ** 48 - 1);
}

export interface SampledToken {
  tokenId: number;
  /** log-softmax of the processed logits at the chosen token; null when not asked for. */
  logprob: number | null;
  topLogprobs: { tokenId: number; logprob: number }[] | null;
}

export class Sampler {
  private readonly random: SeededRandom | null;

  constructor(options: { greedy: boolean; seed?: number }) {
    this.random = options.greedy ? null : new SeededRandom(options.seed ?? randomSeed());
  }

  /** `logits` are the processed logits; removed tokens are -Infinity. Returns -1 when nothing is left. */
  pick(logits: Float32Array, wanted: { logprobs: boolean; topLogprobs: number }): SampledToken {
    const needLse = this.random !== null || wanted.logprobs;
    const lse = needLse ? logSumExp(logits) : 0;
    const tokenId = this.random ? this.draw(logits, lse) : argmax(logits);
    if (tokenId < 0 || lse === -Infinity) return { tokenId: -1, logprob: null, topLogprobs: null };
    if (!wanted.logprobs) return { tokenId, logprob: null, topLogprobs: null };
    const topLogprobs =
      wanted.topLogprobs > 0
        ? largestIndices(logits, wanted.topLogprobs).map((id) => ({ tokenId: id, logprob: logits[id] - lse }))
        : null;
    return { tokenId, logprob: logits[tokenId] - lse, topLogprobs };
  }

  private draw(logits: Float32Array, lse: number): number {
    if (lse === -Infinity) return -1;
    const u = this.random!.next();
    let cumulative = 0;
    let last = -1;
    for (let i = 0; i < logits.length; i += 1) {
      const v = logits[i];
      if (!(v > -Infinity)) continue;
      cumulative += Math.exp(v - lse);
      last = i;
      if (u < cumulative) return i;
    }
    // The probabilities may sum to a hair under 1; u fell in that gap.
    return last;
  }
}
