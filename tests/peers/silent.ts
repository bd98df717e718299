/**
 * A peer that takes TCP connections and never says a word (issue 16): what a
 * wrong port, a hung server or a port scanner's listener looks like to a
 * client waiting for a logon or a handshake.
 */
import { createServer } from 'node:net';

/** Listens on an ephemeral 127.0.0.1 port, accepting and reading, never answering. */
export async function listenSilently(): Promise<{ readonly port: number; close(): void }> {
  const server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}
