#!/usr/bin/env node
// The least an OTLP/HTTP collector does: takes each export (POST /v1/traces), reads its body and
// answers 200 with an empty protobuf message. For bench/compare.mjs --tracing: the service's cost
// of tracing, without a real collector's CPU on the same cores. Counts what it got on stdout at exit.
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk) => (bytes += chunk.length));
  request.on('end', () => {
    exports++;
    response.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end();
  });
});
server.listen(Number(process.env.PORT ?? 4318), '127.0.0.1');
const report = () => {
  process.stdout.write(`${JSON.stringify({ exports, bytes })}\n`);
  process.exit(0);
};
process.on('SIGTERM', report);
process.on('SIGINT', report);
