/**
 * STAND-IN for a KServe v2 / NVIDIA Triton server (the Open Inference Protocol's REST
 * binding), the one boundary where the tests do not run the real thing. It serves real
 * ONNX graphs through onnxruntime-node, as Triton's onnxruntime backend would:
 * `GET /v2/health/ready`, `GET /v2/models/{m}` (name, versions, platform, inputs and outputs
 * with datatype and shape, -1 for a dynamic axis), `GET /v2/models/{m}/ready`, and
 * `POST /v2/models/{m}/infer` with tensors as JSON (`{name, shape, datatype, data}`; the
 * requested `outputs`, or all). Errors are `{"error": "..."}` with 400/404, as the spec says.
 * Written from the spec, not from Tessera's client, so the two check each other.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ort from 'onnxruntime-node';

const DATATYPES: Record<string, string> = { float32: 'FP32', float64: 'FP64', int32: 'INT32', int64: 'INT64', uint8: 'UINT8', bool: 'BOOL' };

interface RequestTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

export class KServeStandin {
  private server: Server | undefined;
  private readonly sessions = new Map<string, ort.InferenceSession>();
  /** Inference calls served, by model. */
  readonly inferCalls = new Map<string, number>();
  url = '';

  /** `models`: the server's model name → the .onnx file it runs. */
  constructor(private readonly models: Record<string, string>) {}

  async start(): Promise<string> {
    for (const [name, file] of Object.entries(this.models)) this.sessions.set(name, await ort.InferenceSession.create(file, { intraOpNumThreads: 1 }));
    this.server = createServer((req, res) => void this.handle(req, res).catch((error: Error) => json(res, 500, { error: error.message })));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    for (const session of this.sessions.values()) await session.release();
  }

  private metadata(name: string, session: ort.InferenceSession) {
    const side = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
      list.map((m) => {
        const tensor = m as ort.InferenceSession.TensorValueMetadata;
        return { name: m.name, datatype: DATATYPES[tensor.type] ?? tensor.type, shape: tensor.shape.map((d) => (typeof d === 'number' ? d : -1)) };
      });
    return { name, versions: ['1'], platform: 'onnxruntime_onnx', inputs: side(session.inputMetadata), outputs: side(session.outputMetadata) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    if (req.method === 'GET' && (path === '/v2/health/ready' || path === '/v2/health/live')) return json(res, 200, {});
    const match = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?(\/ready|\/infer)?$/.exec(path);
    if (!match) return json(res, 404, { error: `no route ${req.method} ${path}` });
    const name = decodeURIComponent(match[1]);
    const session = this.sessions.get(name);
    if (!session) return json(res, 404, { error: `Request for unknown model: '${name}' is not found` });
    if (req.method === 'GET' && match[2] === undefined) return json(res, 200, this.metadata(name, session));
    if (req.method === 'GET' && match[2] === '/ready') return json(res, 200, {});
    if (req.method !== 'POST' || match[2] !== '/infer') return json(res, 405, { error: 'method not allowed' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string; inputs?: RequestTensor[]; outputs?: { name: string }[] };
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of body.inputs ?? []) {
      const count = input.shape.reduce((a, b) => a * b, 1);
      const flat = input.data.flat(Infinity) as number[];
      if (flat.length !== count) return json(res, 400, { error: `input '${input.name}': ${flat.length} values for shape [${input.shape}]` });
      if (input.datatype === 'FP32') feeds[input.name] = new ort.Tensor('float32', Float32Array.from(flat), input.shape);
      else if (input.datatype === 'INT64') feeds[input.name] = new ort.Tensor('int64', BigInt64Array.from(flat, (v) => BigInt(v)), input.shape);
      else if (input.datatype === 'INT32') feeds[input.name] = new ort.Tensor('int32', Int32Array.from(flat), input.shape);
      else return json(res, 400, { error: `input '${input.name}': datatype ${input.datatype} is not supported by this stand-in` });
    }
    const wanted = body.outputs?.map((o) => o.name) ?? session.outputNames;
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(feeds, wanted);
    } catch (error) {
      return json(res, 400, { error: (error as Error).message });
    }
    this.inferCalls.set(name, (this.inferCalls.get(name) ?? 0) + 1);
    const outputs = wanted.map((output) => {
      const tensor = results[output] as ort.Tensor;
      const data = Array.from(tensor.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v));
      return { name: output, shape: [...tensor.dims], datatype: DATATYPES[tensor.type] ?? tensor.type, data };
    });
    json(res, 200, { model_name: name, model_version: '1', id: body.id, outputs });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
