import { Link } from '../router';
import { shortId } from '../lib/format';

/** "request 1a2b3c4d", linked to the request's page. */
export function RequestLink({ id, class: className }: { id: string; class?: string }) {
  return (
    <Link class={className} href={`/requests/${id}`}>
      request {shortId(id)}
    </Link>
  );
}

/** The " · request …" that ends a summary line, when there is a request yet. */
export function SummaryRequest({ id }: { id: string | null | undefined }) {
  if (!id) return null;
  return (
    <>
      {' '}
      · <RequestLink id={id} />
    </>
  );
}
