import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Static, Type } from '@sinclair/typebox';
import { validate } from '../protocol/validate';

/** The one JSON line the supervisor writes on the sidecar's stdin. */
export const SidecarConfigSchema = Type.Object({
  secret: Type.String({ minLength: 32, maxLength: 256 }),
  transport: Type.Union([Type.Literal('unix'), Type.Literal('tcp')]),
  socketDir: Type.Optional(Type.String({ minLength: 1 })),
  /** Model paths (modelPath, model/save) must resolve inside it; default: the process cwd. */
  rootDir: Type.Optional(Type.String({ minLength: 1 })),
  /** Where the label store and model versions live (docs/storage.md); TUNELAB_DATA_DIR overrides it. */
  dataDir: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Directories pretrained model directories may be read from besides rootDir (the Hugging Face cache, the
   * folders of installed model packages); set by the supervisor, never by a client.
   */
  modelRoots: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 64 }))
});
export type SidecarConfig = Static<typeof SidecarConfigSchema>;

/** Where the sidecar listens, derived from a valid config. */
export type ListenTarget = { transport: 'unix'; path: string } | { transport: 'tcp'; host: '127.0.0.1' };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Linux's sun_path holds 108 bytes including the terminating NUL. */
const MAX_UNIX_SOCKET_PATH_BYTES = 107;

export const SOCKET_FILE_NAME = 'sidecar.sock';

/**
 * Parses and checks the config line. Throws ConfigError with a message fit
 * for stderr; the message never repeats the secret.
 */
export function parseConfig(line: string): { config: SidecarConfig; target: ListenTarget } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new ConfigError('the config line on stdin is not JSON');
  }
  const checked = validate(SidecarConfigSchema, raw);
  if (!checked.ok) {
    throw new ConfigError(`invalid config line on stdin: ${checked.error.path}: ${checked.error.message}`);
  }
  const config = checked.value;
  if (config.rootDir !== undefined) {
    checkRootDir(config.rootDir);
  }
  if (config.transport === 'tcp') {
    return { config, target: { transport: 'tcp', host: '127.0.0.1' } };
  }
  return { config, target: { transport: 'unix', path: checkSocketDir(config.socketDir) } };
}

/** The socket directory must be private to us: anyone who can reach the socket may try the secret. */
function checkSocketDir(socketDir: string | undefined): string {
  if (socketDir === undefined) {
    throw new ConfigError('transport "unix" needs "socketDir"');
  }
  if (!isAbsolute(socketDir)) {
    throw new ConfigError(`socketDir must be an absolute path, got ${JSON.stringify(socketDir)}`);
  }
  let stats;
  try {
    stats = statSync(socketDir);
  } catch {
    throw new ConfigError(`socketDir ${socketDir} does not exist`);
  }
  if (!stats.isDirectory()) {
    throw new ConfigError(`socketDir ${socketDir} is not a directory`);
  }
  if ((stats.mode & 0o077) !== 0) {
    throw new ConfigError(`socketDir ${socketDir} must not be accessible to group or others (mode 0700)`);
  }
  if (typeof process.getuid === 'function' && stats.uid !== process.getuid()) {
    throw new ConfigError(`socketDir ${socketDir} is not owned by this user`);
  }
  const path = join(socketDir, SOCKET_FILE_NAME);
  if (Buffer.byteLength(path) > MAX_UNIX_SOCKET_PATH_BYTES) {
    throw new ConfigError(`socket path ${path} is longer than ${MAX_UNIX_SOCKET_PATH_BYTES} bytes`);
  }
  return path;
}

function checkRootDir(rootDir: string): void {
  if (!isAbsolute(rootDir)) {
    throw new ConfigError(`rootDir must be an absolute path, got ${JSON.stringify(rootDir)}`);
  }
  let stats;
  try {
    stats = statSync(rootDir);
  } catch {
    throw new ConfigError(`rootDir ${rootDir} does not exist`);
  }
  if (!stats.isDirectory()) {
    throw new ConfigError(`rootDir ${rootDir} is not a directory`);
  }
}
