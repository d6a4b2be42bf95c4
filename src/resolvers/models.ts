import type { Context } from '../contracts/context.js';
import { modelNotFound } from '../errors.js';

export async function loadModel(ctx: Context, name: string) {
  if (!ctx.engine.model(name)) throw modelNotFound(name);
  return ctx.engine.loadModel(name);
}

export async function unloadModel(ctx: Context, name: string) {
  if (!ctx.engine.model(name)) throw modelNotFound(name);
  return ctx.engine.unloadModel(name);
}
