/**
 * Plain TCP relay of a captured connection to a destination (its original destination, or the
 * app's port on loopback), both directions with backpressure and half-close. Used for everything
 * that is not routed as HTTP.
 */
import net from 'node:net';
import type { Destination } from './original-dst';

export function passthrough(client: net.Socket, dst: Destination, onError?: (err: Error) => void): net.Socket {
  const upstream = net.connect({ host: dst.host, port: dst.port });
  upstream.setNoDelay(true);
  const fail = (err: Error): void => {
    onError?.(err);
    client.destroy();
    upstream.destroy();
  };
  upstream.once('error', fail);
  client.once('error', () => upstream.destroy());
  upstream.once('connect', () => {
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
  client.once('close', () => upstream.destroy());
  upstream.once('close', () => client.destroy());
  return upstream;
}
