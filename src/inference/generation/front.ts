/**
 * What a generation request becomes before any model work: validated, its output grammar's
 * schema compiled (so an unsupported one fails now), its prompt tokenized and checked against
 * the context, its token limit fixed. Shared by the in-thread generator and the one that
 * decodes on its own thread, which runs this part on the server's thread so that bad input
 * fails synchronously there.
 */
import { TesseraError, badInput } from '../../errors.js';
import { compileResponseFormat } from './constraints/schema.js';
import type { DecoderConfig } from './model-config.js';
import type { TextTokenizer } from './tokenizer.js';
import { checkTools, forcedCallGrammar, toolMode, type ToolMode } from './tools.js';
import type { GenerationRequest } from './types.js';
import { checkContext, validateGenerationRequest } from './validate.js';

const DEFAULT_MAX_TOKENS = 128;

/** The compiled root of a request's output grammar, and the key its built grammar is cached under. */
export interface OutputPlan {
  root: ReturnType<typeof compileResponseFormat> | null;
  tools: ToolMode;
  key: string;
}

/** A request ready for the decode loop: everything here is plain data, so it can cross threads. */
export interface PreparedGeneration {
  request: GenerationRequest;
  promptIds: number[];
  maxTokens: number;
}

/** The key a request's output grammar is cached under; '' when its output is not constrained. */
export function outputKey(request: GenerationRequest, tools: ToolMode = toolMode(request)): string {
  if (request.responseFormat) return JSON.stringify(request.responseFormat);
  return tools.kind === 'forced' ? JSON.stringify({ tools: tools.tools }) : '';
}

/** The request's output grammar root (responseFormat, or a forced tool call); BAD_USER_INPUT on unsupported schemas. */
export function planOutput(request: GenerationRequest): OutputPlan {
  const toolGrammars = checkTools(request);
  const tools = toolMode(request);
  const root = request.responseFormat
    ? compileResponseFormat(request.responseFormat)
    : tools.kind === 'forced'
      ? forcedCallGrammar(tools.tools, toolGrammars)
      : null;
  return { root, tools, key: root ? outputKey(request, tools) : '' };
}

export class GenerationFront {
  readonly contextLength: number;

  constructor(
    readonly tokenizer: TextTokenizer,
    private readonly config: Pick<DecoderConfig, 'contextLength' | 'maxNewTokens' | 'maxLength'>,
  ) {
    const contextLength = config.contextLength ?? tokenizer.modelMaxLength;
    if (!contextLength) throw new TesseraError('MODEL_LOAD_FAILED', 'Neither config.json nor tokenizer_config.json gives a context length.');
    this.contextLength = contextLength;
  }

  /**
   * Without maxTokens: generation_config's max_new_tokens, else what its max_length
   * leaves after the prompt, else 128; never more than the context has room for.
   */
  defaultMaxTokens(promptTokens: number): number {
    const { maxNewTokens, maxLength } = this.config;
    const wanted = maxNewTokens ?? (maxLength !== undefined ? maxLength - promptTokens : DEFAULT_MAX_TOKENS);
    return Math.max(1, Math.min(wanted, this.contextLength - promptTokens));
  }

  /** Token ids the model sees for a request (chat template applied). */
  promptIds(request: GenerationRequest): number[] {
    const tools = request.toolChoice === 'none' ? undefined : request.tools;
    const ids = request.messages
      ? this.tokenizer.encode(this.tokenizer.renderChat(request.messages, { tools }), { addSpecialTokens: false })
      : this.tokenizer.encode(request.prompt ?? '', { addSpecialTokens: true });
    if (ids.length > 0) return ids;
    if (this.tokenizer.bosTokenId !== undefined) return [this.tokenizer.bosTokenId];
    throw badInput('The prompt is empty and this model has no beginning-of-sequence token to start from.', { parameter: 'prompt' });
  }

  /** Every check a request gets before work; `ids` when the caller tokenized the prompt itself (image placeholders). */
  prepare(request: GenerationRequest, ids?: number[]): PreparedGeneration & { output: OutputPlan } {
    // The prompt is counted before the context check so its message states the real count.
    validateGenerationRequest(request);
    const output = planOutput(request);
    const promptIds = ids ?? this.promptIds(request);
    checkContext(this.contextLength, promptIds.length, request.maxTokens);
    return { request, promptIds, maxTokens: request.maxTokens ?? this.defaultMaxTokens(promptIds.length), output };
  }
}
