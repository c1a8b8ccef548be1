import { SseParser } from './sse';

describe(SseParser.name, () => {
  it('should give each message once its blank line arrives, across chunk boundaries', () => {
    const sut = new SseParser();
    expect(sut.push('id: 1\nevent: round_started\nda')).toEqual([]);
    expect(sut.push('ta: {"a":1}\n')).toEqual([]);
    expect(sut.push('\nid: 2\ndata: {"b":2}\n\n')).toEqual([
      { id: '1', event: 'round_started', data: '{"a":1}' },
      { id: '2', event: 'message', data: '{"b":2}' },
    ]);
  });

  it('should join multi-line data, skip comments and read CRLF and CR line ends', () => {
    const sut = new SseParser();
    expect(sut.push(': keep-alive\r\ndata: one\r\ndata:two\r\n\r\ndata: x\r\r: next')).toEqual([
      { event: 'message', data: 'one\ntwo' },
      { event: 'message', data: 'x' },
    ]);
  });

  it('should wait when a chunk ends between the CR and LF of one line end', () => {
    const sut = new SseParser();
    expect(sut.push('data: a\r')).toEqual([]);
    expect(sut.push('\n\r\n')).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('should give nothing for a blank line without data', () => {
    const sut = new SseParser();
    expect(sut.push('event: x\n\n\n')).toEqual([]);
  });
});
