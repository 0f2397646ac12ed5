import type { Api } from './client.ts';

/** A connection the pane made: the typed client, the server it talks to and whose token it uses. */
export interface Session {
  api: Api;
  serverUrl: string;
  user: { id: number; name: string; role: string };
}
