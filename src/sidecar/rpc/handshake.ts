import { createHash, timingSafeEqual } from 'node:crypto';
import { Message } from 'vscode-jsonrpc/node';
import type { ClientKind } from '../../protocol/messages';
import { Requests } from '../../protocol/messages';
import { validate } from '../../protocol/validate';
import { SidecarError, invalidParams, notAuthenticated } from '../errors';
import { InboundGate } from '../transport/framedMessageReader';

export interface ClientIdentity {
  user: string;
  clientKind: ClientKind;
}

/**
 * The connection handshake as a gate in front of vscode-jsonrpc: until a
 * `tunelab/hello` with the right secret, every message is refused and the
 * connection closed. Afterwards everything passes.
 */
export class Handshake implements InboundGate {
  private client: ClientIdentity | undefined;
  private helloAnswered = false;

  constructor(private readonly secretDigest: Buffer) {}

  /** Digest of the secret; comparing fixed-length digests keeps timingSafeEqual from leaking the length. */
  static digest(secret: string): Buffer {
    return createHash('sha256').update(secret, 'utf8').digest();
  }

  get identity(): ClientIdentity | undefined {
    return this.client;
  }

  get strict(): boolean {
    return this.client === undefined;
  }

  admit(message: Message): SidecarError | undefined {
    if (this.client !== undefined) {
      return undefined;
    }
    const { method, id, params } = message as { method?: unknown; id?: unknown; params?: unknown };
    if (method !== Requests.hello.method || id === undefined) {
      return notAuthenticated('the first message on a connection must be the request tunelab/hello');
    }
    const checked = validate(Requests.hello.params, params);
    if (!checked.ok) {
      return invalidParams(checked.error.path, checked.error.message);
    }
    if (!timingSafeEqual(Handshake.digest(checked.value.secret), this.secretDigest)) {
      return notAuthenticated('wrong secret');
    }
    this.client = { user: checked.value.user, clientKind: checked.value.clientKind };
    return undefined;
  }

  /** True once, for the hello that authenticated; a repeated hello is refused by its handler. */
  takeHello(): boolean {
    if (this.client === undefined || this.helloAnswered) {
      return false;
    }
    this.helloAnswered = true;
    return true;
  }
}
