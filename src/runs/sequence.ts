/**
 * Numbers a request's events so a client that reconnects can say which one it saw last.
 * A live run's log and a finished run's replay from its row tell the same durable events in
 * the same order, so the numbers agree whichever one a reconnect reads. Previews (partial
 * tokens of a transcript segment or pipeline step, which the row does not keep) carry the
 * number of the durable event before them and do not advance it: a resumed stream goes on
 * with the next durable event and never repeats one.
 */
export type Sequenced<E> = E & { sequence: number };

export interface ResumeOptions<E> {
  /** The last sequence number the client saw; events up to it are skipped. */
  after?: number | null;
  /** Events the row does not keep; they do not advance the sequence. */
  isPreview?: (event: E) => boolean;
}

export async function* sequenced<E extends object>(events: AsyncIterable<E>, options: ResumeOptions<E> = {}): AsyncGenerator<Sequenced<E>> {
  const after = options.after ?? -1;
  let sequence = -1;
  for await (const event of events) {
    if (sequence < 0 || !options.isPreview?.(event)) sequence += 1;
    if (sequence <= after) continue;
    yield { ...event, sequence };
  }
}
