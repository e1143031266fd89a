// A gRPC server implementing grpc.health.v1.Health/Check over plaintext HTTP/2. The server as a whole
// (service "") is SERVING for the first HEALTHY_SECONDS (default 10), then NOT_SERVING. SERVICES names
// more services with a fixed status, e.g. "live=SERVING,sick=NOT_SERVING"; any other service name is
// answered NotFound "unknown service", as grpc-go's health server does. PORT defaults to 9090.
import http2 from 'node:http2';

const port = Number(process.env.PORT ?? 9090);
const healthySeconds = Number(process.env.HEALTHY_SECONDS ?? 10);
const started = Date.now();
const statusCodes = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };
const services = new Map((process.env.SERVICES ?? '').split(',').filter(Boolean).map((kv) => {
  const [name, status] = kv.split('=');
  return [name, statusCodes[status] ?? 0];
}));

/** HealthCheckRequest { string service = 1; } from a length-prefixed gRPC message. */
function serviceName(message) {
  const body = message.subarray(5);
  if (body.length < 2 || body[0] !== 0x0a) return '';
  return body.subarray(2, 2 + body[1]).toString('utf8');
}

function reply(stream, grpcStatus, grpcMessage, body) {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(grpcStatus), ...(grpcMessage ? { 'grpc-message': grpcMessage } : {}) }));
  stream.end(body);
}

const server = http2.createServer();
server.on('stream', (stream, headers) => {
  if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
    reply(stream, 12, 'unimplemented');
    return;
  }
  const chunks = [];
  stream.on('data', (d) => chunks.push(d));
  stream.on('end', () => {
    const service = serviceName(Buffer.concat(chunks));
    let status;
    if (service === '') status = (Date.now() - started) / 1000 < healthySeconds ? 1 : 2;
    else if (services.has(service)) status = services.get(service);
    else {
      reply(stream, 5, 'unknown service');
      console.log(`health check "${service}": NotFound`);
      return;
    }
    // HealthCheckResponse { ServingStatus status = 1; } in a length-prefixed message.
    reply(stream, 0, '', Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
    console.log(`health check "${service}": ${Object.keys(statusCodes)[status]}`);
  });
});
server.listen(port, () => console.log(`grpc health on ${port}`));
