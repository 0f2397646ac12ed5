import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '../../server/router.ts';

/**
 * A typed client of a running server over HTTP, made as the pane makes it: superjson, queries sent
 * as POST (a 100,000-serial preview does not fit a URL), calls made together batched into one
 * request unless `batch: false`. Without a token it calls anonymously.
 */
export function apiClient(serverUrl: string, token?: string, options: { batch?: boolean } = {}) {
  const link = (options.batch ?? true) ? httpBatchLink : httpLink;
  return createTRPCClient<AppRouter>({
    links: [
      link({
        url: `${serverUrl}/trpc`,
        transformer: superjson,
        methodOverride: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
    ],
  });
}
