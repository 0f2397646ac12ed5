// The OAuth authorisation-code flow's procedures (issue #13), merged into the accounting router. The
// browser's side (the start page and the callback) is plain HTTP: oauth-routes.ts.
import { z } from 'zod';
import { writeProcedure } from '../../trpc.ts';
import { text } from '../inputs.ts';
import { beginAuthorization } from './oauth.ts';

export const oauthProcedures = {
  /**
   * Starts connecting Xero from a browser: `authorizeUrl` (Xero's sign-in), `startUrl` (this
   * server's page that leads there, for an Office dialog), the redirect URI to register with the
   * Xero app, and when the sign-in expires (10 minutes; it works once).
   */
  beginAuthorization: writeProcedure('accounting.connect')
    .input(
      z.object({
        provider: z.literal('xero', { error: 'provider must be "xero": MYOB connects with a refresh token' }),
        clientId: text('clientId', { min: 1, max: 200 }),
        clientSecret: text('clientSecret', { min: 1, max: 4000 }),
        tenantId: text('tenantId', { min: 1, max: 100 }).optional(),
      }),
    )
    .mutation(({ ctx, input }) => beginAuthorization(ctx.accounting, ctx.user, input)),
};
