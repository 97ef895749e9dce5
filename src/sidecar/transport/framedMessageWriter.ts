import type { Socket } from 'node:net';
import { AbstractMessageWriter, Message, MessageWriter } from 'vscode-jsonrpc/node';
import { encodeMessageFrame } from './frameEncoder';

/**
 * Writes JSON-RPC messages as socket frames; a `payload` Uint8Array in
 * params/result goes out as a binary frame. Writes to a closed socket are
 * dropped: the peer is gone and its cleanup runs from the socket's close.
 */
export class FramedMessageWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(private readonly socket: Socket) {
    super();
  }

  write(message: Message): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) {
      return Promise.resolve();
    }
    try {
      this.socket.write(encodeMessageFrame(message));
    } catch (err) {
      this.fireError(err, message);
    }
    return Promise.resolve();
  }

  end(): void {
    // The socket belongs to the client connection, which ends it.
  }
}
