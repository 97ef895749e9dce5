import { LIMITS } from '../../protocol/limits';
import { PROTOCOL_VERSION } from '../../protocol/version';
import { AllowedRoot } from '../data/allowedRoot';
import { invalidParams, invalidRequest, protocolVersionMismatch } from '../errors';
import { exportLabels, importLabels } from '../exchange';
import { writeArtifacts } from '../models/modelArtifacts';
import type { LabelingSession } from '../sessions/labelingSession';
import { SessionManager } from '../sessions/sessionManager';
import { backendDefaults } from '../training/backendDefaults';
import { SIDECAR_VERSION } from '../version';
import { ClientConnection } from './clientConnection';
import { ConnectionHub } from './connectionHub';

export interface HandlerContext {
  sessions: SessionManager;
  hub: ConnectionHub;
  /** Where model/save may write. */
  root?: AllowedRoot;
}

/** A result whose `payload` the writer sends as the binary part of the response. */
function withPayload<T extends object>(result: T, bytes: Uint8Array): T {
  return { ...result, payload: bytes };
}

/** Label files hold similarity answers only: a classification session's labels come from session/labels. */
function similarityOnly(session: LabelingSession, what: string): LabelingSession {
  if (session.isClassification) {
    throw invalidParams(
      '/sessionId',
      `${what} of classification sessions are not supported yet: read the answers with session/labels`
    );
  }
  return session;
}

/** The protocol's methods (docs/protocol.md, "Methods") on one client connection. */
export function registerHandlers(client: ClientConnection, { sessions, hub, root }: HandlerContext): void {
  const allowedRoot = root ?? new AllowedRoot();

  client.handle('hello', () => {
    if (!client.takeHello()) {
      throw invalidRequest('tunelab/hello was already done on this connection', 'already_authenticated');
    }
    return { sidecarVersion: SIDECAR_VERSION, pid: process.pid };
  });

  client.handle('initialize', ({ protocolVersion }) => {
    if (protocolVersion.major !== PROTOCOL_VERSION.major) {
      throw protocolVersionMismatch(
        `client speaks protocol ${protocolVersion.major}.${protocolVersion.minor}, ` +
          `the sidecar ${PROTOCOL_VERSION.major}.${PROTOCOL_VERSION.minor}`
      );
    }
    return {
      protocolVersion: { ...PROTOCOL_VERSION },
      sidecarVersion: SIDECAR_VERSION,
      user: client.identity?.user ?? '',
      limits: { ...LIMITS }
    };
  });

  client.handle('ping', () => ({ time: Date.now() }));

  // Browsers reach the sidecar through the relay (clientKind 'browser'); anyone else proved the secret
  // from the 0600 connection file, so may name a model directory outside the roots (docs/architecture.md).
  client.handle('createSession', async config =>
    (await sessions.createReady(config, { anyModelPath: client.identity?.clientKind !== 'browser' })).info()
  );

  client.handle('setPreferences', ({ backend }) => {
    backendDefaults.settings = backend;
    return { backend: backendDefaults.settings };
  });

  client.handle('appendItems', async ({ sessionId, ...chunk }) => {
    const session = sessions.get(sessionId);
    session.appendItems(chunk);
    await session.chunkAcknowledged();
    return session.loadState();
  });

  client.handle('listSessions', () => ({ sessions: sessions.list() }));

  client.handle('getSession', ({ sessionId }) => sessions.get(sessionId).info());

  client.handle('subscribe', ({ sessionId }) => {
    const info = sessions.get(sessionId).info();
    hub.subscribe(client, sessionId);
    return info;
  });

  client.handle('unsubscribe', ({ sessionId }) => {
    hub.unsubscribe(client, sessionId);
    return {};
  });

  // Served from memory (prepared questions); never a pool scan on the request path.
  client.handle('nextQuestion', async ({ sessionId }) => ({
    question: (await sessions.get(sessionId).serveQuestions(client.id, 1))[0] ?? null
  }));

  client.handle('nextQuestions', async ({ sessionId, count }) => ({
    questions: await sessions.get(sessionId).serveQuestions(client.id, count)
  }));

  client.handle('answer', ({ sessionId, ...answer }) =>
    sessions.get(sessionId).answer(client.id, answer, client.identity?.user ?? client.id)
  );

  client.handle('undo', ({ sessionId }) => sessions.get(sessionId).undo(client.id));

  client.handle('closeSession', ({ sessionId }) => {
    sessions.close(sessionId);
    return {};
  });

  client.handle('configure', ({ sessionId, ...options }) => sessions.get(sessionId).configure(options, client.id));

  client.handle('waitForModel', ({ sessionId, version, timeoutMs }) =>
    sessions.get(sessionId).waitForModel(version, timeoutMs)
  );

  client.handle('exportModel', async ({ sessionId }) => {
    const session = sessions.get(sessionId);
    if (session.tunesEncoder) {
      // A tuned encoder (top-layers, full) has no TF.js model: the directory is the whole model.
      const { modelVersion, directory } = await session.exportSentenceEncoder();
      return withPayload({ modelVersion, modelJson: '', directory }, new Uint8Array(0));
    }
    const classifierHead = session.isClassification ? session.classifier().exportHead() : undefined;
    const head = classifierHead ? { classifierHead } : {};
    if (classifierHead && !session.hasWeights) {
      // A fixed featurizer (hashed-ngram): the head is the whole trained model.
      return withPayload({ modelVersion: session.modelVersion, modelJson: '', ...head }, new Uint8Array(0));
    }
    const exported = await session.exportModel();
    // A sentence encoder's model is the pretrained encoder plus the adapter: kernels load the directory.
    const directory = session.isSentenceEncoder ? (await session.exportSentenceEncoder()).directory : undefined;
    return withPayload(
      {
        modelVersion: session.isClassification ? session.modelVersion : exported.modelVersion,
        modelJson: exported.modelJson,
        ...(directory ? { directory } : {}),
        ...head
      },
      exported.weights
    );
  });

  client.handle('embed', async ({ sessionId, payload }) => {
    const { vectors, ...result } = await sessions.get(sessionId).embed(payload);
    return withPayload(result, new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
  });

  client.handle('predict', async ({ sessionId, payload }) => {
    const { probs, ...result } = await sessions.get(sessionId).predict(payload);
    return withPayload(result, new Uint8Array(probs.buffer, probs.byteOffset, probs.byteLength));
  });

  // Protocol 1.4: classification sessions (InvalidParams at /sessionId for a similarity session).
  client.handle('machineLabels', ({ sessionId }) => sessions.get(sessionId).classifier().machineLabels());

  client.handle('confirmMachineLabel', ({ sessionId, index, answerId }) =>
    sessions
      .get(sessionId)
      .classifier()
      .confirmMachineLabel(index, answerId, client.identity?.user ?? client.id)
  );

  client.handle('rejectMachineLabel', ({ sessionId, index, answerId, labels }) =>
    sessions
      .get(sessionId)
      .classifier()
      .rejectMachineLabel(index, answerId, labels, client.identity?.user ?? client.id)
  );

  client.handle('train', ({ sessionId }) => {
    const session = sessions.get(sessionId);
    session.classifier().trainNow();
    return { progress: session.progress() };
  });

  client.handle('setLabels', ({ sessionId, labels }) => sessions.get(sessionId).setLabels(labels));

  client.handle('saveModel', async ({ sessionId, path }) => {
    const session = sessions.get(sessionId);
    const target = path ?? session.config.modelSavePath;
    if (target === undefined) {
      throw invalidParams('/path', 'no path given and the session has no modelSavePath');
    }
    const dir = allowedRoot.resolve(target, path === undefined ? '/modelSavePath' : '/path');
    if (session.isSentenceEncoder) {
      const saved = await session.exportSentenceEncoder(dir);
      return { modelVersion: saved.modelVersion, path: dir, files: saved.files };
    }
    const exported = await session.exportModel();
    const files = await writeArtifacts(dir, exported);
    return { modelVersion: exported.modelVersion, path: dir, files };
  });

  client.handle('modelHistory', ({ sessionId }) => ({ versions: sessions.get(sessionId).history() }));

  client.handle('labels', ({ sessionId }) => ({ answers: sessions.get(sessionId).labels() }));

  client.handle('exportLabels', ({ sessionId, format }) => {
    const session = similarityOnly(sessions.get(sessionId), 'label files');
    const records = session.labelRecords();
    const file = exportLabels(records, format, id => ({ text: session.itemText(id) }), {
      datasetName: session.config.name,
      positiveLabel: session.config.positiveLabel ?? 1,
      negativeLabel: session.config.negativeLabel ?? -1
    });
    return withPayload(
      { format, fileName: file.fileName, mediaType: file.mediaType, count: records.length },
      file.bytes
    );
  });

  client.handle('importLabels', ({ sessionId, format, payload }) => {
    const session = similarityOnly(sessions.get(sessionId), 'label files');
    const counts = session.importAnswers(
      importLabels(payload, format, {
        positiveLabel: session.config.positiveLabel ?? 1,
        negativeLabel: session.config.negativeLabel ?? -1
      })
    );
    return { ...counts, progress: session.progress() };
  });

  client.handle('finish', ({ sessionId }) => ({ progress: sessions.get(sessionId).finish() }));

  client.onClose(() => sessions.releaseHolder(client.id));
}
