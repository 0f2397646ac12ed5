// The OAuth authorisation-code flow's procedures (issue #13), merged into the accounting router. The
// browser's side (the start page and the callback) is plain HTTP: oauth-routes.ts.
import { z } from 'zod';
import { writeProcedure } from '../../trpc.ts';
import { text } from '../inputs.ts';
import { beginAuthorization } from './oauth.ts';

/** The OAuth client registered with the provider (Xero's app, MYOB's API key and secret). */
const client = { clientId: text('clientId', { min: 1, max: 200 }), clientSecret: text('clientSecret', { min: 1, max: 4000 }) };

export const oauthProcedures = {
  /**
   * Starts connecting Xero or MYOB from a browser: `authorizeUrl` (the provider's sign-in),
   * `startUrl` (this server's page that leads there, for an Office dialog), the redirect URI to
   * register with the Xero app or MYOB API key, and when the sign-in expires (10 minutes; it works
   * once). MYOB's company file sign-in, when the file has one, is given here and sealed with the
   * pending sign-in.
   */
  beginAuthorization: writeProcedure('accounting.connect')
    .input(
      z.discriminatedUnion(
        'provider',
        [
          z.object({ provider: z.literal('xero'), ...client, tenantId: text('tenantId', { min: 1, max: 100 }).optional() }),
          z.object({
            provider: z.literal('myob'),
            ...client,
            companyFileId: z.uuid("companyFileId must be the company file's id (a GUID)").optional(),
            companyFileUser: text('companyFileUser', { min: 1, max: 100 }).optional(),
            companyFilePassword: text('companyFilePassword', { min: 0, max: 200, trim: false }).optional(),
          }),
        ],
        { error: 'provider must be "xero" or "myob"' },
      ),
    )
    .mutation(({ ctx, input }) => beginAuthorization(ctx.accounting, ctx.user, input)),
};
