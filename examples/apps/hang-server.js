// An HTTP server that stops answering after HEALTHY_SECONDS (default 10): requests then hang
// forever, like a deadlocked application. A liveness probe's timeout finds it.
import http from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const healthySeconds = Number(process.env.HEALTHY_SECONDS ?? 10);
const started = Date.now();

http
  .createServer((req, res) => {
    if ((Date.now() - started) / 1000 >= healthySeconds) return; // never answers
    res.writeHead(200);
    res.end('ok');
  })
  .listen(port, () => console.log(`listening on ${port}`));
