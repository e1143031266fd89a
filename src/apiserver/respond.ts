// Writing JSON replies and Status errors.
import type { ServerResponse } from 'node:http';
import { ApiError } from '../api/status.js';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  sendJsonText(res, code, JSON.stringify(body), contentType);
}

/** A body already serialized as JSON. */
export function sendJsonText(res: ServerResponse, code: number, text: string, contentType = 'application/json'): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendStatus(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.code, err.toStatus());
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
