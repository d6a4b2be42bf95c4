/**
 * STAND-IN for an OpenAI-compatible inference server (what vLLM, TGI, Ollama, llama.cpp's
 * server and LocalAI expose), the one boundary where the tests do not run the real thing:
 * none of those engines runs on this machine. It implements the published wire format:
 * `GET /v1/models`; `POST /v1/chat/completions` and `/v1/completions`, whole or streamed as
 * SSE `data:` chunks ending in `data: [DONE]`, with a last `usage` chunk when
 * `stream_options.include_usage` is set; `POST /v1/embeddings`; `POST /v1/audio/transcriptions`
 * (multipart, `verbose_json` with segments), which "hears" the WAV's duration and language. Its text is deterministic
 * ("echo" then the prompt's words, over again, one word per chunk) so tests can predict it.
 * Tests steer it (fail the next call, delay, slow chunks) and read what it saw (bodies,
 * streams the client closed before their end).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OpenAIStandinOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Pause between two streamed chunks. */
  chunkDelayMs?: number;
  /** Dimension of the deterministic embeddings. */
  dimension?: number;
}

export interface StandinFault {
  status?: number;
  body?: unknown;
  /** Hold the response headers this long (to exceed a client's timeout). */
  delayMs?: number;
}

interface ChatBody {
  model: string;
  messages?: { role: string; content: string }[];
  prompt?: string;
  max_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  logprobs?: boolean | number;
  top_logprobs?: number;
}

export class OpenAIStandin {
  private server: Server | undefined;
  private readonly faults: StandinFault[] = [];
  readonly seen: { path: string; body: unknown; authorization: string | undefined }[] = [];
  /** Streams whose client closed the connection before the stream's end. */
  closedEarly = 0;
  /** Streams that ran to `[DONE]`. */
  finished = 0;
  url = '';

  constructor(readonly options: OpenAIStandinOptions = {}) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The next call answers with this fault instead of its result. */
  failNext(fault: StandinFault): void {
    this.faults.push(fault);
  }

  /** The words a generation of `prompt` yields, as the stand-in streams them. */
  static words(prompt: string, maxTokens: number): string[] {
    const source = prompt.split(/\s+/).filter(Boolean);
    const words = ['echo'];
    for (let i = 0; words.length < maxTokens && source.length > 0 && i < source.length * 4; i++) words.push(source[i % source.length]);
    return words.slice(0, maxTokens).map((w, i) => (i === 0 ? w : ` ${w}`));
  }

  /** The deterministic embedding of `text`: sha256 bytes, centred, L2-normalised. */
  static embedding(text: string, dimension: number): number[] {
    const bytes = createHash('sha256').update(text).digest();
    const v = Array.from({ length: dimension }, (_, i) => bytes[i % bytes.length] - 127.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text && req.headers['content-type']?.includes('json') ? (JSON.parse(text) as ChatBody) : ({} as ChatBody);
    this.seen.push({ path, body, authorization: req.headers.authorization });
    if (this.options.apiKey && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return json(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error' } });
    }
    const fault = path === '/v1/models' ? undefined : this.faults.shift();
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.status) return json(res, fault.status, fault.body ?? { error: { message: `stand-in fault ${fault.status}`, type: 'server_error' } });
    if (req.method === 'GET' && path === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'standin-lm', object: 'model', owned_by: 'standin' }] });
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) return this.complete(path.endsWith('chat/completions'), body, res);
    if (req.method === 'POST' && path === '/v1/audio/transcriptions') return this.transcribe(req, Buffer.concat(chunks), res);
    if (req.method === 'POST' && path === '/v1/embeddings') return this.embeddings(body as unknown as { model: string; input: string | string[] }, res);
    return json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
  }

  private async complete(chat: boolean, body: ChatBody, res: ServerResponse): Promise<void> {
    if (chat ? !Array.isArray(body.messages) || body.messages.length === 0 : typeof body.prompt !== 'string') {
      return json(res, 400, { error: { message: chat ? "'messages' is a required property" : "'prompt' is a required property", type: 'invalid_request_error' } });
    }
    const prompt = chat ? body.messages!.map((m) => m.content).join(' ') : body.prompt!;
    const maxTokens = body.max_tokens ?? 16;
    const words = OpenAIStandin.words(prompt, maxTokens);
    const finishReason = words.length >= maxTokens ? 'length' : 'stop';
    const promptTokens = prompt.split(/\s+/).filter(Boolean).length;
    const usage = { prompt_tokens: promptTokens, completion_tokens: words.length, total_tokens: promptTokens + words.length };
    const id = `cmpl-standin-${this.seen.length}`;
    const object = chat ? 'chat.completion' : 'text_completion';
    const logprobs = body.logprobs === true || (typeof body.logprobs === 'number' && body.logprobs >= 0);
    const chatLogprobs = (w: string, i: number) => ({ content: [{ token: w, logprob: -0.25 * (i + 1), top_logprobs: [{ token: w, logprob: -0.25 * (i + 1) }] }] });
    if (!body.stream) {
      const content = words.join('');
      const choice = chat
        ? { index: 0, message: { role: 'assistant', content }, finish_reason: finishReason, logprobs: null }
        : { index: 0, text: content, finish_reason: finishReason, logprobs: null };
      return json(res, 200, { id, object, created: 0, model: body.model, choices: [choice], usage });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableEnded) {
        clientGone = true;
        this.closedEarly += 1;
      }
    });
    const send = (data: unknown) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    const chunkObject = `${object}.chunk`.replace('text_completion.chunk', 'text_completion');
    if (chat) send({ id, object: chunkObject, created: 0, model: body.model, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    for (const [i, word] of words.entries()) {
      if (this.options.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, this.options.chunkDelayMs));
      if (clientGone) return;
      const last = i === words.length - 1;
      const choice = chat
        ? { index: 0, delta: { content: word }, logprobs: logprobs ? chatLogprobs(word, i) : null, finish_reason: last ? finishReason : null }
        : {
            index: 0,
            text: word,
            logprobs: logprobs ? { tokens: [word], token_logprobs: [-0.25 * (i + 1)], top_logprobs: [{ [word]: -0.25 * (i + 1) }] } : null,
            finish_reason: last ? finishReason : null,
          };
      send({ id, object: chunkObject, created: 0, model: body.model, choices: [choice] });
    }
    if (body.stream_options?.include_usage) send({ id, object: chunkObject, created: 0, model: body.model, choices: [], usage });
    send('[DONE]');
    this.finished += 1;
    res.end();
  }

  /** The transcript of a WAV, as the stand-in hears it: its own duration and the language asked for. */
  static transcript(seconds: number, language: string | undefined): string {
    return `heard ${seconds.toFixed(2)} seconds${language ? ` in ${language}` : ''}`;
  }

  private async transcribe(req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const form = await new Request('http://standin/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: new Uint8Array(raw) }).formData();
    const file = form.get('file');
    if (!(file instanceof Blob) || typeof form.get('model') !== 'string') {
      return json(res, 400, { error: { message: "'file' and 'model' are required", type: 'invalid_request_error' } });
    }
    const wav = Buffer.from(await file.arrayBuffer());
    if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') return json(res, 400, { error: { message: 'Invalid file format.' } });
    // A canonical PCM WAV: rate at byte 24, bytes per second at 28, the data chunk's size at 40.
    const seconds = wav.readUInt32LE(40) / wav.readUInt32LE(28);
    const language = (form.get('language') as string | null) ?? undefined;
    const text = OpenAIStandin.transcript(seconds, language);
    this.seen.push({ path: '/v1/audio/transcriptions (form)', body: { model: form.get('model'), response_format: form.get('response_format'), language, sampleRate: wav.readUInt32LE(24) }, authorization: req.headers.authorization });
    if (form.get('response_format') !== 'verbose_json') return json(res, 200, { text });
    json(res, 200, { task: 'transcribe', language: language ?? 'english', duration: seconds, text, segments: [{ id: 0, seek: 0, start: 0, end: seconds, text: ` ${text}` }] });
  }

  private embeddings(body: { model: string; input: string | string[] }, res: ServerResponse): void {
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(inputs) || inputs.some((t) => typeof t !== 'string')) {
      return json(res, 400, { error: { message: "'input' must be a string or a list of strings", type: 'invalid_request_error' } });
    }
    const dimension = this.options.dimension ?? 16;
    json(res, 200, {
      object: 'list',
      model: body.model,
      data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: OpenAIStandin.embedding(text, dimension) })),
      usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
    });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
