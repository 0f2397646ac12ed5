import { createTRPCClient, httpBatchLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '../../server/router.ts';

export type Api = ReturnType<typeof createApi>;

/**
 * The typed client for one server and token. Queries go as POST (the server allows the method
 * override) because a selection of 100,000 serials does not fit in a URL.
 */
export function createApi(serverUrl: string, token: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${serverUrl.replace(/\/+$/, '')}/trpc`,
        transformer: superjson,
        methodOverride: 'POST',
        maxItems: 10,
        headers: () => ({ authorization: `Bearer ${token}` }),
      }),
    ],
  });
}
