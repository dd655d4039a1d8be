// A scheduled job (see `jobs:` in berth.yml): asks the API how many requests it served, prints it, exits 0.
const response = await fetch(`${process.env.API_URL}/hello`);
if (!response.ok) {
  console.error(`report: the api answered ${response.status}`);
  process.exit(1);
}
const body = await response.json();
console.log(`report: the api has served ${body.served} request(s)`);
