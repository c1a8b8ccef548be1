import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { benchAnswer, roundOf } from './answers';

/**
 * Child-process entry: a loopback provider speaking the OpenAI chat-completions wire, like a remote
 * provider would, in its own process so its work is not billed to the service under test.
 *
 * The model name says how to answer: `bench-p<participant>-d<delayMs>-s<answerBytes>`. The answer waits
 * `delayMs`, is about `answerBytes` long, changes every round (read from the prompt) and reports known
 * usage: input = ceil(prompt characters / 4), output = ceil(answer characters / 4).
 *
 * Sends `{ port }` to the parent over IPC once listening; exits when the parent disconnects.
 */
const MODEL = /^bench-p(\d+)-d(\d+)-s(\d+)$/;

/** Answers are deterministic, so each is built once: the provider's own work must not look like overhead. */
const answers = new Map<string, string>();
function answer(participant: number, round: number, bytes: number): string {
  const key = `${participant}/${round}/${bytes}`;
  let text = answers.get(key);
  if (text === undefined) {
    text = benchAnswer(participant, round, bytes);
    answers.set(key, text);
  }
  return text;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://bench').pathname;
  const raw = await readBody(req);
  if (req.method === 'GET' && path.endsWith('/models')) return send(res, 200, { object: 'list', data: [] });
  if (req.method !== 'POST' || !path.endsWith('/chat/completions')) return send(res, 404, { error: { message: `no route ${path}` } });
  const body = JSON.parse(raw) as { model: string; messages: Array<{ role: string; content: string }> };
  const match = MODEL.exec(body.model);
  if (!match) return send(res, 400, { error: { message: `model ${body.model} is not bench-p<i>-d<ms>-s<bytes>` } });
  const [participant, delayMs, bytes] = match.slice(1).map(Number);
  const prompt = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const text = answer(participant, roundOf(prompt), bytes);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const input = Math.ceil(prompt.length / 4);
  const output = Math.ceil(text.length / 4);
  send(res, 200, {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
  });
}

const server = createServer((req, res) => {
  handle(req, res).catch((e: unknown) => {
    if (!res.headersSent) send(res, 500, { error: { message: String(e) } });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => {
  server.close();
  server.closeAllConnections();
});
