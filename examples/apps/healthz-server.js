// An HTTP server like the seed's k8s.gcr.io/liveness /server: /healthz answers 200 for the first
// HEALTHY_SECONDS (default 10), then 500. PORT defaults to 8080. Other paths answer "hello", and with
// REQUEST_LOG set each is also appended to that file as "http <path>" (lifecycle hooks' requests, in
// order with what other processes append there).
import fs from 'node:fs';
import http from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const healthySeconds = Number(process.env.HEALTHY_SECONDS ?? 10);
const started = Date.now();

http
  .createServer((req, res) => {
    if (req.url === '/healthz') {
      const age = (Date.now() - started) / 1000;
      const ok = age < healthySeconds;
      res.writeHead(ok ? 200 : 500);
      res.end(ok ? 'ok' : `error: ${age.toFixed(1)}s old`);
      console.log(`healthz ${ok ? 200 : 500} custom-header=${req.headers['x-custom-header'] ?? ''}`);
      return;
    }
    if (process.env.REQUEST_LOG) fs.appendFileSync(process.env.REQUEST_LOG, `http ${req.url}\n`);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`hello from ${process.env.HOSTNAME ?? 'unknown'}\n`);
  })
  .listen(port, () => console.log(`listening on ${port}`));
