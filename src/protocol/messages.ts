/**
 * Every JSON-RPC method and notification between browser/kernel and the
 * sidecar, defined once as TypeBox schemas. The sidecar validates every
 * inbound `params` against these; the browser imports the same types;
 * `tunelab/protocol.py` mirrors them for the kernel.
 */
import { Static, TSchema, Type } from '@sinclair/typebox';

// ---------------------------------------------------------------- shared shapes

/** An item's user-facing id: the `id_field` value, else its row position. */
export const ItemId = Type.Union([Type.String({ maxLength: 1024 }), Type.Integer()]);
export type ItemId = Static<typeof ItemId>;

export const SessionId = Type.String({ minLength: 1, maxLength: 128 });
export const QuestionId = Type.String({ minLength: 1, maxLength: 128 });

export const ClientKind = Type.Union([Type.Literal('browser'), Type.Literal('kernel'), Type.Literal('test')]);
export type ClientKind = Static<typeof ClientKind>;

/** Protocol 1.4: "classification" labels each item with classes from `labels` instead of marking neighbours. */
export const Task = Type.Union([Type.Literal('similarity'), Type.Literal('classification')]);
export type Task = Static<typeof Task>;

export const ContentType = Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('vector')]);
export type ContentType = Static<typeof ContentType>;

/** One item of the pool as shown to an annotator. */
export const Item = Type.Object({
  id: ItemId,
  /** Row position in the data the user passed. */
  index: Type.Integer({ minimum: 0 }),
  text: Type.Optional(Type.String()),
  /** Image items: a small PNG thumbnail as a data: URL, rendered by the browser as is. */
  image: Type.Optional(Type.String({ maxLength: 262144 }))
});
export type Item = Static<typeof Item>;

export const Candidate = Type.Composite([
  Item,
  Type.Object({
    score: Type.Number(),
    /** Protocol 1.1: set on extra candidates appended after the top-K (hard: next-ranked; random: uniform). */
    extra: Type.Optional(Type.Union([Type.Literal('hard'), Type.Literal('random')]))
  })
]);
export type Candidate = Static<typeof Candidate>;

/** How a question's query was picked: active learning's reasons, or a baseline order. */
export const QueryStrategy = Type.Union([
  Type.Literal('uncertain'),
  Type.Literal('diverse'),
  Type.Literal('random'),
  Type.Literal('sequential'),
  Type.Literal('repeat')
]);
export type QueryStrategy = Static<typeof QueryStrategy>;

/** Protocol 1.4: a classification session's label names, in the session's label order. */
export const LabelName = Type.String({ minLength: 1, maxLength: 200 });
export const LabelList = Type.Array(LabelName, { maxItems: 1000 });

/** Protocol 1.4: the model's guess for a classification question's item. */
export const Prediction = Type.Object({
  /** Predicted labels: the top one (single-label), or every label scored ≥ 0.5 (multi-label). */
  labels: LabelList,
  /** Per-label probability, in the session's label order (`SessionConfig.labels`). */
  scores: Type.Array(Type.Number({ minimum: 0, maximum: 1 })),
  /** Top probability (single-label) or the least certain yes/no decision (multi-label), in [0, 1]. */
  certainty: Type.Number({ minimum: 0, maximum: 1 }),
  /** The model version that made it. */
  modelVersion: Type.Integer({ minimum: 0 })
});
export type Prediction = Static<typeof Prediction>;

export const Question = Type.Object({
  id: QuestionId,
  sessionId: SessionId,
  query: Item,
  candidates: Type.Array(Candidate),
  /** Version of the model whose embeddings produced these candidates. */
  modelVersion: Type.Integer({ minimum: 0 }),
  /** Why this query was chosen (protocol 1.1). */
  strategy: Type.Optional(QueryStrategy),
  // ---- protocol 1.4: classification sessions (`candidates` is then empty; `query` is the item to label)
  /** The choices, in the session's label order (keys 1–9 pick the first nine). */
  choices: Type.Optional(LabelList),
  /** The model's prediction; null before the model can predict (fewer than two labelled classes). */
  prediction: Type.Optional(Type.Union([Prediction, Type.Null()])),
  /**
   * Reserved: marks an item that had been auto-accepted and is asked again for a human check (the panel shows
   * it). This sidecar does not send it yet: machine labels are reviewed from `session/machineLabels`.
   */
  review: Type.Optional(Type.Boolean())
});
export type Question = Static<typeof Question>;

/**
 * Protocol 1.3: the TF.js backend a session trains with. `auto` takes the first that works of
 * tensorflow-gpu (@tensorflow/tfjs-node-gpu), tensorflow (@tensorflow/tfjs-node), wasm and cpu.
 */
export const BackendPreference = Type.Union([
  Type.Literal('auto'),
  Type.Literal('tensorflow-gpu'),
  Type.Literal('tensorflow'),
  Type.Literal('wasm'),
  Type.Literal('cpu')
]);
export type BackendPreference = Static<typeof BackendPreference>;

export const Progress = Type.Object({
  /** Answered questions (not undone), ignored ones included. */
  done: Type.Integer({ minimum: 0 }),
  /** Candidates marked relevant. */
  positive: Type.Integer({ minimum: 0 }),
  /** Candidates left unselected in an answered question. */
  negative: Type.Integer({ minimum: 0 }),
  /** Questions answered with ignore/skip. */
  ignored: Type.Integer({ minimum: 0 }),
  modelVersion: Type.Integer({ minimum: 0 }),
  /** Items expected in the pool (known once the first chunk arrives). */
  itemCount: Type.Integer({ minimum: 0 }),
  /** Items received and embedded so far. */
  loadedItems: Type.Integer({ minimum: 0 }),
  // ---- protocol 1.1: training state
  /** Answers committed to the store (all of `done` once durable storage is on). */
  saved: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Questions answered in the current round of `questionsPerRound` (protocol 1.2; before: since the last update). */
  roundDone: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Loss of the last training round, null before the first one. */
  lastLoss: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  /** True while a training round or a re-embedding runs. */
  training: Type.Optional(Type.Boolean()),
  /** The TF.js backend the session trains with: tensorflow-gpu, tensorflow, wasm or cpu. */
  backend: Type.Optional(Type.String()),
  /** Protocol 1.3: why `auto` did not pick a better backend (e.g. the native binding is not installed). */
  backendFallbackReason: Type.Optional(Type.String()),
  /** Set when the user pressed Finish. */
  finished: Type.Optional(Type.Boolean()),
  // ---- protocol 1.2
  /** The current round of `questionsPerRound` questions, from 1. */
  round: Type.Optional(Type.Integer({ minimum: 1 })),
  // ---- protocol 1.3: pretrained sentence encoders
  /** True while a sentence encoder embeds pool items (`loadedItems` of `itemCount` are in the index). */
  embedding: Type.Optional(Type.Boolean()),
  /** Pool items whose encoder embedding came from the on-disk embedding cache instead of the encoder. */
  cachedItems: Type.Optional(Type.Integer({ minimum: 0 })),
  // ---- protocol 1.4: classification sessions
  /** Items the model auto-accepted (machine labels: kept apart, never trained on unless confirmed). */
  machineLabels: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * Whether auto-accept is on: false until the model's confident predictions proved right often enough
   * (docs/classification.md, AutoAcceptGate), and always false with `certaintyThreshold: null`.
   */
  autoAcceptOpen: Type.Optional(Type.Boolean()),
  /** Answers kept but left out of training because they use a label that was removed (`session/setLabels`). */
  excluded: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Answers stored since the last training round started (a round starts at `updateEvery`). */
  sinceUpdate: Type.Optional(Type.Integer({ minimum: 0 }))
});
export type Progress = Static<typeof Progress>;

/** Options a user may change while labeling (control panel, advanced settings). */
export const TrainingOptions = Type.Object({
  /** Train after every N answers. */
  updateEvery: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  batchSize: Type.Optional(Type.Integer({ minimum: 2, maximum: 4096 })),
  loss: Type.Optional(Type.Union([Type.Literal('triplet'), Type.Literal('infonce'), Type.Literal('cosine')])),
  margin: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  /** "active" (uncertainty + diversity + random share), or a baseline order. */
  queryOrder: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('random'), Type.Literal('sequential')])),
  /** Share of active-learning questions drawn uniformly at random, for unbiased evaluation. */
  randomShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** Extra candidates mixed into each question: hard negatives (just below the top-K) and random ones. */
  hardNegatives: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
  randomNegatives: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
  /** Ask labeled queries again (Finetuner's "keep same question"). */
  keepSameQuestion: Type.Optional(Type.Boolean()),
  questionsPerRound: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  /** Items considered as candidates (Finetuner's match pool); 0 = the whole pool. */
  matchPoolSize: Type.Optional(Type.Integer({ minimum: 0 })),
  // ---- protocol 1.4: classification sessions
  /** Query choice: uncertainty measure of the active order (default "margin"). */
  uncertainty: Type.Optional(
    Type.Union([Type.Literal('margin'), Type.Literal('least-confidence'), Type.Literal('entropy')])
  ),
  /** Weight of distance to already-asked items against uncertainty, in [0, 1] (default 0.3). */
  diversityWeight: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /**
   * Argilla's certainty threshold: predictions at least this certain are auto-accepted as machine labels
   * once the gate opens (default 0.9); null turns auto-accept off.
   */
  certaintyThreshold: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0.5, maximum: 1 }), Type.Null()])),
  /** Values stored for relevant/irrelevant candidates in exported labels. */
  positiveLabel: Type.Optional(Type.Number()),
  negativeLabel: Type.Optional(Type.Number()),
  /** Where Save model writes, inside the allowed root. */
  modelSavePath: Type.Optional(Type.String({ maxLength: 4096 }))
});
export type TrainingOptions = Static<typeof TrainingOptions>;

/**
 * What a `sentence-encoder` session trains: "adapter" (the encoder frozen, its pool embeddings cached, a
 * linear head trained over them; the CPU default), "top-layers" (the top `trainLayers` transformer layers
 * too), "full" (every weight).
 */
export const TrainingMode = Type.Union([Type.Literal('adapter'), Type.Literal('top-layers'), Type.Literal('full')]);
export type TrainingMode = Static<typeof TrainingMode>;

export const SessionConfig = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  task: Task,
  /**
   * Embedding model: "hashed-ngram" (fixed text embedding, no training), "text-mlp" (hashed
   * n-grams + trainable MLP), "mlp" (vectors, flattened images), "cnn" (images), "file" (modelPath),
   * "sentence-encoder" (a BERT-family Hugging Face / sentence-transformers directory at modelPath).
   */
  model: Type.String({ minLength: 1, maxLength: 200 }),
  contentType: ContentType,
  /** Field of dict/table rows holding the content. */
  field: Type.Optional(Type.String({ maxLength: 200 })),
  topK: Type.Integer({ minimum: 1, maximum: 50 }),
  // ---- protocol 1.1: model, training and query options; all optional, the sidecar fills defaults
  ...TrainingOptions.properties,
  /** Element shape of image ([height, width, channels]) and vector ([dim]) items. */
  inputShape: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 65536 }), { minItems: 1, maxItems: 3 })),
  /**
   * `file`: a user's TF.js LayersModel (`model.json`), inside the sidecar's allowed root. `sentence-encoder`:
   * the model directory, inside the allowed root or a model root (docs/architecture.md, Security).
   */
  modelPath: Type.Optional(Type.String({ maxLength: 4096 })),
  /** Protocol 1.3, `sentence-encoder` only: what trains (default "adapter"). */
  trainingMode: Type.Optional(TrainingMode),
  /** Protocol 1.3, `trainingMode: "top-layers"`: how many top transformer layers train (default 2). */
  trainLayers: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  /**
   * Protocol 1.4, `task: "classification"`: the label names, in display order (keys 1–9). Required for
   * classification: non-empty, at least two for single-label, no duplicates (compared trimmed, NFC,
   * case-folded). Changed later with `session/setLabels`.
   */
  labels: Type.Optional(LabelList),
  /** Protocol 1.4, classification: an item may take any number of labels (default false: exactly one). */
  multiLabel: Type.Optional(Type.Boolean()),
  /** Tailor a general model into an embedding model. */
  tailor: Type.Optional(
    Type.Object({
      cutAtLayer: Type.Optional(Type.String({ maxLength: 200 })),
      freeze: Type.Optional(Type.Boolean()),
      outputDim: Type.Optional(Type.Integer({ minimum: 1, maximum: 8192 }))
    })
  ),
  /** Embedding size of the built-in models. */
  outputDim: Type.Optional(Type.Integer({ minimum: 1, maximum: 8192 })),
  seed: Type.Optional(Type.Integer()),
  /**
   * Protocol 1.3: the session's TF.js backend. Unset: the JupyterLab setting (`tunelab/preferences`), else
   * the sidecar's TUNELAB_BACKEND, else `auto`. A named backend that cannot load fails `session/create`.
   */
  backend: Type.Optional(BackendPreference)
});
export type SessionConfig = Static<typeof SessionConfig>;

export const SessionInfo = Type.Composite([
  SessionConfig,
  Type.Object({
    id: SessionId,
    /** ISO-8601 creation time. */
    createdAt: Type.String(),
    /** True until the chunk flagged `isLast` has arrived. */
    loading: Type.Boolean(),
    progress: Progress,
    /** Protocol 1.2: the dataset existed in the store; labels and the latest model version were restored. */
    resumed: Type.Optional(Type.Boolean())
  })
]);
export type SessionInfo = Static<typeof SessionInfo>;

/** One stored answer, as `session/labels` returns it. */
export const AnswerRecord = Type.Object({
  answerId: Type.String(),
  questionId: QuestionId,
  queryId: ItemId,
  queryIndex: Type.Integer(),
  candidateIds: Type.Array(ItemId),
  relevantIds: Type.Array(ItemId),
  ignored: Type.Boolean(),
  modelVersion: Type.Integer(),
  annotator: Type.String(),
  /** ISO-8601 time the answer was committed. */
  time: Type.String(),
  undone: Type.Boolean(),
  /** Protocol 1.4, classification: the labels chosen (names); absent for similarity answers. */
  labels: Type.Optional(LabelList),
  /** Protocol 1.4, classification: Enter accepted the model's prediction as shown, or a machine label was confirmed. */
  acceptedPrediction: Type.Optional(Type.Boolean()),
  /** Protocol 1.4, classification: the answer uses a removed label, so training leaves it out. */
  excluded: Type.Optional(Type.Boolean())
});
export type AnswerRecord = Static<typeof AnswerRecord>;

/** Protocol 1.4: an auto-accepted item, kept apart from human labels until confirmed or rejected. */
export const MachineLabelRecord = Type.Object({
  itemId: ItemId,
  /** Pool position. */
  index: Type.Integer({ minimum: 0 }),
  /** Text items: the text, so the list can show it. */
  text: Type.Optional(Type.String()),
  image: Type.Optional(Type.String({ maxLength: 262144 })),
  labels: LabelList,
  /** The certainty that passed the threshold. */
  score: Type.Number({ minimum: 0, maximum: 1 }),
  modelVersion: Type.Integer({ minimum: 0 })
});
export type MachineLabelRecord = Static<typeof MachineLabelRecord>;

/** Label file formats of `labels/export` and `labels/import` (docs/storage.md). */
export const LabelFormat = Type.Union([
  Type.Literal('jsonl'),
  Type.Literal('csv'),
  Type.Literal('label-studio'),
  Type.Literal('hf-jsonl')
]);
export type LabelFormat = Static<typeof LabelFormat>;

/** One model version, for the loss chart. */
export const ModelVersionRecord = Type.Object({
  version: Type.Integer({ minimum: 0 }),
  loss: Type.Union([Type.Number(), Type.Null()]),
  /** Answers the version was trained on. */
  answers: Type.Integer({ minimum: 0 }),
  time: Type.String(),
  trainMs: Type.Number()
});
export type ModelVersionRecord = Static<typeof ModelVersionRecord>;

export const Limits = Type.Object({
  maxTextMessageBytes: Type.Integer(),
  maxBinaryMessageBytes: Type.Integer(),
  maxItemsPerChunk: Type.Integer()
});

const Empty = Type.Object({});

// ---------------------------------------------------------------- descriptors

export interface RequestDescriptor<P extends TSchema, R extends TSchema> {
  readonly method: string;
  readonly params: P;
  readonly result: R;
}

export interface NotificationDescriptor<P extends TSchema> {
  readonly method: string;
  readonly params: P;
}

function request<P extends TSchema, R extends TSchema>(method: string, params: P, result: R): RequestDescriptor<P, R> {
  return { method, params, result };
}

function notification<P extends TSchema>(method: string, params: P): NotificationDescriptor<P> {
  return { method, params };
}

// Protocol 1.4: classification sessions' methods, merged into Requests below.
const ClassificationRequests = {
  /** The session's auto-accepted items, most certain first. */
  machineLabels: request(
    'session/machineLabels',
    Type.Object({ sessionId: SessionId }),
    Type.Object({ machineLabels: Type.Array(MachineLabelRecord) })
  ),
  /**
   * Confirms a machine label: it is stored as this client's answer (a human label, trained on) and leaves
   * the machine list. `answerId` as for `question/answer` (a resend is a no-op).
   */
  confirmMachineLabel: request(
    'machineLabel/confirm',
    Type.Object({
      sessionId: SessionId,
      index: Type.Integer({ minimum: 0 }),
      answerId: Type.String({ minLength: 1, maxLength: 128 })
    }),
    Type.Object({ progress: Progress, duplicate: Type.Boolean() })
  ),
  /**
   * Rejects a machine label: with `labels`, they are stored as this client's answer instead; without, the
   * item leaves the machine list and is never auto-accepted by this model version again.
   */
  rejectMachineLabel: request(
    'machineLabel/reject',
    Type.Object({
      sessionId: SessionId,
      index: Type.Integer({ minimum: 0 }),
      answerId: Type.String({ minLength: 1, maxLength: 128 }),
      labels: Type.Optional(LabelList)
    }),
    Type.Object({ progress: Progress, duplicate: Type.Boolean() })
  ),
  /** "Train now": starts a round without waiting for `updateEvery` answers. */
  train: request('session/train', Type.Object({ sessionId: SessionId }), Type.Object({ progress: Progress })),
  /**
   * Replaces the label list. Answers using a removed label are kept (never deleted) but left out of
   * training until their item is labelled again; `messages` says so per label.
   */
  setLabels: request(
    'session/setLabels',
    Type.Object({ sessionId: SessionId, labels: LabelList }),
    Type.Object({
      removed: LabelList,
      added: LabelList,
      messages: Type.Array(Type.String()),
      info: SessionInfo
    })
  ),
  /**
   * Class probabilities of items with the latest model: a binary request like `model/embed`; the binary
   * response's payload is row-major float32, `rows` × `labels.length`, in `labels` order.
   */
  predict: request(
    'model/predict',
    Type.Object({ sessionId: SessionId, payload: Type.Uint8Array() }),
    Type.Object({ modelVersion: Type.Integer(), rows: Type.Integer(), labels: LabelList, multiLabel: Type.Boolean() })
  )
} as const;

/** Requests sent by a client (relay, kernel, browser) to the sidecar. */
export const Requests = {
  ...ClassificationRequests,
  /**
   * Must be the first message on every sidecar connection. The relay sends it
   * on the browser's behalf (the browser never sees the secret); the kernel
   * reads the secret from the 0600 connection file.
   */
  hello: request(
    'tunelab/hello',
    Type.Object({
      secret: Type.String({ minLength: 1, maxLength: 256 }),
      user: Type.String({ minLength: 1, maxLength: 200 }),
      clientKind: ClientKind
    }),
    Type.Object({ sidecarVersion: Type.String(), pid: Type.Integer() })
  ),
  /** Version negotiation; the browser's first message after the relay's hello. */
  initialize: request(
    'tunelab/initialize',
    Type.Object({
      protocolVersion: Type.Object({ major: Type.Integer(), minor: Type.Integer() }),
      clientName: Type.String({ maxLength: 200 })
    }),
    Type.Object({
      protocolVersion: Type.Object({ major: Type.Integer(), minor: Type.Integer() }),
      sidecarVersion: Type.String(),
      user: Type.String(),
      limits: Limits
    })
  ),
  ping: request('tunelab/ping', Empty, Type.Object({ time: Type.Number() })),
  /** Creates a session, or returns the live one with the same name. */
  createSession: request('session/create', SessionConfig, SessionInfo),
  /**
   * Sent as a binary message: the payload is an Arrow IPC stream holding one
   * chunk of the pool, columns `id` (int64 or utf8), `index` (int64) and the
   * content column (`text`: utf8). Questions are served as soon as the first
   * chunk is in.
   */
  appendItems: request(
    'session/appendItems',
    Type.Object({
      sessionId: SessionId,
      chunkIndex: Type.Integer({ minimum: 0 }),
      /** Items in the whole pool, so progress can show loading. */
      totalItems: Type.Integer({ minimum: 0 }),
      isLast: Type.Boolean(),
      payload: Type.Uint8Array(),
      /**
       * Protocol 1.2: names one upload (a client-chosen id). Chunk indexes count within it, so re-adding
       * data to a resumed dataset starts again at chunk 0; items already stored are not added twice.
       */
      uploadId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 }))
    }),
    Type.Object({ loadedItems: Type.Integer(), loading: Type.Boolean() })
  ),
  listSessions: request('session/list', Empty, Type.Object({ sessions: Type.Array(SessionInfo) })),
  getSession: request('session/get', Type.Object({ sessionId: SessionId }), SessionInfo),
  /** Starts `session/progress` notifications for this session on this connection. */
  subscribe: request('session/subscribe', Type.Object({ sessionId: SessionId }), SessionInfo),
  unsubscribe: request('session/unsubscribe', Type.Object({ sessionId: SessionId }), Empty),
  /** The next question for this connection; `null` when none is left (or the pool is still empty). */
  nextQuestion: request(
    'question/next',
    Type.Object({ sessionId: SessionId }),
    Type.Object({ question: Type.Union([Question, Type.Null()]) })
  ),
  /**
   * Answers a question. Candidates in `relevant` are positives, the other
   * candidates negatives; `ignore` records a skip. `answerId` is chosen by
   * the client so a resend is idempotent (`duplicate: true`).
   */
  answer: request(
    'question/answer',
    Type.Object({
      sessionId: SessionId,
      questionId: QuestionId,
      answerId: Type.String({ minLength: 1, maxLength: 128 }),
      relevant: Type.Array(ItemId, { maxItems: 50 }),
      ignore: Type.Boolean(),
      /**
       * Protocol 1.4, classification (send `relevant: []`): the chosen label names. Single-label: exactly one
       * unless `ignore` (skip). Unknown names are refused with InvalidParams naming the label and the choices.
       */
      labels: Type.Optional(LabelList),
      /** Protocol 1.4, classification: the labels are the prediction shown (Enter), for the auto-accept gate. */
      acceptedPrediction: Type.Optional(Type.Boolean())
    }),
    Type.Object({ progress: Progress, duplicate: Type.Boolean() })
  ),
  /** Undoes this session's most recent answer that is not undone yet. */
  undo: request(
    'session/undo',
    Type.Object({ sessionId: SessionId }),
    Type.Object({ progress: Progress, undoneQuestionId: Type.Union([QuestionId, Type.Null()]) })
  ),
  closeSession: request('session/close', Type.Object({ sessionId: SessionId }), Empty),
  // ---- protocol 1.1
  /** Changes training/query options of a live session; returns the effective config. */
  configure: request(
    'session/configure',
    Type.Composite([
      Type.Object({
        sessionId: SessionId,
        topK: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
        /** Protocol 1.2: the pool index of the item this connection is asked about next (Finetuner's start question). */
        startQuestion: Type.Optional(Type.Integer({ minimum: 0 }))
      }),
      TrainingOptions
    ]),
    SessionInfo
  ),
  /** Several questions at once (the panel's cards); each assigned to this connection. */
  nextQuestions: request(
    'question/nextBatch',
    Type.Object({ sessionId: SessionId, count: Type.Integer({ minimum: 1, maximum: 20 }) }),
    Type.Object({ questions: Type.Array(Question) })
  ),
  /** Resolves once the session's model reaches `version` (default: the next one) or training goes idle. */
  waitForModel: request(
    'model/wait',
    Type.Object({
      sessionId: SessionId,
      version: Type.Optional(Type.Integer({ minimum: 0 })),
      timeoutMs: Type.Integer({ minimum: 0, maximum: 3600000 })
    }),
    Type.Object({ progress: Progress, reached: Type.Boolean() })
  ),
  /**
   * The latest model as TF.js layers artifacts: `modelJson` is model.json's text (topology,
   * weightsManifest, Tunelab's featurizer metadata); the response is a binary message whose payload
   * is the concatenated weights (weights.bin).
   */
  exportModel: request(
    'model/export',
    Type.Object({ sessionId: SessionId }),
    Type.Object({
      modelVersion: Type.Integer(),
      modelJson: Type.String(),
      /**
       * Sentence-encoder sessions (protocol 1.3): a sentence-transformers directory of this version that the
       * sidecar wrote in its data dir (`<data dir>/exports/<datasetId>/v<N>`, the newest 3 kept); the
       * model.json above is then the adapter alone.
       */
      directory: Type.Optional(Type.String()),
      /**
       * Classification sessions (protocol 1.4): the head over the embedding, format
       * `tunelab-classifier-head/1` (docs/classification.md): `{format, labels, kernel, bias, labelled, mix,
       * multiLabel}`. `directory`/`modelJson` are then the encoder.
       */
      classifierHead: Type.Optional(
        Type.Object({
          format: Type.Literal('tunelab-classifier-head/1'),
          labels: LabelList,
          numClasses: Type.Integer({ minimum: 1 }),
          /** Embedding size: rows of `kernel`. */
          dim: Type.Integer({ minimum: 1 }),
          modelVersion: Type.Integer({ minimum: 0 }),
          /** dim rows × labels.length, row-major. */
          kernel: Type.Array(Type.Array(Type.Number())),
          bias: Type.Array(Type.Number()),
          /** Per label: it has labelled rows (single-label softmax runs over these only). */
          labelled: Type.Array(Type.Boolean()),
          /** Per label: the weight λ of the uniform prior mixed into the probabilities. */
          mix: Type.Array(Type.Number({ minimum: 0, maximum: 1 })),
          multiLabel: Type.Boolean()
        })
      )
    })
  ),
  /**
   * Embeds items with the latest model. A binary request (payload: Arrow IPC with the same columns as
   * `session/appendItems`); the binary response's payload is row-major float32 embeddings.
   */
  embed: request(
    'model/embed',
    Type.Object({ sessionId: SessionId, payload: Type.Uint8Array() }),
    Type.Object({ modelVersion: Type.Integer(), rows: Type.Integer(), dim: Type.Integer() })
  ),
  /** Writes the latest model (TF.js layers format) to `path` (default: the session's modelSavePath). */
  saveModel: request(
    'model/save',
    Type.Object({ sessionId: SessionId, path: Type.Optional(Type.String({ maxLength: 4096 })) }),
    Type.Object({ modelVersion: Type.Integer(), path: Type.String(), files: Type.Array(Type.String()) })
  ),
  modelHistory: request(
    'model/history',
    Type.Object({ sessionId: SessionId }),
    Type.Object({ versions: Type.Array(ModelVersionRecord) })
  ),
  labels: request(
    'session/labels',
    Type.Object({ sessionId: SessionId }),
    Type.Object({ answers: Type.Array(AnswerRecord) })
  ),
  // ---- protocol 1.2
  /** The session's labels (undone answers left out) in a file format; a binary response whose payload is the file. */
  exportLabels: request(
    'labels/export',
    Type.Object({ sessionId: SessionId, format: LabelFormat }),
    Type.Object({ format: LabelFormat, fileName: Type.String(), mediaType: Type.String(), count: Type.Integer() })
  ),
  /**
   * A binary request whose payload is a label file: its answers are added to the session (annotator and time
   * kept), warm-starting the model. Answers whose id is already stored are skipped, so importing twice is safe.
   */
  importLabels: request(
    'labels/import',
    Type.Object({ sessionId: SessionId, format: LabelFormat, payload: Type.Uint8Array() }),
    Type.Object({ imported: Type.Integer(), duplicates: Type.Integer(), progress: Progress })
  ),
  /** The user pressed Finish: `tunelab.fit(..., interactive=True)` returns. */
  finish: request('session/finish', Type.Object({ sessionId: SessionId }), Type.Object({ progress: Progress })),
  // ---- protocol 1.3
  /**
   * The browser's JupyterLab settings the sidecar applies: `backend` is used by sessions created from now on
   * whose config names none (`auto`: no preference). Sent on connect and whenever the setting changes.
   */
  setPreferences: request(
    'tunelab/preferences',
    Type.Object({ backend: BackendPreference }),
    Type.Object({ backend: BackendPreference })
  )
} as const;

/** Notifications sent by the sidecar. */
export const Notifications = {
  /** After every answer/undo/load step of a subscribed session. */
  progress: notification('session/progress', Type.Object({ sessionId: SessionId, progress: Progress })),
  /** To every connection whenever a session is created, closed or finishes loading. */
  sessionsChanged: notification('sessions/changed', Type.Object({ sessions: Type.Array(SessionInfo) })),
  /** Protocol 1.1: a new model version is live (its embeddings are in the index). */
  modelUpdated: notification('session/modelUpdated', Type.Object({ sessionId: SessionId, record: ModelVersionRecord }))
} as const;

export type RequestName = keyof typeof Requests;
export type ParamsOf<K extends RequestName> = Static<(typeof Requests)[K]['params']>;
export type ResultOf<K extends RequestName> = Static<(typeof Requests)[K]['result']>;
export type NotificationName = keyof typeof Notifications;
export type NotificationParamsOf<K extends NotificationName> = Static<(typeof Notifications)[K]['params']>;
