// A stand-in for a database migration: writes a marker file once, then exits 0.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('data', { recursive: true });
if (existsSync('data/schema-version')) {
  console.log('migrate: schema already at version 1, nothing to do');
} else {
  writeFileSync('data/schema-version', '1\n');
  console.log('migrate: applied version 1');
}
