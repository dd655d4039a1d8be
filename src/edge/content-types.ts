// Content types for the files a static site ships. A short table instead of a dependency: these few dozen cover what
// web builds produce; anything else goes out as application/octet-stream (with nosniff, so browsers do not guess).
import { extname } from 'node:path';

const TEXT = '; charset=utf-8';
const TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', `text/html${TEXT}`],
  ['.htm', `text/html${TEXT}`],
  ['.css', `text/css${TEXT}`],
  ['.js', `text/javascript${TEXT}`],
  ['.mjs', `text/javascript${TEXT}`],
  ['.cjs', `text/javascript${TEXT}`],
  ['.json', 'application/json'],
  ['.map', 'application/json'],
  ['.webmanifest', 'application/manifest+json'],
  ['.xml', `application/xml`],
  ['.txt', `text/plain${TEXT}`],
  ['.md', `text/markdown${TEXT}`],
  ['.csv', `text/csv${TEXT}`],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.gif', 'image/gif'],
  ['.webp', 'image/webp'],
  ['.avif', 'image/avif'],
  ['.ico', 'image/x-icon'],
  ['.bmp', 'image/bmp'],
  ['.woff', 'font/woff'],
  ['.woff2', 'font/woff2'],
  ['.ttf', 'font/ttf'],
  ['.otf', 'font/otf'],
  ['.wasm', 'application/wasm'],
  ['.pdf', 'application/pdf'],
  ['.zip', 'application/zip'],
  ['.gz', 'application/gzip'],
  ['.br', 'application/x-brotli'],
  ['.mp4', 'video/mp4'],
  ['.webm', 'video/webm'],
  ['.mp3', 'audio/mpeg'],
  ['.ogg', 'audio/ogg'],
  ['.wav', 'audio/wav'],
]);

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The Content-Type for a file name, by its extension (case-insensitive). */
export function contentTypeFor(fileName: string): string {
  return TYPES.get(extname(fileName).toLowerCase()) ?? DEFAULT_CONTENT_TYPE;
}
