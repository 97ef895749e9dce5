import type { ItemId, LabelFormat } from '../../protocol/messages';
import { ErrorCodes } from '../../protocol/errors';
import { sidecarErrorOf } from '../testing/sidecarErrorOf';
import { exportLabels, importLabels, ItemContent, LabelRecord, MAX_LABEL_FILE_BYTES } from './index';

const FORMATS: LabelFormat[] = ['jsonl', 'csv', 'label-studio', 'hf-jsonl'];
const META = { datasetName: 'my dataset/v1', positiveLabel: 1, negativeLabel: 0 };

function record(overrides: Partial<LabelRecord> & Pick<LabelRecord, 'answerId'>): LabelRecord {
  return {
    queryId: 1,
    candidateIds: [2, 3, 4],
    relevantIds: [2],
    ignored: false,
    annotator: 'alice',
    time: '2024-05-01T12:00:00.000Z',
    modelVersion: 0,
    ...overrides
  };
}

/** Relevant ids are listed in candidate order: the csv format can only give them back that way. */
const INT_RECORDS: LabelRecord[] = [
  record({ answerId: 'a1', queryId: 10, candidateIds: [11, 12, 13], relevantIds: [11, 13], modelVersion: 3 }),
  record({ answerId: 'a2', queryId: 0, candidateIds: [-5, 7], relevantIds: [], annotator: 'Zoë, "the" boss\nline 2' }),
  record({ answerId: 'a3', queryId: 12, candidateIds: [10, 11], relevantIds: [], ignored: true, annotator: 'bob' }),
  record({ answerId: 'a4 ✓', queryId: 9007199254740991, candidateIds: [1], relevantIds: [1], modelVersion: 17 })
];

const STRING_RECORDS: LabelRecord[] = [
  record({ answerId: 'b1', queryId: 'q,1', candidateIds: ['c "1"', 'c\n2', 'ü€𝄞'], relevantIds: ['c\n2'] }),
  record({
    answerId: 'b2',
    queryId: '007',
    candidateIds: ['008', '009'],
    relevantIds: ['008', '009'],
    annotator: '名前'
  }),
  record({
    answerId: 'b3',
    queryId: 'x',
    candidateIds: ['y', 'z'],
    relevantIds: [],
    ignored: true,
    annotator: ' spaced\rname '
  }),
  record({
    answerId: 'b4',
    queryId: 'y',
    candidateIds: ['x', 'z'],
    relevantIds: [],
    time: '2021-03-09T22:16:08.728353Z'
  })
];

/** Shapes a session never makes (one pool has one id type) but a LabelRecord allows. */
const ODD_RECORDS: LabelRecord[] = [
  record({ answerId: 'c1', queryId: 1, candidateIds: ['1', 2, ''], relevantIds: [''] }),
  record({ answerId: 'c2', queryId: '', candidateIds: [], relevantIds: [] }),
  record({ answerId: 'c3', queryId: 5, candidateIds: [], relevantIds: [], ignored: true })
];

const TEXTS = new Map<ItemId, string>([
  [10, 'the query, with "quotes"'],
  [11, 'line one\nline two'],
  [13, '<b>bold</b> & ünïcödé 𝄞'],
  ['q,1', 'query text, "quoted"'],
  ['c "1"', 'a,b,c'],
  ['ü€𝄞', '\r\nleading newline']
]);
const content: ItemContent = id => (TEXTS.has(id) ? { text: TEXTS.get(id) } : undefined);
const noContent: ItemContent = () => undefined;

function roundTrip(records: LabelRecord[], format: LabelFormat, itemContent = content): LabelRecord[] {
  const file = exportLabels(records, format, itemContent, META);
  return importLabels(file.bytes, format, META);
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function text(file: { bytes: Uint8Array }): string {
  return new TextDecoder().decode(file.bytes);
}

function importError(format: LabelFormat, input: string | Uint8Array, options = {}) {
  const err = sidecarErrorOf(() => importLabels(typeof input === 'string' ? bytes(input) : input, format, options));
  expect(err.code).toBe(ErrorCodes.BadData);
  return err;
}

describe.each(FORMATS)('%s round trip', format => {
  it('keeps integer ids, skipped answers, zero relevant and odd annotator names', () => {
    expect(roundTrip(INT_RECORDS, format)).toEqual(INT_RECORDS);
  });

  it('keeps string ids with commas, quotes, newlines and unicode', () => {
    expect(roundTrip(STRING_RECORDS, format)).toEqual(STRING_RECORDS);
  });

  it('keeps answers of items without content', () => {
    expect(roundTrip(INT_RECORDS, format, noContent)).toEqual(INT_RECORDS);
  });

  it('writes and reads an empty label set', () => {
    expect(roundTrip([], format)).toEqual([]);
  });

  it('reads an empty file as no answers', () => {
    expect(importLabels(new Uint8Array(0), format)).toEqual([]);
    expect(importLabels(bytes('\n  \n'), format)).toEqual([]);
  });

  it('rejects a file that is not UTF-8, naming the byte', () => {
    const err = importError(format, new Uint8Array([0x5b, 0x0a, 0xc3, 0x28]));
    expect(err.message).toBe('label file is not valid UTF-8 text (at byte 2)');
  });

  it('rejects a file over 64 MiB before reading it', () => {
    const err = importError(format, new Uint8Array(MAX_LABEL_FILE_BYTES + 1));
    expect(err.message).toMatch(/exceeds the limit of 67108864 bytes/);
  });
});

describe.each(['jsonl', 'csv', 'label-studio'] as LabelFormat[])('%s with mixed and empty ids', format => {
  it('round-trips them exactly', () => {
    expect(roundTrip(ODD_RECORDS, format)).toEqual(ODD_RECORDS);
  });
});

describe('export', () => {
  it('names files after the dataset and gives media types', () => {
    const names = FORMATS.map(f => exportLabels(INT_RECORDS, f, content, META)).map(f => [f.fileName, f.mediaType]);
    expect(names).toEqual([
      ['my_dataset_v1.labels.jsonl', 'application/x-ndjson'],
      ['my_dataset_v1.labels.csv', 'text/csv'],
      ['my_dataset_v1.label-studio.json', 'application/json'],
      ['my_dataset_v1.hf.jsonl', 'application/x-ndjson']
    ]);
    expect(exportLabels([], 'jsonl', content, { datasetName: '../..' }).fileName).toBe('tunelab.labels.jsonl');
  });

  it('refuses equal positive and negative labels', () => {
    const err = sidecarErrorOf(() =>
      exportLabels(INT_RECORDS, 'csv', content, { datasetName: 'd', positiveLabel: 1, negativeLabel: 1 })
    );
    expect(err.code).toBe(ErrorCodes.InvalidParams);
  });

  it('jsonl holds exactly the LabelRecord fields', () => {
    const lines = text(exportLabels(INT_RECORDS, 'jsonl', content, META))
      .trimEnd()
      .split('\n');
    expect(lines.map(l => JSON.parse(l))).toEqual(INT_RECORDS);
    expect(Object.keys(JSON.parse(lines[0]))).toEqual([
      'answerId',
      'queryId',
      'candidateIds',
      'relevantIds',
      'ignored',
      'annotator',
      'time',
      'modelVersion'
    ]);
  });
});

describe('csv', () => {
  const csv = (records: LabelRecord[], meta = META) => text(exportLabels(records, 'csv', content, meta));
  const header =
    'answer_id,query_id,candidate_id,label,ignored,annotator,time,model_version,query_text,candidate_text,id_type';

  it('writes one row per candidate, labels from the session, texts quoted', () => {
    const out = csv([INT_RECORDS[0], INT_RECORDS[2]], { ...META, positiveLabel: 1, negativeLabel: -1 });
    expect(out).toBe(
      [
        header,
        'a1,10,11,1,false,alice,2024-05-01T12:00:00.000Z,3,"the query, with ""quotes""","line one\nline two",int',
        'a1,10,12,-1,false,alice,2024-05-01T12:00:00.000Z,3,"the query, with ""quotes""",,int',
        'a1,10,13,1,false,alice,2024-05-01T12:00:00.000Z,3,"the query, with ""quotes""",<b>bold</b> & ünïcödé 𝄞,int',
        'a3,12,10,,true,bob,2024-05-01T12:00:00.000Z,0,,"the query, with ""quotes""",int',
        'a3,12,11,,true,bob,2024-05-01T12:00:00.000Z,0,,"line one\nline two",int',
        ''
      ].join('\n')
    );
  });

  it('writes an answer without candidates as one row, and odd ids as JSON', () => {
    const lines = csv(ODD_RECORDS).split('\n');
    expect(lines[1]).toBe('c1,1,"""1""",0,false,alice,2024-05-01T12:00:00.000Z,0,,,json');
    expect(lines[3]).toBe('c1,1,"""""",1,false,alice,2024-05-01T12:00:00.000Z,0,,,json');
    expect(lines[4]).toBe('c2,"""""",,,false,alice,2024-05-01T12:00:00.000Z,0,,,json');
    expect(lines[5]).toBe('c3,5,,,true,alice,2024-05-01T12:00:00.000Z,0,,,int');
  });

  it('reads labels with the values the file was written with', () => {
    const meta = { ...META, positiveLabel: 1, negativeLabel: -1 };
    const file = exportLabels(INT_RECORDS, 'csv', content, meta);
    expect(importLabels(file.bytes, 'csv', meta)).toEqual(INT_RECORDS);
    const err = importError('csv', file.bytes);
    expect(err.message).toBe(
      'line 4: \'label\' must be 1 (relevant) or 0 (not relevant), got "-1"' +
        ' (import with the positiveLabel/negativeLabel the file was exported with)'
    );
    expect(err.data).toEqual({ kind: 'bad_data', row: 1 });
  });

  it('reads what pandas writes back: True/False, 1.0, reordered columns, an index column, sorted rows', () => {
    const input = [
      ',id_type,label,candidate_id,query_id,answer_id,ignored,annotator,time,model_version',
      '0,int,0.0,3,1,x,False,ann,2024-05-01T12:00:00Z,2',
      '1,int,,5,4,y,True,ann,2024-05-01T12:00:00Z,2',
      '2,int,1.0,2,1,x,False,ann,2024-05-01T12:00:00Z,2'
    ].join('\r\n');
    expect(importLabels(bytes('\ufeff' + input), 'csv')).toEqual([
      record({
        answerId: 'x',
        queryId: 1,
        candidateIds: [3, 2],
        relevantIds: [2],
        annotator: 'ann',
        time: '2024-05-01T12:00:00Z',
        modelVersion: 2
      }),
      record({
        answerId: 'y',
        queryId: 4,
        candidateIds: [5],
        relevantIds: [],
        ignored: true,
        annotator: 'ann',
        time: '2024-05-01T12:00:00Z',
        modelVersion: 2
      })
    ]);
  });

  it('keeps \\n records apart when texts are full of \\r\\n', () => {
    const crlf = new Map<ItemId, string>([
      [1, 'a\r\nb\r\nc\r\nd'],
      [2, 'x\r\ny']
    ]);
    const records = [
      record({ answerId: 'a', queryId: 1, candidateIds: [2, 3], relevantIds: [3], annotator: 'p\r\nq' }),
      record({ answerId: 'b', queryId: 2, candidateIds: [1], relevantIds: [] })
    ];
    expect(roundTrip(records, 'csv', id => (crlf.has(id) ? { text: crlf.get(id) } : undefined))).toEqual(records);
  });

  it('gives relevant ids in candidate order', () => {
    const shuffled = record({ answerId: 's', candidateIds: [2, 3, 4], relevantIds: [4, 2] });
    expect(roundTrip([shuffled], 'csv')[0].relevantIds).toEqual([2, 4]);
  });

  const row = (cells: Partial<Record<string, string>>) => {
    const base: Record<string, string> = {
      answer_id: 'a',
      query_id: '1',
      candidate_id: '2',
      label: '1',
      ignored: 'false',
      annotator: 'ann',
      time: '2024-05-01T12:00:00Z',
      model_version: '0',
      id_type: 'int',
      ...cells
    };
    return Object.values(base).join(',');
  };
  const file = (...rows: string[]) =>
    ['answer_id,query_id,candidate_id,label,ignored,annotator,time,model_version,id_type', ...rows].join('\n');

  it.each([
    [
      'a header without needed columns',
      'answer_id,query_id\na,1',
      /^line 1: not a Tunelab label CSV: the header lacks 'candidate_id', 'label'/
    ],
    [
      'an unclosed quote',
      file(row({ annotator: '"ann' })),
      /^line 2: not a valid CSV record: Quoted field unterminated$/
    ],
    ['a short row', file('a,1,2'), /^line 2: not a valid CSV record: 3 fields, the header has 9$/],
    ['a bad id_type', file(row({ id_type: 'float' })), /^line 2: 'id_type' must be int, str or json, got "float"$/],
    [
      'a non-integer int id',
      file(row({ candidate_id: '2.5' })),
      /^line 2: 'candidate_id' must be an integer \(id_type int\), got "2.5"$/
    ],
    [
      'a bad json id',
      file(row({ id_type: 'json', query_id: 'abc' })),
      /^line 2: 'query_id' must be a JSON integer or string/
    ],
    ['an empty query id', file(row({ query_id: '' })), /^line 2: 'query_id' is empty$/],
    ['a bad boolean', file(row({ ignored: 'yes' })), /^line 2: 'ignored' must be true or false, got "yes"$/],
    ['a bad time', file(row({ time: 'yesterday' })), /^line 2: 'time' must be an ISO-8601 date-time, got "yesterday"$/],
    [
      'a negative model version',
      file(row({ model_version: '-1' })),
      /^line 2: 'model_version' must be a non-negative integer/
    ],
    [
      'a label on a skipped answer',
      file(row({ ignored: 'true' })),
      /^line 2: 'label' must be empty for a skipped answer, got "1"$/
    ],
    ['a missing label', file(row({ label: '' })), /^line 2: 'label' must be 1 \(relevant\) or 0/],
    [
      'an empty answer id',
      file(row({ answer_id: '' })),
      /^line 2: 'answer_id' must be 1 to 128 characters long, got 0$/
    ],
    [
      'rows of one answer that disagree',
      file(row({}), row({ candidate_id: '3', annotator: 'other' })),
      /^line 3: 'annotator' differs from line 2 of answer "a"$/
    ],
    ['a repeated candidate', file(row({}), row({ label: '0' })), /^line 3: candidate 2 appears twice in answer "a"$/],
    [
      'a candidate-less row beside candidates',
      file(row({}), row({ candidate_id: '', label: '' })),
      /^line 3: 'candidate_id' is empty, but answer "a" has other rows$/
    ]
  ])('rejects %s', (_name, input, message) => {
    expect(importError('csv', input).message).toMatch(message);
  });

  it('names the line where a record starts, after multi-line fields', () => {
    const input = file(row({ annotator: '"multi\nline\nname"' }), row({ candidate_id: 'x' }));
    const err = importError('csv', input);
    expect(err.message).toMatch(/^line 5: 'candidate_id' must be an integer/);
    expect(err.data).toEqual({ kind: 'bad_data', row: 1 });
  });
});

describe('jsonl import', () => {
  const line = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({ ...record({ answerId: 'a' }), ...overrides });

  it.each([
    ['broken JSON', `${line()}\n{"answerId": `, /^line 2: not valid JSON \(/],
    ['a non-object line', '[1, 2]', /^line 1: expected a JSON object \(one answer per line\)$/],
    ['a missing field', line({ annotator: undefined }), /^line 1: 'annotator' is missing$/],
    ['a wrong type', line({ ignored: 'no' }), /^line 1: 'ignored' must be true or false, got "no"$/],
    [
      'a float id',
      line({ queryId: 1.5 }),
      /^line 1: 'queryId' must be an item id \(an integer or a string\), got 1.5$/
    ],
    ['a bad list', line({ relevantIds: 2 }), /^line 1: 'relevantIds' must be a list of candidate ids, got 2$/],
    [
      'a bad list element',
      line({ candidateIds: [2, null] }),
      /^line 1: 'candidateIds' must be a list of item ids: element 1 is null$/
    ],
    [
      'relevant ids that are not candidates',
      line({ relevantIds: [9] }),
      /^line 1: 'relevantIds' must be a list of candidate ids: 9 is not in 'candidateIds'$/
    ],
    [
      'relevant ids of a skipped answer',
      line({ ignored: true }),
      /^line 1: a skipped answer \(ignored\) must have no relevant ids/
    ],
    ['a repeated candidate', line({ candidateIds: [2, 2] }), /^line 1: 'candidateIds' lists 2 more than once$/],
    [
      'an id typed differently',
      line({ relevantIds: ['2'] }),
      /^line 1: 'relevantIds' must be a list of candidate ids: "2" is not in/
    ],
    ['a bad time', line({ time: '2024-13-01T00:00:00Z' }), /^line 1: 'time' must be an ISO-8601 date-time/],
    [
      'a float model version',
      line({ modelVersion: 1.5 }),
      /^line 1: 'modelVersion' must be a non-negative integer, got 1.5$/
    ],
    [
      'an hf-jsonl row',
      JSON.stringify({ answer_id: 'a' }),
      /^line 1: unknown field 'answer_id' \(snake_case columns: is this an hf-jsonl file\?\)$/
    ],
    ['a repeated answer id', `${line()}\n\n${line()}`, /^line 3: answer id "a" already appears at line 1$/]
  ])('rejects %s', (_name, input, message) => {
    expect(importError('jsonl', input).message).toMatch(message);
  });

  it('reports the 0-based line as data.row, skips blank lines and reads CRLF', () => {
    expect(importLabels(bytes(`\ufeff${line()}\r\n\r\n`), 'jsonl')).toEqual([record({ answerId: 'a' })]);
    expect(importError('jsonl', `\n\n${line({ ignored: 1 })}`).data).toEqual({ kind: 'bad_data', row: 2 });
  });
});

describe('hf-jsonl', () => {
  const rows = (records: LabelRecord[], itemContent = content, meta = META) =>
    text(exportLabels(records, 'hf-jsonl', itemContent, meta))
      .trimEnd()
      .split('\n')
      .map(l => JSON.parse(l) as Record<string, unknown>);

  /** The Arrow type a JSON value infers to; a list must not hold nulls (pyarrow's JSON reader mangles them). */
  function typeOf(value: unknown): string | null {
    if (value === null) {
      return null;
    }
    if (Array.isArray(value)) {
      expect(value).not.toContain(null);
      const elements = new Set(value.map(typeOf));
      expect(elements.size).toBeLessThanOrEqual(1);
      return `list<${[...elements][0] ?? '?'}>`;
    }
    return typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value;
  }

  function expectConsistentColumns(all: Record<string, unknown>[]) {
    const columns = Object.keys(all[0]);
    for (const r of all) {
      expect(Object.keys(r)).toEqual(columns);
    }
    for (const column of columns) {
      const types = new Set(all.map(r => typeOf(r[column])).filter(t => t !== null && !t.endsWith('<?>')));
      expect({ column, types: [...types] }).toEqual({ column, types: types.size === 0 ? [] : [[...types][0]] });
    }
  }

  it('writes one row per answer with consistent column types', () => {
    for (const records of [INT_RECORDS, STRING_RECORDS]) {
      expectConsistentColumns(rows(records));
      expectConsistentColumns(rows(records, noContent));
    }
    expect(rows(INT_RECORDS)[0]).toEqual({
      answer_id: 'a1',
      query_id: 10,
      query: 'the query, with "quotes"',
      candidate_ids: [11, 12, 13],
      candidates: ['line one\nline two', '', '<b>bold</b> & ünïcödé 𝄞'],
      relevant_ids: [11, 13],
      labels: [1, 0, 1],
      ignored: false,
      annotator: 'alice',
      time: '2024-05-01T12:00:00.000Z',
      model_version: 3
    });
    expect(rows(INT_RECORDS, noContent)[2]).toMatchObject({ query: null, candidates: null, labels: null });
  });

  it('writes labels as floats throughout when a label value is not an integer', () => {
    const meta = { ...META, positiveLabel: 1, negativeLabel: -0.5 };
    const skippedFirst = [INT_RECORDS[2], INT_RECORDS[0]];
    const out = text(exportLabels(skippedFirst, 'hf-jsonl', content, meta)).split('\n');
    expect(out[0]).toContain('"labels":null,');
    expect(out[1]).toContain('"labels":[1.0,-0.5,1.0],');
    expect(importLabels(bytes(out.join('\n')), 'hf-jsonl')).toEqual(skippedFirst);
  });

  it('writes every id as a string when a file mixes id types', () => {
    const all = rows(ODD_RECORDS);
    expectConsistentColumns(all);
    expect(all[0]).toMatchObject({ query_id: '1', candidate_ids: ['1', '2', ''], relevant_ids: [''] });
    const back = roundTrip(ODD_RECORDS, 'hf-jsonl');
    expect(back[0]).toEqual({ ...ODD_RECORDS[0], queryId: '1', candidateIds: ['1', '2', ''] });
  });

  const line = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({ ...rows([record({ answerId: 'a' })])[0], ...overrides });

  it.each([
    ['broken JSON', '{"answer_id": "a",', /^line 1: not valid JSON \(/],
    ['a missing column', line({ model_version: undefined }), /^line 1: 'model_version' is missing$/],
    [
      'a jsonl row',
      JSON.stringify(record({ answerId: 'a' })),
      /^line 1: 'answer_id' is missing \(camelCase fields: is this a jsonl file\?\)$/
    ],
    [
      'labels of the wrong length',
      line({ labels: [1, 0] }),
      /^line 1: 'labels' must hold one label per candidate: 2 labels, 3 candidates$/
    ],
    [
      'labels that disagree with relevant_ids',
      line({ labels: [1, 1, 0] }),
      /^line 1: 'labels' disagree with 'relevant_ids': element 2 is 0/
    ],
    [
      'equal labels',
      line({ labels: [1, 1, 1] }),
      /^line 1: 'labels' disagree with 'relevant_ids': relevant and irrelevant candidates both have 1$/
    ],
    ['a text label', line({ labels: ['yes', 0, 0] }), /^line 1: 'labels' element 0 must be a number, got "yes"$/],
    [
      'labels on a skipped answer',
      line({ ignored: true, relevant_ids: [] }),
      /^line 1: 'labels' of a skipped answer must be null, got a list$/
    ],
    [
      'candidate texts of the wrong length',
      line({ candidates: ['x'] }),
      /^line 1: 'candidates' must be null or a list of 3 texts/
    ],
    ['a non-text query', line({ query: 5 }), /^line 1: 'query' must be a string or null, got 5$/],
    [
      'relevant ids that are not candidates',
      line({ relevant_ids: [7] }),
      /^line 1: 'relevant_ids' must be a list of candidate ids: 7 is not in 'candidate_ids'$/
    ]
  ])('rejects %s', (_name, input, message) => {
    expect(importError('hf-jsonl', input).message).toMatch(message);
  });

  it('ignores columns a user added and texts a user dropped', () => {
    const edited = line({ split: 'train', query: undefined, candidates: undefined });
    expect(importLabels(bytes(edited), 'hf-jsonl')).toEqual([record({ answerId: 'a' })]);
  });
});

describe('label-studio', () => {
  const tasks = (records: LabelRecord[], itemContent = content) =>
    JSON.parse(text(exportLabels(records, 'label-studio', itemContent, META))) as Record<string, unknown>[];

  it('writes one task per answer with a choices annotation', () => {
    expect(tasks(INT_RECORDS)[0]).toEqual({
      id: 1,
      data: {
        query: 'the query, with "quotes"',
        query_id: 10,
        candidates: [
          { value: '11', html: 'line one\nline two' },
          { value: '12' },
          { value: '13', html: '&#60;b&#62;bold&#60;/b&#62; &#38; ünïcödé 𝄞' }
        ],
        candidate_ids: [11, 12, 13],
        answer_id: 'a1',
        annotator: 'alice',
        time: '2024-05-01T12:00:00.000Z',
        model_version: 3
      },
      annotations: [
        {
          id: 1,
          created_at: '2024-05-01T12:00:00.000Z',
          updated_at: '2024-05-01T12:00:00.000Z',
          was_cancelled: false,
          ground_truth: false,
          result: [
            {
              id: 'relevant',
              from_name: 'relevant',
              to_name: 'query',
              type: 'choices',
              origin: 'manual',
              value: { choices: ['11', '13'] }
            }
          ]
        }
      ]
    });
    const skipped = tasks(INT_RECORDS, noContent)[2] as { data: { query: string }; annotations: unknown[] };
    expect(skipped.data.query).toBe('item 12');
    expect(skipped.annotations[0]).toMatchObject({ was_cancelled: true, result: [] });
  });

  /** A task as Label Studio's JSON export gives it back after annotating there. */
  const exported = {
    id: 57,
    data: {
      query: 'q',
      query_id: 'q1',
      candidates: [{ value: 'c1' }, { value: 'c2' }, { value: '3' }],
      candidate_ids: ['c1', 'c2', '3'],
      model_version: 4
    },
    annotations: [
      {
        id: 901,
        completed_by: { id: 3, email: 'ann@example.com', first_name: '', last_name: '' },
        result: [
          { id: 'Xy1', from_name: 'relevant', to_name: 'query', type: 'choices', value: { choices: ['c2', '3'] } },
          { id: 'Xy2', from_name: 'comment', to_name: 'query', type: 'textarea', value: { text: ['ok'] } }
        ],
        was_cancelled: false,
        ground_truth: false,
        created_at: '2021-03-09T22:16:08.728353Z',
        updated_at: '2021-03-09T22:16:08.728378Z',
        lead_time: 4.288,
        task: 57
      },
      { id: 902, completed_by: 10, result: [], was_cancelled: true, created_at: '2021-03-10T08:00:00Z' }
    ],
    predictions: [],
    created_at: '2021-03-09T21:52:49.513742Z',
    project: 83
  };

  it('reads tasks exported back from Label Studio', () => {
    const unannotated = { id: 58, data: { query: 'q' }, annotations: [] };
    const input = JSON.stringify([exported, unannotated, { id: 59, data: {} }]);
    expect(importLabels(bytes(input), 'label-studio')).toEqual([
      {
        answerId: 'ls-57-901',
        queryId: 'q1',
        candidateIds: ['c1', 'c2', '3'],
        relevantIds: ['c2', '3'],
        ignored: false,
        annotator: 'ann@example.com',
        time: '2021-03-09T22:16:08.728353Z',
        modelVersion: 4
      },
      {
        answerId: 'ls-57-902',
        queryId: 'q1',
        candidateIds: ['c1', 'c2', '3'],
        relevantIds: [],
        ignored: true,
        annotator: 'ls-user-10',
        time: '2021-03-10T08:00:00Z',
        modelVersion: 4
      }
    ]);
  });

  it('keeps the Tunelab answer of a task and names the annotations added in Label Studio', () => {
    const [task] = tasks([INT_RECORDS[0]]) as (typeof exported)[];
    const added = { ...exported.annotations[1], id: 77, was_cancelled: false, result: [] };
    const back = importLabels(
      bytes(JSON.stringify([{ ...task, annotations: [...task.annotations, added] }])),
      'label-studio'
    );
    expect(back).toEqual([
      INT_RECORDS[0],
      { ...INT_RECORDS[0], answerId: 'ls-1-77', relevantIds: [], annotator: 'ls-user-10', time: '2021-03-10T08:00:00Z' }
    ]);
  });

  const withAnnotation = (annotation: Record<string, unknown>, data: Record<string, unknown> = {}) =>
    JSON.stringify([
      { id: 56, data: {}, annotations: [] },
      { ...exported, data: { ...exported.data, ...data }, annotations: [{ ...exported.annotations[0], ...annotation }] }
    ]);

  it.each([
    ['an object', '{"tasks": []}', /^not a Label Studio export: expected a JSON array of tasks$/],
    ['broken JSON', '[{"id": 1,', /^not a Label Studio export: not valid JSON \(/],
    ['a non-object task', '[1]', /^task 1: expected a JSON object \(a Label Studio task\), got 1$/],
    [
      'annotations that are not a list',
      '[{"id": 4, "data": {}, "annotations": {}}]',
      /^task 1 \(id 4\): 'annotations' must be a list, got an object$/
    ],
    ['a task without data', '[{"annotations": [{}]}]', /^task 1: 'data' is missing$/],
    [
      'a choice that is not a candidate',
      withAnnotation({ result: [{ from_name: 'relevant', type: 'choices', value: { choices: ['x'] } }] }),
      /^task 2 \(id 57\), annotation 1: choice "x" is not one of its candidates$/
    ],
    [
      'nested choices',
      withAnnotation({ result: [{ from_name: 'relevant', type: 'choices', value: { choices: [['c1']] } }] }),
      /^task 2 \(id 57\), annotation 1: choice a list is not a string \(nested choices are not supported\)$/
    ],
    [
      'choices from another control',
      withAnnotation({ result: [{ from_name: 'labels', type: 'choices', value: { choices: ['c1'] } }] }),
      /^task 2 \(id 57\), annotation 1: choices from 'labels': expected from_name 'relevant'/
    ],
    [
      'a missing result',
      withAnnotation({ result: undefined }),
      /^task 2 \(id 57\), annotation 1: 'result' is missing$/
    ],
    [
      'a missing completed_by',
      withAnnotation({ completed_by: undefined }),
      /^task 2 \(id 57\), annotation 1: 'completed_by' is missing$/
    ],
    [
      'a bad created_at',
      withAnnotation({ created_at: 'now' }),
      /^task 2 \(id 57\), annotation 1: 'created_at' must be an ISO-8601 date-time, got "now"$/
    ],
    [
      'missing candidate ids',
      withAnnotation({}, { candidate_ids: undefined }),
      /^task 2 \(id 57\): 'data.candidate_ids' is missing$/
    ],
    [
      'options that are not the ids',
      withAnnotation({}, { candidate_ids: ['c1', 'c2', 'c3'] }),
      /^task 2 \(id 57\): 'data.candidates' option 2 must have value "c3", got "3"$/
    ],
    [
      'colliding choice values',
      withAnnotation({}, { candidate_ids: [1, '1', 2], candidates: undefined }),
      /^task 2 \(id 57\): candidates 1 and "1" have the same choice value "1"$/
    ],
    [
      'a repeated answer id',
      JSON.stringify([
        { ...exported, data: { ...exported.data, answer_id: 'z' } },
        { ...exported, id: 60, data: { ...exported.data, answer_id: 'z' } }
      ]),
      /^task 2 \(id 60\), annotation 1: answer id "z" already appears at task 1 \(id 57\), annotation 1$/
    ],
    [
      'an unnamed task',
      JSON.stringify([{ data: exported.data, annotations: exported.annotations }]),
      /^task 1, annotation 1: the task needs an 'id' \(or 'data.answer_id'\) to name this answer$/
    ]
  ])('rejects %s', (_name, input, message) => {
    expect(importError('label-studio', input).message).toMatch(message);
  });

  it('reports the task position as data.row', () => {
    const input = withAnnotation({ result: [{ from_name: 'relevant', type: 'choices', value: { choices: ['x'] } }] });
    expect(importError('label-studio', input).data).toEqual({ kind: 'bad_data', row: 1 });
  });
});
