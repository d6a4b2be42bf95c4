/**
 * Reads a decoder graph's inputs and outputs (onnxruntime's session metadata) into the
 * few facts the decode loop needs: which optional inputs exist, the cache tensor names
 * per layer, and the cache's element type and shape. Exports differ in exactly these
 * places, so they are read from the graph rather than assumed.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { TesseraError } from '../../errors.js';
import type { DecoderConfig } from './model-config.js';

export type IntType = 'int64' | 'int32';
export type KvType = 'float32' | 'float16';

export interface LayerNames {
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}

export interface DecoderSignature {
  /** Null when the graph takes embeddings instead (decoder VLMs: see `inputsEmbeds`). */
  inputIds: IntType | null;
  /**
   * Vision-language decoders take `inputs_embeds` [batch, seq, hidden] so image features can
   * stand where the image placeholder tokens are; their token embeddings are a separate graph.
   */
  inputsEmbeds: { type: KvType; hidden: number | undefined } | null;
  attentionMask: IntType | null;
  positionIds: IntType | null;
  /** Merged decoders choose between their no-cache and cache subgraphs with this flag. */
  useCacheBranch: boolean;
  /** Newer exports can compute logits for the last position(s) only. */
  logitsToKeep: { name: string; type: IntType; scalar: boolean } | null;
  cachePosition: IntType | null;
  layers: LayerNames[];
  kvType: KvType;
  kvHeads: number;
  headDim: number;
  logits: string;
  logitsType: KvType;
}

interface Meta {
  name: string;
  type: string | null;
  shape: readonly (number | string)[];
}

function metas(list: readonly InferenceSession.ValueMetadata[]): Map<string, Meta> {
  const map = new Map<string, Meta>();
  for (const m of list) {
    map.set(m.name, m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: null, shape: [] });
  }
  return map;
}

const fail = (message: string) => new TesseraError('MODEL_LOAD_FAILED', message);

function intType(meta: Meta | undefined, what: string): IntType | null {
  if (!meta) return null;
  if (meta.type === 'int64' || meta.type === 'int32') return meta.type;
  throw fail(`The decoder's ${what} input has type ${meta.type}; expected int64 or int32.`);
}

export function describeDecoder(session: Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>, config: DecoderConfig): DecoderSignature {
  const inputs = metas(session.inputMetadata);
  const outputs = metas(session.outputMetadata);
  const inputIds = intType(inputs.get('input_ids'), 'input_ids');
  const embedsMeta = inputs.get('inputs_embeds');
  if (embedsMeta && embedsMeta.type !== 'float32' && embedsMeta.type !== 'float16') throw fail(`The decoder's inputs_embeds input has type ${embedsMeta.type}.`);
  if (!inputIds && !embedsMeta) throw fail(`The graph has neither an input_ids nor an inputs_embeds input (inputs: ${[...inputs.keys()].join(', ')}).`);

  const layerIndex = new Map<number, Partial<LayerNames>>();
  const at = (i: number) => layerIndex.get(i) ?? layerIndex.set(i, {}).get(i)!;
  for (const name of inputs.keys()) {
    const m = /^past_key_values\.(\d+)\.(key|value)$/.exec(name);
    if (m) at(Number(m[1]))[m[2] === 'key' ? 'pastKey' : 'pastValue'] = name;
  }
  for (const name of outputs.keys()) {
    const m = /^present(?:_key_values)?\.(\d+)\.(key|value)$/.exec(name);
    if (m) at(Number(m[1]))[m[2] === 'key' ? 'presentKey' : 'presentValue'] = name;
  }
  const count = layerIndex.size;
  if (count === 0) {
    throw fail('The graph has no past_key_values.{i}.key/value inputs; only decoders exported with a KV cache (use_cache) are served.');
  }
  const layers: LayerNames[] = [];
  for (let i = 0; i < count; i += 1) {
    const l = layerIndex.get(i);
    if (!l?.pastKey || !l.pastValue || !l.presentKey || !l.presentValue) {
      throw fail(`Layer ${i}'s cache is incomplete: expected past_key_values.${i}.key/value inputs and present.${i}.key/value outputs.`);
    }
    layers.push(l as LayerNames);
  }

  const first = inputs.get(layers[0].pastKey)!;
  if (first.type !== 'float32' && first.type !== 'float16') throw fail(`The KV cache has type ${first.type}; float32 and float16 are supported.`);
  const dim = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : undefined);
  if (first.shape.length !== 4 && first.shape.length !== 0) {
    throw fail(`The KV cache has rank ${first.shape.length}; expected [batch, kv_heads, past, head_dim].`);
  }
  const kvHeads = dim(first.shape[1]) ?? config.kvHeads;
  const headDim = dim(first.shape[3]) ?? config.headDim;
  if (!kvHeads || !headDim) throw fail('Neither the graph nor config.json gives the KV cache head count and head size.');

  const logitsMeta = outputs.get('logits');
  if (!logitsMeta) throw fail(`The graph has no logits output (outputs: ${[...outputs.keys()].join(', ')}).`);
  if (logitsMeta.type !== 'float32' && logitsMeta.type !== 'float16') throw fail(`The logits have type ${logitsMeta.type}.`);

  const keepMeta = inputs.get('logits_to_keep') ?? inputs.get('num_logits_to_keep');
  const known = new Set(['input_ids', 'inputs_embeds', 'attention_mask', 'position_ids', 'use_cache_branch', 'cache_position', keepMeta?.name ?? '']);
  for (const l of layers) known.add(l.pastKey).add(l.pastValue);
  const unknown = [...inputs.keys()].filter((n) => !known.has(n));
  if (unknown.length > 0) throw fail(`The decoder has inputs this engine does not know how to feed: ${unknown.join(', ')}.`);

  return {
    inputIds: embedsMeta ? null : inputIds,
    inputsEmbeds: embedsMeta
      ? { type: embedsMeta.type as KvType, hidden: typeof embedsMeta.shape[2] === 'number' && embedsMeta.shape[2] > 0 ? embedsMeta.shape[2] : undefined }
      : null,
    attentionMask: intType(inputs.get('attention_mask'), 'attention_mask'),
    positionIds: intType(inputs.get('position_ids'), 'position_ids'),
    useCacheBranch: inputs.has('use_cache_branch'),
    logitsToKeep: keepMeta ? { name: keepMeta.name, type: intType(keepMeta, keepMeta.name)!, scalar: keepMeta.shape.length === 0 } : null,
    cachePosition: intType(inputs.get('cache_position'), 'cache_position'),
    layers,
    kvType: first.type,
    kvHeads,
    headDim,
    logits: 'logits',
    logitsType: logitsMeta.type,
  };
}
