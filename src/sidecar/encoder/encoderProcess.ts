import { initBackend } from '../engine/backend';
import { loadSentenceEncoder, SentenceEncoder } from '../engine/models/bert';
import type { EncoderRequest, EncoderResponse } from './protocol';

/**
 * Child process running a frozen sentence encoder over pool texts: one of the pool's encoder streams
 * (encoderStreams.ts), so the sidecar keeps serving questions while a pool embeds. A process, not a worker
 * thread, because TensorFlow's intra-op thread pool is per process: on 2 cores two single-threaded
 * TensorFlow processes embed about 1.3× faster than one two-threaded one, and two worker threads of one
 * process share its pool (docs/architecture.md). Requests are handled one at a time, in arrival order.
 */

let encoder: SentenceEncoder | undefined;
let queue: Promise<void> = Promise.resolve();

async function handle(msg: EncoderRequest): Promise<Extract<EncoderResponse, { type: 'result' }>['value']> {
  switch (msg.type) {
    case 'init': {
      const backend = await initBackend({ preferred: msg.backend });
      encoder?.dispose();
      encoder = loadSentenceEncoder(msg.modelDir);
      return { backend, dim: encoder.dim };
    }
    case 'encode':
      if (encoder === undefined) {
        throw new Error('the encoder process was not initialised');
      }
      return encoder.encode(msg.texts, { batchSize: 32 });
    case 'dispose':
      encoder?.dispose();
      encoder = undefined;
      return true;
  }
}

const send = process.send?.bind(process);
if (send !== undefined) {
  process.on('message', (msg: EncoderRequest) => {
    queue = queue.then(async () => {
      try {
        send({ type: 'result', id: msg.id, value: await handle(msg) } satisfies EncoderResponse);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        send({ type: 'error', id: msg.id, message } satisfies EncoderResponse);
      }
    });
  });
  // The sidecar ended (or crashed): nothing will ask this process again.
  process.on('disconnect', () => process.exit(0));
}
