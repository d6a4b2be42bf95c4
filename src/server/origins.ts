/**
 * Which browser origins may call the API: the server's own, and those listed in CORS_ORIGINS
 * (`*` for any, never with credentials). A request without an Origin header is not a browser
 * acting for another site (curl, SDKs, graphql-ws clients in Node) and is let through.
 */
export interface OriginPolicy {
  /** True when a request carrying this Origin may be served at all. */
  allows(origin: string | null | undefined, host: string | null | undefined): boolean;
  /** True when the origin is a cross-origin one from the allow-list (CORS headers are due). */
  isListed(origin: string): boolean;
}

function sameOrigin(origin: string, host: string | null | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

export function createOriginPolicy(allowList: readonly string[]): OriginPolicy {
  const listed = new Set(allowList.map((origin) => origin.toLowerCase()));
  const any = listed.has('*');
  const isListed = (origin: string) => any || listed.has(origin.toLowerCase());
  return {
    isListed,
    allows: (origin, host) => origin == null || sameOrigin(origin, host) || isListed(origin),
  };
}
