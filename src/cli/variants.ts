/**
 * Which graph file `models pull --variant` downloads. Hub repositories exported for
 * transformers.js keep their precisions side by side under fixed suffixes
 * (`onnx/model_q4.onnx`, `model_fp16.onnx`, ...); a variant names one of them, and the
 * pulled model serves that file alone.
 */

export const VARIANTS = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const;
export type Variant = (typeof VARIANTS)[number];

/** File-name suffixes per variant, in the order they are tried. */
const SUFFIXES: Record<Variant, string[]> = {
  fp32: [''],
  fp16: ['_fp16'],
  q8: ['_quantized', '_int8', '_uint8'],
  q4: ['_q4'],
  q4f16: ['_q4f16'],
};

/** Where exports put the graph, in the order they are tried. */
const GRAPH_STEMS = ['onnx/model', 'onnx/decoder_model_merged', 'model', 'decoder_model_merged'];

export function isVariant(value: string): value is Variant {
  return (VARIANTS as readonly string[]).includes(value);
}

/** The variant's graph in a hub listing, or undefined when the repository has none. */
export function variantGraph(files: readonly string[], variant: Variant): string | undefined {
  for (const stem of GRAPH_STEMS) {
    for (const suffix of SUFFIXES[variant]) {
      if (files.includes(`${stem}${suffix}.onnx`)) return `${stem}${suffix}.onnx`;
    }
  }
  return undefined;
}

/** What a repository offers, for the error message when the asked-for variant is missing. */
export function availableVariants(files: readonly string[]): Variant[] {
  return VARIANTS.filter((variant) => variantGraph(files, variant) !== undefined);
}
