/**
 * The sidecar's version, injected by scripts/build-sidecar.mjs from
 * package.json. Unbundled runs (jest, tsc) see the dev fallback.
 */
declare const __TUNELAB_SIDECAR_VERSION__: string | undefined;

export const SIDECAR_VERSION: string =
  typeof __TUNELAB_SIDECAR_VERSION__ === 'string' ? __TUNELAB_SIDECAR_VERSION__ : '0.0.0-dev';
