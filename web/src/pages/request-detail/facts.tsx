import type { ComponentChildren } from 'preact';
import { Link } from '../../router';
import { dateTime, shortId } from '../../lib/format';
import type { Detail } from './detail';

function Fact({ term, value }: { term: string; value: ComponentChildren }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** Who ran it, when, and with how many tokens; the parent pipeline when there is one. */
export function Facts({ detail, finishReason }: { detail: Detail; finishReason?: string }) {
  return (
    <dl class="facts">
      <Fact term="Id" value={<span class="mono">{detail.id}</span>} />
      <Fact term="Task" value={detail.task} />
      <Fact term="Model" value={detail.model} />
      <Fact term="Created" value={dateTime(detail.createdAt)} />
      <Fact term="Finished" value={dateTime(detail.finishedAt)} />
      {detail.batchSize != null && <Fact term="Batch size" value={String(detail.batchSize)} />}
      {detail.promptTokens != null && <Fact term="Prompt tokens" value={String(detail.promptTokens)} />}
      {detail.completionTokens != null && <Fact term="Completion tokens" value={String(detail.completionTokens)} />}
      {finishReason && <Fact term="Finish reason" value={finishReason} />}
      {detail.parent && <Fact term="Parent" value={<Link href={`/requests/${detail.parent.id}`}>{shortId(detail.parent.id)}</Link>} />}
    </dl>
  );
}
