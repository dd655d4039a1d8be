// Encryption at rest for backup files: AES-256-GCM, streamed, in Berth's own small format:
//   "BERTHENC" (8 bytes) | version 1 (1 byte) | nonce (12 bytes) | ciphertext | tag (16 bytes)
// The header is authenticated too (additional data). The key comes from a file and is never written anywhere.
import { createCipheriv, createDecipheriv, randomBytes, type DecipherGCM } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const MAGIC = Buffer.from('BERTHENC', 'ascii');
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + NONCE_BYTES;

/** Reads a 32-byte key from `file`: 32 raw bytes, 64 hex characters, or base64 of 32 bytes (surrounding
 * whitespace allowed for the text forms). Throws an Error naming the file and what it holds, never the key. */
export async function readKeyFile(file: string): Promise<Buffer> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (error) {
    throw new Error(`encryption key file ${file}: expected a readable file holding a 32-byte key, found ${(error as NodeJS.ErrnoException).code ?? 'an error'} reading it`);
  }
  if (raw.length === 32) return raw;
  const text = raw.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    const decoded = Buffer.from(text, 'base64');
    if (decoded.length === 32) return decoded;
  }
  throw new Error(`encryption key file ${file}: expected 32 raw bytes, 64 hex characters or base64 of 32 bytes (\`openssl rand -hex 32 > ${file}\`), found ${String(raw.length)} bytes of something else`);
}

/** True when `file` starts with Berth's encrypted-file header. */
export async function isEncryptedFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && head.equals(MAGIC);
  } finally {
    await handle.close();
  }
}

/** Encrypts `source` into `target` (created 0600, must not exist), streaming. */
export async function encryptFile(source: string, target: string, key: Buffer): Promise<void> {
  const nonce = randomBytes(NONCE_BYTES);
  const header = Buffer.concat([MAGIC, Buffer.from([VERSION]), nonce]);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(header);
  const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
  let wroteHeader = false;
  const frame = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (!wroteHeader) {
        wroteHeader = true;
        this.push(header);
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (!wroteHeader) this.push(header);
      this.push(cipher.getAuthTag());
      callback();
    },
  });
  await pipeline(createReadStream(source), cipher, frame, out);
}

/** Decrypts `source` into `target` (created 0600, must not exist), streaming; the tag is checked at the end,
 * and `target` must not be trusted unless this resolves. Throws an Error saying what was wrong. */
export async function decryptFile(source: string, target: string, key: Buffer): Promise<void> {
  let header: Buffer | null = null;
  let decipher: DecipherGCM | null = null;
  let pending: Buffer = Buffer.alloc(0);
  const unframe = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      try {
        if (decipher === null) {
          if (pending.length < HEADER_BYTES) {
            callback();
            return;
          }
          header = pending.subarray(0, HEADER_BYTES);
          checkHeader(source, header);
          decipher = createDecipheriv('aes-256-gcm', key, header.subarray(MAGIC.length + 1));
          decipher.setAAD(header);
          pending = pending.subarray(HEADER_BYTES);
        }
        // Why hold back 16 bytes: the tag is the file's last 16 bytes, known only at the end.
        if (pending.length > TAG_BYTES) {
          const body = pending.subarray(0, pending.length - TAG_BYTES);
          pending = Buffer.from(pending.subarray(pending.length - TAG_BYTES));
          const plain = decipher.update(body);
          if (plain.length > 0) this.push(plain);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (decipher === null || pending.length < TAG_BYTES) throw new Error(`${source}: expected a Berth encrypted file (header and 16-byte tag), found a file too short to be one`);
        decipher.setAuthTag(pending);
        const last = decipher.final();
        if (last.length > 0) this.push(last);
        callback();
      } catch (error) {
        const message = (error as Error).message;
        callback(/unable to authenticate|Unsupported state/i.test(message) ? new Error(`${source}: decryption failed: the key is not the one it was encrypted with, or the file was changed`) : (error as Error));
      }
    },
  });
  await pipeline(createReadStream(source), unframe, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
}

function checkHeader(source: string, header: Buffer): void {
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${source}: expected a Berth encrypted file (starting with BERTHENC), found other data`);
  const version = header[MAGIC.length];
  if (version !== VERSION) throw new Error(`${source}: expected encrypted-file format version ${String(VERSION)}, found version ${String(version)}`);
}
