/**
 * Entry point of the Tunelab sidecar: `node tunelab/sidecar_dist/sidecar.js`.
 * Reads its config from stdin, listens, prints one `ready` line on stdout,
 * and exits when stdin closes (its supervisor died) or on SIGTERM/SIGINT.
 */
import { join } from 'node:path';
import { ConfigError, parseConfig } from './config';
import { openLabelStore } from './store/openLabelStore';
import { resolveDataDir } from './store/dataDir';
import { openEmbeddingCache } from './store/embeddingCache';
import { describeError, log } from './log';
import { RunningSidecarServer, startSidecarServer } from './sidecarServer';
import { readConfigLine } from './stdinConfigLine';
import { SIDECAR_VERSION } from './version';

/** Exit code when the sidecar refuses to start (bad or missing config). */
const EXIT_BAD_CONFIG = 2;

async function main(): Promise<void> {
  let line: string;
  try {
    line = await readConfigLine(process.stdin);
  } catch (err) {
    refuseToStart(describeError(err));
  }
  let parsed;
  try {
    parsed = parseConfig(line);
  } catch (err) {
    refuseToStart(err instanceof ConfigError ? err.message : describeError(err));
  }

  let server: RunningSidecarServer;
  try {
    server = await startSidecarServer({
      target: parsed.target,
      secret: parsed.config.secret,
      rootDir: parsed.config.rootDir,
      modelRoots: parsed.config.modelRoots,
      store: openLabelStore(parsed.config.dataDir),
      embeddingCache: openEmbeddingCache(resolveDataDir(parsed.config.dataDir)),
      exportDir: join(resolveDataDir(parsed.config.dataDir), 'exports')
    });
  } catch (err) {
    log('error', `cannot listen: ${describeError(err)}`);
    process.exit(1);
  }

  let shuttingDown = false;
  const shutdown = (reason: string): void => {
    if (shuttingDown) {
      return;
    }
    shuttingDown = true;
    log('info', `shutting down: ${reason}`);
    // Exit even if a peer keeps its socket open past the grace period.
    setTimeout(() => process.exit(0), 2000).unref();
    server.close().then(
      () => process.exit(0),
      err => {
        log('error', `shutdown failed: ${describeError(err)}`);
        process.exit(0);
      }
    );
  };

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  process.stdin.on('end', () => shutdown('stdin closed (supervisor gone)'));
  if (process.stdin.readableEnded) {
    shutdown('stdin closed (supervisor gone)');
    return;
  }
  process.stdin.on('error', () => shutdown('stdin error (supervisor gone)'));
  // Keep consuming stdin so its end is noticed.
  process.stdin.resume();

  process.stdout.on('error', err => log('warn', `stdout: ${err.message}`));
  process.stdout.write(`${JSON.stringify(server.ready)}\n`);
  log('info', `sidecar ${SIDECAR_VERSION} listening (${server.ready.transport}), pid ${process.pid}`);
}

function refuseToStart(reason: string): never {
  process.stderr.write(`tunelab-sidecar: refusing to start: ${reason}\n`);
  process.exit(EXIT_BAD_CONFIG);
}

// A bug triggered by one client must not take down every session: log and keep serving.
process.on('uncaughtException', err => log('error', `uncaught exception: ${err.stack ?? err.message}`));
process.on('unhandledRejection', reason => log('error', `unhandled rejection: ${describeError(reason)}`));

void main();
