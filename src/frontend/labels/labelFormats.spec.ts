import { formatsForFile, isLabelFormat, LABEL_FORMATS, labelFormatInfo } from './labelFormats';

describe('label formats', () => {
  it('lists the four formats of the protocol', () => {
    expect(LABEL_FORMATS.map(info => info.format)).toEqual(['jsonl', 'csv', 'label-studio', 'hf-jsonl']);
    expect(labelFormatInfo('hf-jsonl').title).toBe('Hugging Face JSON Lines');
    expect(isLabelFormat('csv')).toBe(true);
    expect(isLabelFormat('xlsx')).toBe(false);
    expect(isLabelFormat(undefined)).toBe(false);
  });

  it('takes the format from the extension where it tells', () => {
    expect(formatsForFile('quickstart.labels.csv')).toEqual(['csv']);
    expect(formatsForFile('Export.CSV')).toEqual(['csv']);
    expect(formatsForFile('quickstart.label-studio.json')).toEqual(['label-studio']);
  });

  it('offers both JSON Lines formats for .jsonl, the likelier first', () => {
    expect(formatsForFile('quickstart.labels.jsonl')).toEqual(['jsonl', 'hf-jsonl']);
    expect(formatsForFile('quickstart.hf.jsonl')).toEqual(['hf-jsonl', 'jsonl']);
    expect(formatsForFile('answers.ndjson')).toEqual(['jsonl', 'hf-jsonl']);
  });

  it('offers every format when the extension says nothing', () => {
    expect(formatsForFile('labels.txt')).toEqual(['jsonl', 'csv', 'label-studio', 'hf-jsonl']);
    expect(formatsForFile('labels')).toHaveLength(4);
  });
});
