import type { BackendInfo, BackendName } from '../engine/backend';

/** Messages between `EncoderClient` (in the sidecar) and `encoderProcess` (a frozen sentence encoder's process). */
export type EncoderRequest =
  | { type: 'init'; id: number; modelDir: string; backend: 'auto' | BackendName }
  | { type: 'encode'; id: number; texts: string[] }
  | { type: 'dispose'; id: number };

export interface EncoderInit {
  backend: BackendInfo;
  dim: number;
}

export type EncoderResponse =
  | { type: 'result'; id: number; value: EncoderInit | Float32Array | true }
  | { type: 'error'; id: number; message: string };
