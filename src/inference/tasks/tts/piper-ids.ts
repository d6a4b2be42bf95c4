/**
 * Piper's phoneme ids: the map gives each symbol one or more ids; a sentence is BOS "^", then
 * each symbol followed by the pad "_" (so the model sees a pad between every two symbols),
 * then EOS "$". Symbols the map lacks are dropped, as Piper does, and counted for the caller.
 */
export type PhonemeIdMap = Record<string, readonly number[]>;

export const PIPER_BOS = '^';
export const PIPER_EOS = '$';
export const PIPER_PAD = '_';

export function piperPhonemeIds(phonemes: readonly string[], map: PhonemeIdMap): { ids: number[]; missing: string[] } {
  const pad = required(map, PIPER_PAD);
  const ids: number[] = [...required(map, PIPER_BOS), ...pad];
  const missing: string[] = [];
  for (const symbol of phonemes) {
    const found = map[symbol];
    if (!found) {
      missing.push(symbol);
      continue;
    }
    ids.push(...found, ...pad);
  }
  ids.push(...required(map, PIPER_EOS));
  return { ids, missing };
}

function required(map: PhonemeIdMap, symbol: string): readonly number[] {
  const ids = map[symbol];
  if (!ids || ids.length === 0) throw new Error(`the phoneme_id_map has no "${symbol}"`);
  return ids;
}
