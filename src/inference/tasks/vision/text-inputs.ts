/**
 * Text → encoder feeds: token ids cut to the model's length the way the Python tokenizers
 * cut them (content shortened, the special tokens around it kept), then right-padded into
 * one batch with an attention mask (and zero token types for BERT-style graphs).
 */
import * as ort from 'onnxruntime-node';
import { TextTokenizer } from '../../generation/tokenizer.js';

export interface TextEncoding {
  tokenizer: TextTokenizer;
  maxLength: number;
  padId: number;
}

export async function loadTextEncoding(dir: string, settings: Record<string, unknown>, positionLimit?: number): Promise<TextEncoding> {
  const tokenizer = await TextTokenizer.load(dir);
  const configured = typeof settings.maxTextLength === 'number' ? settings.maxTextLength : undefined;
  const maxLength = Math.min(configured ?? tokenizer.modelMaxLength ?? positionLimit ?? 512, positionLimit ?? Infinity);
  return { tokenizer, maxLength, padId: tokenizer.padTokenId ?? 0 };
}

function startsAt(haystack: number[], needle: number[]): number {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((id, j) => haystack[i + j] === id)) return i;
  }
  return -1;
}

/** Token ids with the model's special tokens, at most `maxLength` of them. */
export function tokenize(encoding: TextEncoding, text: string): number[] {
  const { tokenizer, maxLength } = encoding;
  const full = tokenizer.encode(text, { addSpecialTokens: true });
  if (full.length <= maxLength) return full;
  const content = tokenizer.encode(text, { addSpecialTokens: false });
  const prefix = startsAt(full, content);
  if (prefix < 0) return full.slice(0, maxLength);
  const suffix = full.length - prefix - content.length;
  const room = Math.max(0, maxLength - prefix - suffix);
  return [...full.slice(0, prefix), ...content.slice(0, room), ...full.slice(full.length - suffix)].slice(0, maxLength);
}

function int64(values: number[], rows: number, cols: number): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [rows, cols]);
}

/**
 * Right-padded feeds for the graph's inputs. Graphs without an attention mask cannot ignore
 * padding, so they get every row padded to the full length, as they were exported to expect.
 */
export function textFeeds(rows: number[][], inputNames: readonly string[], padId: number, maxLength: number): {
  feeds: Record<string, ort.Tensor>;
  mask: Uint8Array;
  length: number;
} {
  const hasMask = inputNames.includes('attention_mask');
  const length = hasMask ? Math.max(1, ...rows.map((r) => r.length)) : maxLength;
  const ids: number[] = [];
  const mask = new Uint8Array(rows.length * length);
  rows.forEach((row, r) => {
    for (let t = 0; t < length; t++) {
      const real = t < row.length;
      ids.push(real ? row[t] : padId);
      mask[r * length + t] = real ? 1 : 0;
    }
  });
  const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids, rows.length, length) };
  if (hasMask) feeds.attention_mask = int64(Array.from(mask), rows.length, length);
  if (inputNames.includes('token_type_ids')) feeds.token_type_ids = int64(new Array<number>(ids.length).fill(0), rows.length, length);
  return { feeds, mask, length };
}
