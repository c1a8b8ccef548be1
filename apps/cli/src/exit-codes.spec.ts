import { choiceOf } from './interrupt';
import { errorMessage } from './api-client';
import { EXIT, exitForStatus } from './exit-codes';

describe(exitForStatus.name, () => {
  it.each([
    ['completed', EXIT.ok],
    ['running', EXIT.ok],
    ['queued', EXIT.ok],
    ['paused', EXIT.paused],
    ['interrupted', EXIT.paused],
    ['failed', EXIT.failed],
    ['cancelled', EXIT.failed],
  ])('should exit %p with %p', (status, code) => {
    expect(exitForStatus(status)).toBe(code);
  });

  it('should keep the codes the issue names', () => {
    expect(EXIT).toEqual({ ok: 0, usage: 2, refused: 3, failed: 4, paused: 5 });
  });
});

describe(errorMessage.name, () => {
  it("should print the API's error shape as status, error and message", () => {
    const body = JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'send the API key as "Authorization: Bearer <key>"' });
    expect(errorMessage(401, 'Unauthorized', body)).toBe('401 Unauthorized: send the API key as "Authorization: Bearer <key>"');
  });

  it('should join a list of validation messages and add the details', () => {
    expect(errorMessage(400, 'Bad Request', JSON.stringify({ statusCode: 400, error: 'Bad Request', message: ['a must be x', 'b must be y'] }))).toBe(
      '400 Bad Request: a must be x; b must be y',
    );
    expect(errorMessage(409, 'Conflict', JSON.stringify({ statusCode: 409, error: 'Conflict', message: 'is paused', details: { status: 'paused' } }))).toBe(
      '409 Conflict: is paused (status: paused)',
    );
  });

  it('should fall back to the status and a short cut of a body that is not the error shape', () => {
    expect(errorMessage(502, 'Bad Gateway', '<html>\n<body>proxy down</body></html>')).toBe('502 Bad Gateway: <html> <body>proxy down</body></html>');
    expect(errorMessage(500, '', '')).toBe('500');
  });
});

describe(choiceOf.name, () => {
  it.each([
    ['p', 'pause'],
    ['C', 'cancel'],
    ['d', 'detach'],
    ['q', 'detach'],
    ['x', null],
    ['', null],
  ])('should read %p as %p', (key, choice) => {
    expect(choiceOf(key)).toBe(choice);
  });
});
