// A gRPC server implementing grpc.health.v1.Health/Check over plaintext HTTP/2: SERVING for the
// first HEALTHY_SECONDS (default 10), then NOT_SERVING. PORT defaults to 9090.
import http2 from 'node:http2';

const port = Number(process.env.PORT ?? 9090);
const healthySeconds = Number(process.env.HEALTHY_SECONDS ?? 10);
const started = Date.now();

const server = http2.createServer();
server.on('stream', (stream, headers) => {
  if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '12', 'grpc-message': 'unimplemented' }));
    stream.end();
    return;
  }
  stream.on('data', () => {});
  stream.on('end', () => {
    const serving = (Date.now() - started) / 1000 < healthySeconds;
    // HealthCheckResponse { status = 1 (SERVING) | 2 (NOT_SERVING) } in a length-prefixed message.
    const body = Buffer.from([0, 0, 0, 0, 2, 0x08, serving ? 1 : 2]);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(body);
    console.log(`health check: ${serving ? 'SERVING' : 'NOT_SERVING'}`);
  });
});
server.listen(port, () => console.log(`grpc health on ${port}`));
