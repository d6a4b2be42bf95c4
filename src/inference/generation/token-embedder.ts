/**
 * Token embeddings for decoders that take `inputs_embeds` (the transformers.js / optimum
 * layout of decoder VLMs: `embed_tokens.onnx` beside the decoder). Image features replace
 * the embeddings of the image placeholder tokens, in order, which is how the image enters
 * the prompt; the decoder itself never sees a token id.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { TesseraError } from '../../errors.js';

export class TokenEmbedder {
  private readonly inputName: string;
  private readonly outputName: string;

  constructor(
    private readonly session: InferenceSession,
    /** The placeholder token the chat template writes where an image's features go. */
    readonly imageTokenId: number | undefined,
  ) {
    this.inputName = session.inputNames.includes('input_ids') ? 'input_ids' : session.inputNames[0];
    this.outputName = session.outputNames.includes('inputs_embeds') ? 'inputs_embeds' : session.outputNames[0];
  }

  /**
   * `tokens` is batch x seqLen, row-major; `features[row]`, when given, holds that row's
   * image features (one hidden-size vector per placeholder token, in prompt order).
   */
  async embed(tokens: ArrayLike<number>, batch: number, seqLen: number, features?: readonly (Float32Array | undefined)[]): Promise<Tensor> {
    const ids = new BigInt64Array(tokens.length);
    for (let i = 0; i < tokens.length; i += 1) ids[i] = BigInt(tokens[i]);
    const input = new Tensor('int64', ids, [batch, seqLen]);
    const out = await this.session.run({ [this.inputName]: input }, [this.outputName]);
    input.dispose();
    const embeds = out[this.outputName];
    if (!features?.some(Boolean)) return embeds;
    if (embeds.type !== 'float32') throw new TesseraError('INFERENCE_FAILED', `Image features are spliced into float32 embeddings; this model's are ${embeds.type}.`);
    const hidden = embeds.dims[2];
    const data = embeds.data as Float32Array;
    for (let row = 0; row < batch; row += 1) {
      const rowFeatures = features[row];
      if (!rowFeatures) continue;
      let used = 0;
      for (let t = 0; t < seqLen; t += 1) {
        if (tokens[row * seqLen + t] !== this.imageTokenId) continue;
        if (used + hidden > rowFeatures.length) throw new TesseraError('INFERENCE_FAILED', 'The prompt has more image placeholder tokens than image features.');
        data.set(rowFeatures.subarray(used, used + hidden), (row * seqLen + t) * hidden);
        used += hidden;
      }
    }
    return embeds;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
