/**
 * The one place a model's manifest decides how it is served: local ONNX files opened on
 * this machine, or the remote engine its `backend` names (an OpenAI-compatible server, a
 * KServe v2 / Triton server), bound by the task kind's `remote` bindings behind the same
 * run functions. A task without a binding for that backend refuses the model at load.
 */
import { TesseraError } from '../../errors.js';
import { openKServeGraphs } from '../backends/kserve/open.js';
import { openModel } from '../runtime/model-loader.js';
import type { BindContext, Serving, TaskKind } from './task-kind.js';

export function bindModel<S extends Serving>(kind: TaskKind<S>, base: Omit<BindContext, 'openGraphs'>): Promise<S> {
  const { entry, runtime, logger, onCrash } = base;
  const backend = entry.manifest.backend;
  if (!backend) return kind.bindLocal({ ...base, openGraphs: () => openModel(entry, runtime, logger, onCrash) });
  const noGraphs = () => Promise.reject(new Error(`a model with an ${backend.kind} backend has no graphs of its own`));
  if (backend.kind === 'kserve-v2' && kind.remote?.['kserve-v2']) {
    return kind.remote['kserve-v2']({ ...base, openGraphs: () => openKServeGraphs(entry, backend, logger) }, backend);
  }
  if (backend.kind === 'openai' && kind.remote?.openai) return kind.remote.openai({ ...base, openGraphs: noGraphs }, backend);
  const supported = Object.keys(kind.remote ?? {});
  throw new TesseraError(
    'MODEL_LOAD_FAILED',
    `${kind.task} models cannot be served by a ${backend.kind} backend (${supported.length > 0 ? `this task supports ${supported.join(', ')}` : 'this task runs only local files'}).`,
  );
}
