/**
 * A Server-Sent Events parser (the WHATWG event-stream format): feed it text as it arrives, get back
 * the complete messages. Pure, so the framing rules (CRLF, multi-line data, comments, a message split
 * across chunks) are unit-tested without a server.
 */

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let cut: number;
    while ((cut = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, cut);
      const newline = this.buffer.startsWith('\r\n', cut) ? 2 : 1;
      // A lone "\r" at the end of a chunk may be the first half of "\r\n": wait for the next chunk.
      if (newline === 1 && this.buffer[cut] === '\r' && cut === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(cut + newline);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return null;
      }
      const message: SseMessage = { event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) };
      this.data = [];
      this.event = '';
      return message;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon >= 0 ? line.slice(0, colon) : line;
    let value = colon >= 0 ? line.slice(colon + 1) : '';
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
    return null;
  }
}
