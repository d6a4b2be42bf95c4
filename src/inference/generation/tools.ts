/**
 * Function calling: checks the offered tools, builds what the chat template sees, the
 * grammar a forced call is decoded under, and reads calls back out of generated text in
 * the formats real chat templates teach (Hermes/Qwen `<tool_call>{…}</tool_call>`,
 * Llama 3.x bare JSON `{"name": …, "parameters": …}`).
 */
import { randomBytes } from 'node:crypto';
import { badInput } from '../../errors.js';
import { ANY_OBJECT, asciiJson, compileSchema, type ValueNode } from './constraints/schema.js';
import type { ChatMessage, GenerationRequest, ToolCall, ToolDefinition } from './types.js';

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_TOOLS = 128;

/** The tool-call mode a request runs in: none, parsed from free text, or forced by the grammar. */
export type ToolMode = { kind: 'none' } | { kind: 'auto'; tools: ToolDefinition[] } | { kind: 'forced'; tools: ToolDefinition[] };

export function toolMode(request: GenerationRequest): ToolMode {
  const tools = request.tools ?? [];
  const choice = request.toolChoice ?? 'auto';
  if (tools.length === 0 || choice === 'none') return { kind: 'none' };
  if (choice === 'auto') return { kind: 'auto', tools };
  if (choice === 'required') return { kind: 'forced', tools };
  return { kind: 'forced', tools: tools.filter((t) => t.name === choice.function) };
}

/** Rejects malformed tools and choices with BAD_USER_INPUT; returns each tool's compiled arguments grammar. */
export function checkTools(request: GenerationRequest): Map<string, ValueNode> {
  const grammars = new Map<string, ValueNode>();
  const { tools, toolChoice } = request;
  if (tools !== undefined) {
    if (!Array.isArray(tools) || tools.length > MAX_TOOLS) throw badInput(`tools must be a list of at most ${MAX_TOOLS} functions.`, { parameter: 'tools' });
    if (request.prompt !== undefined && tools.length > 0) throw badInput('tools need messages (a chat), not a prompt.', { parameter: 'tools' });
    tools.forEach((tool, i) => {
      if (!tool || typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
        throw badInput(`tools[${i}].name must be 1-64 letters, digits, _, . or -.`, { parameter: `tools[${i}].name`, value: tool?.name });
      }
      if (grammars.has(tool.name)) throw badInput(`tools[${i}].name ${tool.name} is given twice.`, { parameter: `tools[${i}].name` });
      grammars.set(tool.name, argumentsGrammar(tool, i));
    });
  }
  if (toolChoice !== undefined) {
    if (typeof toolChoice === 'object' && toolChoice !== null) {
      if (!grammars.has(toolChoice.function)) throw badInput(`toolChoice names ${toolChoice.function}, which is not among the tools.`, { parameter: 'toolChoice' });
    } else if (!['auto', 'none', 'required'].includes(toolChoice as string)) {
      throw badInput('toolChoice must be auto, none, required or a function.', { parameter: 'toolChoice' });
    } else if (toolChoice === 'required' && grammars.size === 0) {
      throw badInput('toolChoice required needs at least one tool.', { parameter: 'toolChoice' });
    }
  }
  if (request.responseFormat && toolMode(request).kind === 'forced') {
    throw badInput('responseFormat and a forced tool call cannot both shape the output.', { parameter: 'responseFormat' });
  }
  return grammars;
}

function argumentsGrammar(tool: ToolDefinition, i: number): ValueNode {
  if (tool.parameters === undefined || tool.parameters === null) return ANY_OBJECT;
  try {
    const node = compileSchema(tool.parameters, `tools[${i}].parameters`, 0);
    if (node.kind !== 'object') throw badInput(`tools[${i}].parameters must describe an object.`, { parameter: `tools[${i}].parameters` });
    return node;
  } catch (error) {
    if (error instanceof Error && 'details' in error) (error as { details?: Record<string, unknown> }).details!.parameter = `tools[${i}].parameters`;
    throw error;
  }
}

/**
 * A forced call is decoded as Llama-3-style JSON, `{"name":…,"arguments":{…}}`, under the
 * chosen tools' argument schemas: the one format every template's parser below reads.
 */
export function forcedCallGrammar(tools: readonly ToolDefinition[], grammars: ReadonlyMap<string, ValueNode>): ValueNode {
  const options: ValueNode[] = tools.map((tool) => ({
    kind: 'object',
    props: [
      { name: 'name', key: '"name"', node: { kind: 'literal', texts: [asciiJson(tool.name)] }, required: true },
      { name: 'arguments', key: '"arguments"', node: grammars.get(tool.name)!, required: true },
    ],
    additional: null,
  }));
  return options.length === 1 ? options[0] : { kind: 'anyOf', options };
}

/** The tools as Hugging Face chat templates expect them in the Jinja context. */
export const templateTools = (tools: readonly ToolDefinition[]) =>
  tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description ?? '', parameters: t.parameters ?? { type: 'object', properties: {} } } }));

/** A message in the shape templates read (`tool_calls[].function`, `tool_call_id`). */
export function templateMessage(m: ChatMessage): Record<string, unknown> {
  // Multimodal messages reach the template as the list form chat templates iterate over.
  const content = m.parts ? m.parts.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image' })) : m.content;
  const out: Record<string, unknown> = { role: m.role, content };
  if (m.toolCalls?.length) {
    out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: typeof c.arguments === 'string' ? (tryParse(c.arguments) ?? {}) : (c.arguments ?? {}) } }));
  }
  if (m.toolCallId != null) out.tool_call_id = m.toolCallId;
  return out;
}

export const newToolCallId = () => `call_${randomBytes(12).toString('base64url')}`;

const HERMES_CALL = /<tool_call>\s*([\s\S]*?)\s*(?:<\/tool_call>|$)/g;

function asCall(value: unknown, known: ReadonlySet<string>): Omit<ToolCall, 'id'> | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  let args = v.arguments ?? v.parameters ?? {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      return null;
    }
  }
  if (typeof v.name !== 'string' || !known.has(v.name) || !args || typeof args !== 'object' || Array.isArray(args)) return null;
  return { name: v.name, arguments: args as Record<string, unknown> };
}

const tryParse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The calls in a generated text, or none when it is an ordinary answer. */
export function parseToolCalls(text: string, tools: readonly ToolDefinition[]): Omit<ToolCall, 'id'>[] {
  const known = new Set(tools.map((t) => t.name));
  const tagged = [...text.matchAll(HERMES_CALL)].map((m) => asCall(tryParse(m[1]), known));
  if (tagged.length > 0) return tagged.filter((c): c is Omit<ToolCall, 'id'> => c !== null);
  const bare = tryParse(text.replace(/^\s*<\|python_tag\|>/, '').trim());
  const list = Array.isArray(bare) ? bare : [bare];
  const calls = list.map((v) => asCall(v, known));
  return calls.every((c) => c !== null) ? (calls as Omit<ToolCall, 'id'>[]) : [];
}
