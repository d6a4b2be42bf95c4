/**
 * The one place a model's manifest decides how it is served. Today every model is local
 * ONNX files opened on this machine; a manifest naming a remote backend (issue 13:
 * `"backend": { "kind": "openai" | "kserve-v2", "url", "model" }`) will be chosen here and
 * bound by the task's `bindRemote`, behind the same run functions.
 */
import type { BindContext, Serving, TaskKind } from './task-kind.js';

export function bindModel<S extends Serving>(kind: TaskKind<S>, context: BindContext): Promise<S> {
  return kind.bindLocal(context);
}
