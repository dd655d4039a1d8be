// A background worker: polls the API every few seconds, finishes its current job on SIGTERM.
const apiUrl = process.env.API_URL;
let stopping = false;
console.log(`worker ready (api at ${apiUrl})`);

async function tick() {
  if (stopping) return;
  try {
    const response = await fetch(`${apiUrl}/hello`);
    console.log(`worker: api says ${(await response.json()).hello}`);
  } catch (error) {
    console.error(`worker: api unreachable: ${error.message}`);
  }
  setTimeout(tick, 3000);
}
tick();
process.on('SIGTERM', () => {
  stopping = true;
  console.log('worker: finishing and exiting');
  setTimeout(() => process.exit(0), 100);
});
