/**
 * The model manifest (`model.json`): what a model folder holds, what it serves and how
 * its queue behaves. Parsed strictly so a typo fails loudly at load instead of being ignored.
 */
import { z } from 'zod';
import type { Modality, Task } from '../types.js';

export const MANIFEST_FILE = 'model.json';

const TASKS = ['OCR', 'VAD', 'TEXT_GENERATION', 'TENSOR', 'IMAGE_CLASSIFICATION', 'ZERO_SHOT_IMAGE_CLASSIFICATION', 'TEXT_EMBEDDING', 'SPEECH_RECOGNITION', 'IMAGE_CAPTIONING', 'TEXT_TO_SPEECH', 'IMAGE_TEXT_TO_TEXT'] as const satisfies readonly Task[];
const MODALITIES = [
  'TEXT',
  'IMAGE',
  'AUDIO',
  'EMBEDDING',
  'LABELS',
  'BOXES',
  'SEGMENTS',
  'TOKENS',
] as const satisfies readonly Modality[];

/** Element types onnxruntime-node reports in `inputMetadata`/`outputMetadata`. */
export const TENSOR_TYPES = [
  'float32',
  'float16',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
  'string',
] as const;

const modelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

const fileEntry = z.strictObject({
  /** Relative to the model folder, or `npm:<package>/<subpath>` resolved from node_modules. */
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
});

const tensorSignature = z.strictObject({
  name: z.string().min(1),
  type: z.enum(TENSOR_TYPES),
  rank: z.number().int().min(0),
  /** Optional fixed sizes per axis; null marks an axis the model leaves dynamic. */
  dims: z.array(z.number().int().min(0).nullable()).optional(),
});

const fileSignature = z.strictObject({
  inputs: z.array(tensorSignature),
  outputs: z.array(tensorSignature),
});

/** A zero-filled (or `fill`-filled) input per name, to run the model once right after loading. */
const warmupFeeds = z.record(
  z.string(),
  z.strictObject({ dims: z.array(z.number().int().min(0)), fill: z.number().optional() }),
);

/** `env:NAME` reads the key from the environment at load, so no secret sits in model.json. */
const apiKeyRef = z.string().regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable as env:NAME');

const upstreamUrl = z.url({ protocol: /^https?$/ });

/** Milliseconds an upstream may take to answer (and, streaming, between two chunks) before UPSTREAM_TIMEOUT. */
const upstreamTimeout = z.number().int().min(1).default(60_000);

/**
 * A remote engine that serves the model instead of local ONNX files: an OpenAI-compatible
 * server (vLLM, TGI, Ollama, llama.cpp, LocalAI) or a KServe v2 / Triton server that runs
 * the graphs while pre- and post-processing stay here.
 */
const backendSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('openai'),
    url: upstreamUrl,
    model: z.string().min(1),
    apiKey: apiKeyRef.optional(),
    timeoutMs: upstreamTimeout,
  }),
  z.strictObject({
    kind: z.literal('kserve-v2'),
    url: upstreamUrl,
    model: z.string().min(1),
    /** The server's model per graph key, for a model of several graphs; one graph is keyed `model`. */
    graphs: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.string().min(1)).optional(),
    timeoutMs: upstreamTimeout,
  }),
]);

const batching = z.strictObject({
  maxBatchSize: z.number().int().min(1).default(1),
  maxQueueDelayMs: z.number().min(0).default(0),
  maxQueue: z.number().int().min(0).default(64),
  concurrency: z.number().int().min(1).default(1),
});

export const manifestSchema = z
  .strictObject({
    name: modelName,
    task: z.enum(TASKS),
    description: z.string().optional(),
    inputModalities: z.array(z.enum(MODALITIES)).min(1),
    outputModalities: z.array(z.enum(MODALITIES)).min(1),
    source: z.string().min(1),
    /** The hub repository (`org/name`) a pulled model came from; clients may use it in place of `name`. */
    hubId: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'a hub id such as org/name').optional(),
    license: z.string().min(1),
    preload: z.boolean().default(false),
    files: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'file keys are simple identifiers'), fileEntry),
    signature: z.record(z.string(), fileSignature).default({}),
    warmup: z.record(z.string(), warmupFeeds).default({}),
    settings: z.record(z.string(), z.unknown()).default({}),
    batching: batching.default({ maxBatchSize: 1, maxQueueDelayMs: 0, maxQueue: 64, concurrency: 1 }),
    /** Why requests to this model run one at a time, when `models pull` found it cannot batch them. */
    batchingUnavailable: z.string().min(1).optional(),
    backend: backendSchema.optional(),
  })
  .superRefine((manifest, ctx) => {
    const onnxKeys = new Set(graphKeys(manifest));
    if (onnxKeys.size === 0 && !manifest.backend) {
      ctx.addIssue({ code: 'custom', path: ['files'], message: 'at least one .onnx file is required' });
    }
    for (const section of ['signature', 'warmup'] as const) {
      for (const key of Object.keys(manifest[section])) {
        if (!onnxKeys.has(key)) {
          ctx.addIssue({ code: 'custom', path: [section, key], message: `"${key}" is not an .onnx entry of files` });
        }
      }
    }
  });

export type ModelManifest = z.output<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;
export type TensorSignature = z.output<typeof tensorSignature>;
export type FileSignature = z.output<typeof fileSignature>;
export type BatchingOptions = z.output<typeof batching>;
export type WarmupFeeds = z.output<typeof warmupFeeds>;
export type Backend = z.output<typeof backendSchema>;
export type OpenAIBackend = Extract<Backend, { kind: 'openai' }>;
export type KServeBackend = Extract<Backend, { kind: 'kserve-v2' }>;

/** The graphs a model runs: its .onnx files, or the graphs a KServe v2 server runs for it. */
export function graphKeys(manifest: Pick<ModelManifest, 'files' | 'backend'>): string[] {
  if (manifest.backend?.kind === 'kserve-v2') return Object.keys(manifest.backend.graphs ?? { model: manifest.backend.model });
  return Object.keys(manifest.files).filter((key) => isOnnxPath(manifest.files[key].path));
}

export function isOnnxPath(path: string): boolean {
  return path.toLowerCase().endsWith('.onnx');
}

/** The keys of `files` that are ONNX graphs, in manifest order. */
export function onnxFileKeys(manifest: ModelManifest): string[] {
  return Object.keys(manifest.files).filter((key) => isOnnxPath(manifest.files[key].path));
}

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ManifestError';
  }
}

/**
 * Parses and validates manifest text. `expectedName` is the folder's name: the manifest
 * must agree with it so the name a client asks for is the folder an operator sees.
 */
export function parseManifest(text: string, file: string, expectedName?: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(file, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `${where}: ${issue.message}`;
    });
    throw new ManifestError(file, problems.join('; '));
  }
  if (expectedName !== undefined && parsed.data.name !== expectedName) {
    throw new ManifestError(file, `name: "${parsed.data.name}" must match its folder "${expectedName}"`);
  }
  return parsed.data;
}
