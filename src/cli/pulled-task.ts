/**
 * The task a pulled model serves when `--task` is not given: the hub's pipeline tag, else the
 * architecture its config.json names. A decoder LM (GPT2LMHeadModel, LlamaForCausalLM, ...)
 * must come out as TEXT_GENERATION, so that pulling one gives continuous batching and the
 * generation API without a flag; anything unrecognised stays a raw TENSOR model.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from '../inference/types.js';

const PIPELINE_TASKS: Record<string, Task> = { 'text-generation': 'TEXT_GENERATION' };
const CAUSAL_LM = /(ForCausalLM|LMHeadModel)$/;

export async function inferPulledTask(dir: string, pipelineTag: string | undefined): Promise<{ task: Task; because: string }> {
  if (pipelineTag && PIPELINE_TASKS[pipelineTag]) return { task: PIPELINE_TASKS[pipelineTag], because: `the hub's pipeline tag ${pipelineTag}` };
  try {
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { architectures?: unknown };
    const causal = Array.isArray(config.architectures) ? config.architectures.find((a) => typeof a === 'string' && CAUSAL_LM.test(a)) : undefined;
    if (causal) return { task: 'TEXT_GENERATION', because: `config.json's architecture ${causal}` };
  } catch {
    // No config.json, or not JSON: nothing says what the graph is.
  }
  return { task: 'TENSOR', because: 'nothing names a task it knows (pass --task)' };
}
