/**
 * The two graphs of a vision-encoder-decoder export, as read from their metadata:
 *   encoder_model.onnx         pixel_values → last_hidden_state
 *   decoder_model_merged.onnx  input_ids, encoder_hidden_states, [encoder_attention_mask],
 *                              past_key_values.{i}.key/value, [use_cache_branch]
 *                              → logits, present.{i}.key/value
 *   decoder_model.onnx         the same without the cache (every step re-reads all tokens).
 * GPT-2 style decoders cache only self-attention; seq2seq decoders (TrOCR, BART/mBART) name it
 * past_key_values.{i}.decoder.key/value and also cache cross-attention as
 * past_key_values.{i}.encoder.key/value, which their merged graph computes on the first step
 * (use_cache_branch false) and reads afterwards.
 */
import type { GraphMetadata, ValueMetadata } from '../../repository/signature.js';
import type { IntType, KvType, LayerNames } from '../../generation/signature.js';

export interface EncoderSignature {
  pixelValues: string;
  hiddenStates: string;
  /** Fixed [height, width] when the graph states them. */
  imageSize: { height: number; width: number } | null;
}

export interface CaptionDecoderSignature {
  inputIds: IntType;
  encoderHiddenStates: string;
  encoderAttentionMask: IntType | null;
  useCacheBranch: boolean;
  /** Empty for a decoder without a cache. */
  layers: LayerNames[];
  /** Cross-attention caches (seq2seq decoders); empty when cross-attention is recomputed. */
  crossLayers: LayerNames[];
  kvType: KvType;
  kvHeads: number | undefined;
  headDim: number | undefined;
  logits: string;
}

const byName = (list: readonly ValueMetadata[]) => new Map(list.map((m) => [m.name, m]));

function intType(meta: ValueMetadata | undefined, what: string): IntType | null {
  if (!meta) return null;
  if (meta.type === 'int64' || meta.type === 'int32') return meta.type;
  throw new Error(`the decoder's ${what} input has type ${meta.type}; expected int64 or int32`);
}

export function describeEncoder(metadata: GraphMetadata): EncoderSignature {
  const inputs = metadata.inputs.filter((m) => m.isTensor);
  const pixel = inputs.find((m) => m.name === 'pixel_values') ?? (inputs.length === 1 ? inputs[0] : undefined);
  if (!pixel) throw new Error(`the encoder has no pixel_values input (inputs: ${inputs.map((m) => m.name).join(', ')})`);
  if (pixel.type !== 'float32') throw new Error(`the encoder's ${pixel.name} input has type ${pixel.type}; expected float32`);
  const outputs = metadata.outputs.filter((m) => m.isTensor);
  const hidden = outputs.find((m) => m.name === 'last_hidden_state') ?? outputs[0];
  if (!hidden) throw new Error('the encoder has no outputs');
  const [, , h, w] = pixel.shape ?? [];
  return {
    pixelValues: pixel.name,
    hiddenStates: hidden.name,
    imageSize: typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? { height: h, width: w } : null,
  };
}

/** Per layer, the past input and present output names whose middle part matches `infix`. */
function collectLayers(inputs: Map<string, ValueMetadata>, outputs: Map<string, ValueMetadata>, infix: string): LayerNames[] {
  const found = new Map<number, Partial<LayerNames>>();
  const at = (i: number) => found.get(i) ?? found.set(i, {}).get(i)!;
  const past = new RegExp(`^past_key_values\\.(\\d+)\\.${infix}(key|value)$`);
  const present = new RegExp(`^present\\.(\\d+)\\.${infix}(key|value)$`);
  for (const name of inputs.keys()) {
    const m = past.exec(name);
    if (m) at(Number(m[1]))[m[2] === 'key' ? 'pastKey' : 'pastValue'] = name;
  }
  for (const name of outputs.keys()) {
    const m = present.exec(name);
    if (m) at(Number(m[1]))[m[2] === 'key' ? 'presentKey' : 'presentValue'] = name;
  }
  const layers: LayerNames[] = [];
  for (let i = 0; i < found.size; i += 1) {
    const l = found.get(i);
    if (!l?.pastKey || !l.pastValue || !l.presentKey || !l.presentValue) {
      throw new Error(`layer ${i}'s cache is incomplete: expected past_key_values.${i}.${infix.startsWith('encoder') ? 'encoder.' : ''}key/value inputs and the matching present outputs`);
    }
    layers.push(l as LayerNames);
  }
  return layers;
}

export function describeCaptionDecoder(metadata: GraphMetadata): CaptionDecoderSignature {
  const inputs = byName(metadata.inputs);
  const outputs = byName(metadata.outputs);
  const inputIds = intType(inputs.get('input_ids'), 'input_ids');
  if (!inputIds) throw new Error(`the decoder has no input_ids input (inputs: ${[...inputs.keys()].join(', ')})`);
  if (!inputs.has('encoder_hidden_states')) throw new Error('the decoder has no encoder_hidden_states input');
  const layers = collectLayers(inputs, outputs, '(?:decoder\\.)?');
  const crossLayers = collectLayers(inputs, outputs, 'encoder\\.');
  if (crossLayers.length > 0 && (crossLayers.length !== layers.length || !inputs.has('use_cache_branch'))) {
    throw new Error('a decoder that caches cross-attention must be a merged decoder (use_cache_branch) with a self-attention cache per layer');
  }
  const first = layers.length > 0 ? inputs.get(layers[0].pastKey)! : undefined;
  if (first && first.type !== 'float32' && first.type !== 'float16') throw new Error(`the KV cache has type ${first.type}`);
  const dim = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : undefined);
  if (!outputs.has('logits')) throw new Error(`the decoder has no logits output (outputs: ${[...outputs.keys()].join(', ')})`);
  if (outputs.get('logits')!.type !== 'float32') throw new Error(`the decoder's logits have type ${outputs.get('logits')!.type}; expected float32`);

  const known = new Set(['input_ids', 'encoder_hidden_states', 'encoder_attention_mask', 'use_cache_branch']);
  for (const l of [...layers, ...crossLayers]) known.add(l.pastKey).add(l.pastValue);
  const unknown = [...inputs.keys()].filter((n) => !known.has(n));
  if (unknown.length > 0) throw new Error(`the decoder has inputs this engine does not know how to feed: ${unknown.join(', ')}`);

  return {
    inputIds,
    encoderHiddenStates: 'encoder_hidden_states',
    encoderAttentionMask: intType(inputs.get('encoder_attention_mask'), 'encoder_attention_mask'),
    useCacheBranch: inputs.has('use_cache_branch'),
    layers,
    crossLayers,
    kvType: (first?.type as KvType | undefined) ?? 'float32',
    kvHeads: dim(first?.shape?.[1]),
    headDim: dim(first?.shape?.[3]),
    logits: 'logits',
  };
}
