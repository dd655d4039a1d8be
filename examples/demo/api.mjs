// A tiny HTTP API: GET /health for probes, GET /hello for people.
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
let served = 0;
const server = createServer((request, response) => {
  if (request.url === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
    return;
  }
  served += 1;
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ hello: 'from the demo api', served, instance: process.env.BERTH_INSTANCE }));
});
server.listen(port, '127.0.0.1', () => {
  console.log(`api: listening on 127.0.0.1:${port}`);
});
process.on('SIGTERM', () => {
  console.log('api: shutting down');
  server.close(() => process.exit(0));
});
