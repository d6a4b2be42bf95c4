/**
 * Piper and Kokoro voices read one IPA string per sentence in which each clause keeps the
 * punctuation that ended it (", " between clauses, "." or "?" at the end), because the
 * punctuation shapes their pauses and intonation. espeak-ng prints clauses on separate lines
 * without it, so it is taken back from the sentence, in order.
 */
const CLAUSE_END = /[,;:.!?…]+(?=\s|$)/gu;

export function joinClauses(sentence: string, clauses: readonly string[]): string {
  const marks = sentence.match(CLAUSE_END) ?? [];
  return clauses.map((clause, i) => clause + (marks[i]?.[0] ?? '')).join(' ');
}

/**
 * Code points, so a symbol outside the Basic Multilingual Plane stays one symbol. Piper
 * decomposes (NFD) before looking symbols up, so its maps hold combining marks on their own.
 */
export function symbols(ipa: string, decompose: boolean): string[] {
  return Array.from(decompose ? ipa.normalize('NFD') : ipa);
}
