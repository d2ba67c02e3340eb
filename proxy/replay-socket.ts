/**
 * A duplex over a TCP socket that first replays bytes already read from it. Used after sniffing
 * the HTTP/2 preface on a shared port: node:http2 reads a real socket's handle directly (bypassing
 * any unshift()), so the sniffed bytes must reach it through a JS stream instead.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export class ReplaySocket extends Duplex {
  constructor(private readonly socket: Socket, first: Buffer) {
    super({ allowHalfOpen: false });
    this.push(first);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.once('end', () => this.push(null));
    socket.once('error', (err) => this.destroy(err));
    socket.once('close', () => this.destroy());
  }

  get remoteAddress(): string | undefined { return this.socket.remoteAddress; }
  get remotePort(): number | undefined { return this.socket.remotePort; }
  get localAddress(): string | undefined { return this.socket.localAddress; }
  get localPort(): number | undefined { return this.socket.localPort; }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, encoding, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy(err ?? undefined);
    cb(err);
  }
}
