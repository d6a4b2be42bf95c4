/**
 * A model folder's tokenizer (tokenizer.json + tokenizer_config.json through
 * @huggingface/tokenizers) and its chat template (rendered with @huggingface/jinja).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { TesseraError, badInput } from '../../errors.js';
import { templateMessage, templateTools } from './tools.js';
import type { ChatMessage, ToolDefinition } from './types.js';

type Json = Record<string, unknown>;

async function readJson(file: string): Promise<Json | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Json;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TesseraError('MODEL_LOAD_FAILED', `Cannot read ${path.basename(file)}: ${(error as Error).message}`);
  }
}

/** Special tokens in tokenizer_config.json are either strings or AddedToken objects. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).content === 'string') return (value as Json).content as string;
  return undefined;
}

/** The template named "default" when tokenizer_config.json lists several. */
function pickTemplate(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value as { name?: string; template?: string }[];
    return (named.find((t) => t.name === 'default') ?? named[0])?.template;
  }
  return undefined;
}

export class TextTokenizer {
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly modelMaxLength: number | undefined;
  /** For right-padding batches of encoder inputs; undefined when the config names no pad token. */
  readonly padTokenId: number | undefined;
  private readonly template: Template | null;
  private readonly specialTokens: Record<string, string>;

  private constructor(
    private readonly tokenizer: Tokenizer,
    config: Json,
    chatTemplate: string | undefined,
  ) {
    this.bosToken = tokenContent(config.bos_token);
    this.eosToken = tokenContent(config.eos_token);
    this.bosTokenId = this.bosToken === undefined ? undefined : tokenizer.token_to_id(this.bosToken);
    this.eosTokenId = this.eosToken === undefined ? undefined : tokenizer.token_to_id(this.eosToken);
    const maxLength = config.model_max_length;
    // Tokenizers without a limit store a huge sentinel (1e30) here.
    this.modelMaxLength = typeof maxLength === 'number' && maxLength < 1e9 ? maxLength : undefined;
    this.specialTokens = {};
    for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token']) {
      const content = tokenContent(config[key]);
      if (content !== undefined) this.specialTokens[key] = content;
    }
    const pad = this.specialTokens.pad_token;
    this.padTokenId = pad === undefined ? undefined : (tokenizer.token_to_id(pad) ?? undefined);
    try {
      this.template = chatTemplate ? new Template(chatTemplate) : null;
    } catch (error) {
      throw new TesseraError('MODEL_LOAD_FAILED', `The chat template does not parse: ${(error as Error).message}`);
    }
  }

  static async load(dir: string): Promise<TextTokenizer> {
    const [tokenizerJson, configJson] = await Promise.all([
      readJson(path.join(dir, 'tokenizer.json')),
      readJson(path.join(dir, 'tokenizer_config.json')),
    ]);
    if (!tokenizerJson) throw new TesseraError('MODEL_LOAD_FAILED', `No tokenizer.json in ${dir}.`);
    const config = configJson ?? {};
    // Newer exports keep the template beside the config instead of inside it.
    let chatTemplate = pickTemplate(config.chat_template);
    if (chatTemplate === undefined) {
      chatTemplate = await readFile(path.join(dir, 'chat_template.jinja'), 'utf8').catch(() => undefined);
    }
    if (chatTemplate === undefined) chatTemplate = pickTemplate((await readJson(path.join(dir, 'chat_template.json')))?.chat_template);
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson, config);
    } catch (error) {
      throw new TesseraError('MODEL_LOAD_FAILED', `tokenizer.json is not usable: ${(error as Error).message}`);
    }
    return new TextTokenizer(tokenizer, config, chatTemplate);
  }

  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  encode(text: string, options: { addSpecialTokens: boolean }): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens }).ids;
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    // The library rejects an empty list; an empty window is simply no text.
    if (ids.length === 0) return '';
    return this.tokenizer.decode(ids as number[], {
      skip_special_tokens: options.skipSpecialTokens ?? true,
      clean_up_tokenization_spaces: false,
    });
  }

  /** Ids run from 0 to vocabSize - 1 (added tokens included). */
  get vocabSize(): number {
    let max = -1;
    for (const id of this.tokenizer.get_vocab(true).values()) if (id > max) max = id;
    return max + 1;
  }

  /** One token's own text, special tokens included (for logprob alternatives). */
  tokenText(id: number): string {
    return this.tokenizer.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /** Renders a conversation with the model's chat template, ending with the assistant's turn prompt. */
  renderChat(messages: readonly ChatMessage[], options: { addGenerationPrompt?: boolean; tools?: readonly ToolDefinition[] } = {}): string {
    if (!this.template) throw badInput('This model has no chat template; send a prompt instead of messages.');
    try {
      return this.template.render({
        ...this.specialTokens,
        messages: messages.map(templateMessage),
        ...(options.tools?.length ? { tools: templateTools(options.tools) } : {}),
        add_generation_prompt: options.addGenerationPrompt ?? true,
      });
    } catch (error) {
      // Templates reject conversations they cannot express (e.g. roles out of turn) with raise_exception.
      throw badInput(`The conversation does not fit the model's chat template: ${(error as Error).message}`);
    }
  }
}
