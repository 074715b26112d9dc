// A stand-in for the Acme Inference API, for this example's README and its test.
// Run: node examples/inhouse-provider/mock-acme.mjs --port 4020
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

function answer(body) {
  const last = body.turns.at(-1)?.say ?? '';
  const words = `acme heard: ${last}`.split(' ');
  const limit = body.max_words ?? Infinity;
  return {
    words: words.slice(0, limit),
    stopped: words.length > limit ? 'limit' : 'done',
    read: body.turns.length * 4,
  };
}

/** Starts the mock on 127.0.0.1; `requests` records every body it received. */
export function startAcme(port = 0) {
  const requests = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      if (req.url !== '/v2/infer' || req.headers['x-acme-token'] !== 'acme-dev-token') {
        return void res
          .writeHead(req.url === '/v2/infer' ? 401 : 404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'no such engine or token' }));
      }
      const body = JSON.parse(raw);
      requests.push(body);
      const { words, stopped, read } = answer(body);
      const meter = { read, wrote: words.length };
      if (!body.stream) {
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ result: { say: words.join(' '), stopped }, meter }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      words.forEach((word, i) => res.write(`event: say\ndata: ${JSON.stringify({ say: i ? ` ${word}` : word })}\n\n`));
      if (body.turns.at(-1)?.say === 'break') return void res.write('\n', () => res.destroy());
      res.end(`event: end\ndata: ${JSON.stringify({ stopped, meter })}\n\n`);
    });
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () =>
      resolve({ server, requests, url: `http://127.0.0.1:${server.address().port}` }),
    ),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4020' } } });
  const { url } = await startAcme(Number(values.port));
  console.log(`mock Acme Inference API on ${url}`);
}
