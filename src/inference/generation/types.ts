/**
 * The text generation engine's public vocabulary: what a caller asks for and the
 * events a generation streams back. Nothing here knows GraphQL.
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** A function call the model made; `arguments` is the parsed JSON object. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** A piece of a multimodal message: text, or an image (encoded bytes, decoded by the task that takes images). */
export type MessagePart = { type: 'text'; text: string } | { type: 'image'; image: Uint8Array };

export interface ChatMessage {
  role: ChatRole;
  /** The text of the message; ignored when `parts` is given. */
  content: string;
  /** Text and images in order, for vision-language models (IMAGE_TEXT_TO_TEXT); a text-only model takes text parts only. */
  parts?: MessagePart[] | null;
  /** An assistant turn's calls, sent back on the next turn (`arguments`: an object or its JSON text). */
  toolCalls?: { id: string; name: string; arguments?: unknown }[] | null;
  /** A tool message: the call it answers. */
  toolCallId?: string | null;
}

export interface ToolDefinition {
  name: string;
  description?: string | null;
  /** JSON schema of the arguments object (the supported subset, as for responseFormat). */
  parameters?: unknown;
}

/** `required` and a named function constrain decoding to a call whose arguments validate. */
export type ToolChoice = 'auto' | 'none' | 'required' | { function: string };

export interface ResponseFormat {
  type: 'json_object' | 'json_schema';
  /** Required for json_schema; json_object means any JSON object. */
  schema?: unknown;
}

export interface GenerationRequest {
  /** Raw text to continue; exactly one of `prompt` and `messages`. */
  prompt?: string;
  /** A conversation rendered with the model's chat template (generation prompt appended). */
  messages?: ChatMessage[];
  /** Default: generation_config.json's max_new_tokens, else 128, capped by the room left in the context. */
  maxTokens?: number;
  /** 0 or absent: greedy. */
  temperature?: number;
  /** 0 or absent: off. */
  topK?: number;
  topP?: number;
  minP?: number;
  /** Multiplicative penalty on tokens already in the prompt or the output (1 = off). */
  repetitionPenalty?: number;
  /** Subtracted once from every token already generated. */
  presencePenalty?: number;
  /** Subtracted per occurrence of a token already generated. */
  frequencyPenalty?: number;
  /** Makes sampling reproducible; without it each request draws a fresh seed. */
  seed?: number;
  /** Texts that end the generation; the matched text is not part of the output. */
  stop?: string[];
  logprobs?: boolean;
  /** Alternatives per token (0-20); implies `logprobs`. */
  topLogprobs?: number;
  /** Decoding constrained so the text is JSON of this shape (see docs/structured-output.md). */
  responseFormat?: ResponseFormat;
  /** Functions the model may call (chat only); offered through the chat template's `tools`. */
  tools?: ToolDefinition[];
  /** Default `auto` when tools are given. */
  toolChoice?: ToolChoice;
}

export type FinishReason = 'STOP' | 'LENGTH' | 'CANCELLED' | 'ERROR' | 'TOOL_CALLS';

export interface TokenLogprob {
  tokenId: number;
  text: string;
  logprob: number;
}

export interface GenerationTimings {
  queueMs: number;
  timeToFirstTokenMs: number | null;
  tokensPerSecond: number | null;
  computeMs: number;
  /** The largest batch this request's forward passes shared; null if it never ran. */
  batchSize: number | null;
}

export type GenerationEvent =
  | { type: 'started'; promptTokens: number; queueMs: number }
  | {
      type: 'token';
      /** Position of the token in the completion: every token gets an event, 0, 1, 2, ... */
      index: number;
      tokenId: number;
      /** The text this token completes; '' while a character or a possible stop string is pending. */
      text: string;
      /** The log-probability of this token. */
      logprob: number | null;
      topLogprobs: TokenLogprob[] | null;
    }
  | ({ type: 'tool_call'; index: number } & ToolCall)
  | {
      type: 'completed';
      finishReason: FinishReason;
      text: string;
      /** The parsed value of a responseFormat generation that completed (never on LENGTH). */
      json?: unknown;
      usage: { promptTokens: number; completionTokens: number };
      timings: GenerationTimings;
      error?: { code: string; message: string };
    };

export type TokenEvent = Extract<GenerationEvent, { type: 'token' }>;
export type CompletedEvent = Extract<GenerationEvent, { type: 'completed' }>;
export type ToolCallEvent = Extract<GenerationEvent, { type: 'tool_call' }>;

/** pino-compatible subset; every method optional so a bare object works. */
export interface GenerationLogger {
  debug?(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error?(obj: object, msg?: string): void;
}
