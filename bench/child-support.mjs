// Small helpers for the bench's own child processes (mock upstream, minimal proxy).

import { parseArgs } from 'node:util';

/** `--port N` from argv (0 when absent). */
export function portArg() {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
  return Number(values.port);
}

/**
 * Exits when the bench goes away: the parent holds our stdin open, so its end (even after a
 * SIGKILL of the parent) means nobody will ever clean us up. Also exits on SIGTERM/SIGINT.
 */
export function exitWithParent(server) {
  const stop = () => {
    server.closeAllConnections?.();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.stdin.on('end', stop).on('error', stop).resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
