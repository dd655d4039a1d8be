import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decryptFile, encryptFile, isEncryptedFile, readKeyFile } from '../../src/backup/encrypt-file.js';
import { removeTempDirs, tempDir } from './backup-test-helpers.js';

describe('encryption at rest (AES-256-GCM, own format)', () => {
  const dir = tempDir('enc');
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });
  const key = randomBytes(32);
  let n = 0;
  const path = (name: string): string => join(dir, `${String(++n)}-${name}`);

  it('reads a key as 32 raw bytes, 64 hex characters or base64, and names the file for anything else', async () => {
    const raw = path('raw.key');
    writeFileSync(raw, key);
    const hex = path('hex.key');
    writeFileSync(hex, `  ${key.toString('hex').toUpperCase()}\n`);
    const b64 = path('b64.key');
    writeFileSync(b64, `${key.toString('base64')}\n`);
    for (const file of [raw, hex, b64]) assert.deepEqual(await readKeyFile(file), key, file);
    for (const content of ['short', key.toString('hex').slice(0, 62), randomBytes(31).toString('base64'), Buffer.concat([key, Buffer.from('x')]).toString('latin1')]) {
      const bad = path('bad.key');
      writeFileSync(bad, content, 'latin1');
      await assert.rejects(readKeyFile(bad), (error: Error) => {
        assert.match(error.message, new RegExp(`^encryption key file ${bad}: expected 32 raw bytes, 64 hex characters or base64 of 32 bytes .* found \\d+ bytes of something else$`));
        assert.ok(!error.message.includes(content.trim()) || content.length < 6, 'the content is not shown');
        return true;
      });
    }
    await assert.rejects(readKeyFile(path('missing.key')), /expected a readable file holding a 32-byte key, found ENOENT/);
  });

  it('round-trips empty, small and multi-chunk files; the file is 0600, starts with its header and hides the text', async () => {
    for (const size of [0, 1, 17, 65_536 + 5, 3_000_001]) {
      const plain = path('plain');
      const data = size === 17 ? Buffer.from('a readable secret') : randomBytes(size);
      writeFileSync(plain, data);
      const sealed = path('sealed');
      await encryptFile(plain, sealed, key);
      const stored = readFileSync(sealed);
      assert.equal(stored.length, size + 8 + 1 + 12 + 16);
      assert.equal(stored.subarray(0, 9).toString('latin1'), 'BERTHENC\x01');
      assert.equal(statSync(sealed).mode & 0o777, 0o600);
      assert.equal(await isEncryptedFile(sealed), true);
      assert.equal(await isEncryptedFile(plain), false);
      if (size === 17) assert.ok(!stored.includes(data));
      const back = path('back');
      await decryptFile(sealed, back, key);
      assert.deepEqual(readFileSync(back), data, `size ${String(size)}`);
    }
  });

  it('refuses a wrong key, a changed byte (body, header or tag), a truncated file and a foreign file', async () => {
    const plain = path('plain');
    writeFileSync(plain, randomBytes(100_000));
    const sealed = path('sealed');
    await encryptFile(plain, sealed, key);
    const stored = readFileSync(sealed);
    await assert.rejects(decryptFile(sealed, path('out'), randomBytes(32)), /decryption failed: the key is not the one it was encrypted with, or the file was changed/);
    for (const at of [9, 21, 50_000, stored.length - 1]) {
      const changed = Buffer.from(stored);
      changed[at] = (changed[at] ?? 0) ^ 0x80;
      const file = path('changed');
      writeFileSync(file, changed);
      await assert.rejects(decryptFile(file, path('out'), key), /decryption failed/, `byte ${String(at)}`);
    }
    const truncated = path('truncated');
    writeFileSync(truncated, stored.subarray(0, stored.length - 1000));
    await assert.rejects(decryptFile(truncated, path('out'), key), /decryption failed/);
    const tiny = path('tiny');
    writeFileSync(tiny, stored.subarray(0, 10));
    await assert.rejects(decryptFile(tiny, path('out'), key), /expected a Berth encrypted file \(header and 16-byte tag\), found a file too short/);
    const foreign = path('foreign');
    writeFileSync(foreign, randomBytes(100));
    await assert.rejects(decryptFile(foreign, path('out'), key), /expected a Berth encrypted file \(starting with BERTHENC\), found other data/);
    const existing = path('existing');
    writeFileSync(existing, 'keep me');
    await assert.rejects(decryptFile(sealed, existing, key), /EEXIST/);
    assert.equal(readFileSync(existing, 'utf8'), 'keep me', 'never writes over a file');
    assert.ok(existsSync(sealed));
  });
});
