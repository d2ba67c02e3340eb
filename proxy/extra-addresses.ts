/**
 * Serving one listener on several addresses (--dapr-listen-addresses): the main server listens on
 * the first address; a plain TCP acceptor on each other address hands its connections over.
 */
import net from 'node:net';

export interface ExtraAcceptors {
  close(): Promise<void>;
}

export async function acceptOnExtraAddresses(server: net.Server, addresses: readonly string[], port: number): Promise<ExtraAcceptors> {
  const acceptors: net.Server[] = [];
  for (const address of addresses) {
    const acceptor = net.createServer((socket) => server.emit('connection', socket));
    await new Promise<void>((resolve, reject) => {
      acceptor.once('error', reject);
      acceptor.listen(port, address, () => { acceptor.off('error', reject); resolve(); });
    });
    acceptors.push(acceptor);
  }
  return { close: async () => { await Promise.all(acceptors.map((a) => new Promise((r) => a.close(r)))); } };
}
