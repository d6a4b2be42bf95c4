/**
 * A model's graphs run by a KServe v2 / Triton server: the same `GraphPool` a task gets from
 * local sessions, so its pre- and post-processing and its scheduler stay as they are and
 * only the session run becomes `POST /v2/models/{m}/infer`. Opening checks the server is
 * ready and reads each model's metadata, which the manifest's signature is checked against.
 */
import type * as ort from 'onnxruntime-node';
import { TesseraError, throwIfAborted } from '../../../errors.js';
import type { KServeBackend } from '../../repository/manifest.js';
import type { GraphMetadata } from '../../repository/signature.js';
import type { GraphPool } from '../../runtime/model-loader.js';
import type { OnnxRunner } from '../../types.js';
import { callUpstreamJson, type Upstream } from '../upstream.js';
import { elementType, fromWire, toWire, type WireTensor } from './wire.js';

interface ModelMetadata {
  name: string;
  inputs?: { name: string; datatype: string; shape: number[] }[];
  outputs?: { name: string; datatype: string; shape: number[] }[];
}

export function kserveUpstream(model: string, backend: KServeBackend): Upstream {
  return { what: `kserve-v2 backend of "${model}"`, url: backend.url, timeoutMs: backend.timeoutMs };
}

const modelPath = (name: string) => `v2/models/${encodeURIComponent(name)}`;

function graphMetadata(metadata: ModelMetadata): GraphMetadata {
  const side = (list: ModelMetadata['inputs']) =>
    (list ?? []).map((t) => ({ name: t.name, isTensor: true, type: elementType(t.datatype), shape: t.shape.map((d) => (d < 0 ? 'dynamic' : d)) }));
  return { inputs: side(metadata.inputs), outputs: side(metadata.outputs) };
}

export class KServeGraphPool implements GraphPool {
  readonly executionProvider = 'remote' as const;
  private closed = false;

  private constructor(
    private readonly upstream: Upstream,
    private readonly names: Record<string, string>,
    readonly metadata: Record<string, GraphMetadata>,
  ) {}

  static async open(model: string, backend: KServeBackend, signal?: AbortSignal): Promise<KServeGraphPool> {
    const upstream = kserveUpstream(model, backend);
    const names = backend.graphs ?? { model: backend.model };
    const metadata: Record<string, GraphMetadata> = {};
    for (const [key, name] of Object.entries(names)) {
      metadata[key] = graphMetadata(await callUpstreamJson<ModelMetadata>(upstream, modelPath(name), { signal }));
    }
    return new KServeGraphPool(upstream, names, metadata);
  }

  runner(key: string, label: string): OnnxRunner {
    const metadata = this.metadata[key];
    if (!metadata) throw new Error(`${label}: no graph "${key}" in this model's backend`);
    const outputNames = metadata.outputs.map((m) => m.name);
    return {
      inputNames: metadata.inputs.map((m) => m.name),
      outputNames,
      run: (feeds, signal) => this.infer(key, label, feeds, outputNames, signal),
    };
  }

  private async infer(key: string, label: string, feeds: Record<string, ort.Tensor>, outputs: string[], signal?: AbortSignal): Promise<Record<string, ort.Tensor>> {
    throwIfAborted(signal);
    if (this.closed) throw new TesseraError('MODEL_NOT_READY', `${label}: the model was unloaded`);
    const body = {
      inputs: Object.entries(feeds).map(([name, tensor]) => toWire(name, tensor)),
      outputs: outputs.map((name) => ({ name })),
    };
    const reply = await callUpstreamJson<{ outputs?: WireTensor[] }>(this.upstream, `${modelPath(this.names[key])}/infer`, { body, signal });
    const result: Record<string, ort.Tensor> = {};
    for (const tensor of reply.outputs ?? []) result[tensor.name] = fromWire(tensor);
    for (const name of outputs) {
      if (!result[name]) throw new TesseraError('UPSTREAM_UNAVAILABLE', `The ${this.upstream.what} did not return output "${name}".`);
    }
    return result;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
