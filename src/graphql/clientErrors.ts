/**
 * Answers for requests Node's HTTP parser gives up on before any handler runs:
 * the slow-loris guard (the request did not arrive within the request budget),
 * headers past Node's size limit, bytes that are not HTTP. Node's default reply
 * is a bare status line with no body; a client of a GraphQL API then fails on
 * an empty body instead of reading a coded error like every other refusal
 * (docs/reliability.md). The connection is closed after the answer, as Node does.
 */
import type { Socket } from 'node:net';
import { errorBody } from './errors';

interface ClientError extends Error { code?: string }

interface Refusal { status: number; reason: string; code: string; message: string }

/** What a parser error means to the client; null: nothing to answer (the peer is gone). */
export function refusalFor(err: ClientError, requestTimeoutMs: number): Refusal | null {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return null;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, reason: 'Request Timeout', code: 'REQUEST_TIMEOUT',
        message: `The request did not arrive within ${requestTimeoutMs} ms` };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, reason: 'Request Header Fields Too Large', code: 'BAD_USER_INPUT',
        message: 'The request headers are larger than the server accepts' };
    default:
      return { status: 400, reason: 'Bad Request', code: 'BAD_USER_INPUT', message: 'The request is not valid HTTP' };
  }
}

/** A 'clientError' listener: answers with a JSON error body and closes, unless a response is already under way. */
export function answerClientError(requestTimeoutMs: number) {
  return (err: ClientError, socket: Socket): void => {
    const refusal = refusalFor(err, requestTimeoutMs);
    // A response already started on this connection cannot be replaced: only close it (Node's own rule).
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!refusal || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const body = errorBody(refusal.code, refusal.message);
    socket.end(`HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nContent-Type: application/json; charset=utf-8\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`);
  };
}
