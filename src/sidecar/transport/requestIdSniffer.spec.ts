import { sniffRequestId } from './requestIdSniffer';

describe('sniffRequestId', () => {
  it('finds numeric and string ids at the top level', () => {
    expect(sniffRequestId('{"jsonrpc":"2.0","id":42,"method":"x","params":{"a":"')).toBe(42);
    expect(sniffRequestId('{ "id" : "req-\\"1" , "params": [')).toBe('req-"1');
  });

  it('ignores an id nested in params', () => {
    expect(sniffRequestId('{"method":"x","params":{"id":5,"text":"aaaa')).toBeNull();
    expect(sniffRequestId('{"method":"x","params":{"id":5},"id":6,"z":1')).toBe(6);
  });

  it('gives up on an id cut off by the end of the head', () => {
    expect(sniffRequestId('{"id":12')).toBeNull();
    expect(sniffRequestId('{"id":"abc')).toBeNull();
    expect(sniffRequestId('not json at all')).toBeNull();
  });
});
