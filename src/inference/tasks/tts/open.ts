/**
 * A TEXT_TO_SPEECH model folder to a working SpeechModel. The layout is recognised from the
 * files the manifest lists: a `config.json` of model_type tessera-tts (our voice), a
 * `*.onnx.json` beside the graph (Piper), or `tokenizer.json` with `voices/*.bin` (Kokoro as
 * transformers.js exports it). One short sentence is synthesized before the model is called
 * ready, so a missing espeak-ng or a graph of the wrong shape fails the load, not a request.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { OnnxRunner } from '../../types.js';
import { KokoroVoice, kokoroVocab } from './kokoro.js';
import { parsePiperConfig, PiperVoice } from './piper.js';
import { parseTesseraConfig, TesseraVoice } from './tessera-voice.js';
import type { SpeechModel } from './types.js';

export interface SpeechModelFolder {
  /** Absolute paths of the manifest's files, by key. */
  files: Record<string, string>;
  /** A runner per ONNX file key. */
  graphs: Record<string, OnnxRunner>;
}

const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf8')) as unknown;

export async function openSpeechModel(folder: SpeechModelFolder): Promise<SpeechModel> {
  const model = await recognise(folder);
  await model.synthesizeSentence('Ready.', { voice: model.defaultVoice, speed: 1 });
  return model;
}

async function recognise({ files, graphs }: SpeechModelFolder): Promise<SpeechModel> {
  const paths = Object.values(files);
  const graphKeys = Object.keys(graphs);
  const onlyGraph = (layout: string) => {
    if (graphKeys.length !== 1) throw new Error(`a ${layout} model has one .onnx graph; this one has ${graphKeys.length}`);
    return graphs[graphKeys[0]];
  };

  const piperJson = paths.find((p) => p.endsWith('.onnx.json'));
  if (piperJson) return new PiperVoice(parsePiperConfig(await readJson(piperJson)), onlyGraph('Piper'));

  const tokenizer = paths.find((p) => path.basename(p) === 'tokenizer.json');
  const voiceFiles = paths.filter((p) => path.basename(path.dirname(p)) === 'voices' && p.endsWith('.bin'));
  if (tokenizer && voiceFiles.length > 0) {
    const voices: Record<string, Float32Array> = {};
    for (const file of voiceFiles) {
      const bytes = await readFile(file);
      voices[path.basename(file, '.bin')] = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    return new KokoroVoice({ runner: onlyGraph('Kokoro'), vocab: kokoroVocab(await readJson(tokenizer)), voices });
  }

  if (files.config) {
    const config = parseTesseraConfig(await readJson(files.config));
    if (!graphs.encoder || !graphs.decoder) throw new Error('a tessera-tts model needs files.encoder and files.decoder (.onnx graphs)');
    return new TesseraVoice(config, graphs.encoder, graphs.decoder);
  }
  throw new Error(
    'TEXT_TO_SPEECH models are a Piper voice (model.onnx + model.onnx.json), Kokoro (onnx/model.onnx, tokenizer.json, voices/*.bin) or tessera-tts (config.json, encoder, decoder)',
  );
}
