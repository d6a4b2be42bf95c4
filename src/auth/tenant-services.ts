/**
 * The shared services as one principal sees them: the stores and the run service bound to its
 * tenant, so every lookup and every new row goes through the owner check. GraphQL (useAuth)
 * and the OpenAI-compatible API bind the same way.
 */
import type { Services } from '../contracts/context.js';
import { tenantOf, type Principal } from './principal.js';

export function servicesFor(services: Services, principal: Principal): Pick<Services, 'requests' | 'runs' | 'artifacts' | 'collections'> {
  const tenant = tenantOf(principal);
  return {
    requests: services.requests.for(tenant),
    runs: services.runs.for(tenant),
    artifacts: services.artifacts.for(tenant),
    collections: services.collections.for(tenant),
  };
}
