import { parentPort } from 'node:worker_threads';
import { initBackend } from '../engine/backend';
import { loadSentenceEncoder, SentenceEncoder } from '../engine/models/bert';
import type { EncoderRequest, EncoderResponse } from './protocol';

/**
 * Worker thread running a frozen sentence encoder over pool texts, so the main thread keeps serving
 * questions while a pool embeds. TF.js wasm in Node runs on one thread, so this worker takes one core and
 * the trainer worker the other. Requests are handled one at a time, in arrival order.
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
        throw new Error('the encoder worker was not initialised');
      }
      return encoder.encode(msg.texts, { batchSize: 32 });
    case 'dispose':
      encoder?.dispose();
      encoder = undefined;
      return true;
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (msg: EncoderRequest) => {
    queue = queue.then(async () => {
      try {
        const value = await handle(msg);
        port.postMessage({ type: 'result', id: msg.id, value } satisfies EncoderResponse, [
          ...(value instanceof Float32Array ? [value.buffer as ArrayBuffer] : [])
        ]);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        port.postMessage({ type: 'error', id: msg.id, message } satisfies EncoderResponse);
      }
    });
  });
}
