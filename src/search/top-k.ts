/**
 * Partial selection of the k best scores: a size-k min-heap (worst kept result at the root),
 * so a row that cannot make the list costs one comparison. Ties go to the lower row index,
 * i.e. the item added first, so equal scores come back in a stable order.
 */

export interface Ranked {
  index: number;
  score: number;
}

/** True when (scoreA, indexA) ranks below (scoreB, indexB). */
const worse = (scoreA: number, indexA: number, scoreB: number, indexB: number) =>
  scoreA < scoreB || (scoreA === scoreB && indexA > indexB);

export function topK(scores: ArrayLike<number>, count: number, k: number, accept?: (index: number) => boolean): Ranked[] {
  const heapScore = new Float64Array(k);
  const heapIndex = new Int32Array(k);
  let size = 0;

  const siftDown = (at: number) => {
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) return;
      const right = left + 1;
      let child = left;
      if (right < size && worse(heapScore[right], heapIndex[right], heapScore[left], heapIndex[left])) child = right;
      if (!worse(heapScore[child], heapIndex[child], heapScore[at], heapIndex[at])) return;
      const s = heapScore[at];
      const i = heapIndex[at];
      heapScore[at] = heapScore[child];
      heapIndex[at] = heapIndex[child];
      heapScore[child] = s;
      heapIndex[child] = i;
      at = child;
    }
  };

  for (let index = 0; index < count; index++) {
    const score = scores[index];
    if (size === k && !worse(heapScore[0], heapIndex[0], score, index)) continue;
    if (accept && !accept(index)) continue;
    if (size < k) {
      // Sift up.
      let at = size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!worse(score, index, heapScore[parent], heapIndex[parent])) break;
        heapScore[at] = heapScore[parent];
        heapIndex[at] = heapIndex[parent];
        at = parent;
      }
      heapScore[at] = score;
      heapIndex[at] = index;
    } else {
      heapScore[0] = score;
      heapIndex[0] = index;
      siftDown(0);
    }
  }

  const ranked: Ranked[] = [];
  for (let i = 0; i < size; i++) ranked.push({ index: heapIndex[i], score: heapScore[i] });
  return ranked.sort((a, b) => b.score - a.score || a.index - b.index);
}
