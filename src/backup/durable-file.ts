// Small file helpers every backup kind shares: fsync a file and its folder, a file's sha256 and size, a private
// folder, a UTC stamp for names, and text with a password hidden.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, open, stat } from 'node:fs/promises';

/** Flushes a file's data, or a folder's entries (a rename or a new file in it), to disk. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The sha256 (hex) and size of a file, read as a stream. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    hash.update(buffer);
  }
  return { sha256: hash.digest('hex'), size };
}

/** Creates `dir` (and parents) 0700 when it is missing; an existing folder keeps its mode. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const existed = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (existed) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Why chmod: mkdir's mode goes through the umask.
  await chmod(dir, 0o700);
}

/** `yyyymmddThhmmssZ` in UTC. */
export function utcStamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** `text` with every occurrence of each non-empty secret shown as `***`. */
export function hideSecrets(text: string, secrets: readonly (string | null)[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== null && secret !== '') out = out.replaceAll(secret, '***');
  return out;
}

/** The last few non-empty lines of a command's output, on one line. */
export function lastLines(output: string, count = 4): string {
  const lines = output.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.slice(-count).join(' / ') || 'no output';
}

/** An error's message. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
