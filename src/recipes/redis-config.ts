// The redis.conf Berth writes for a redis recipe on every start: port, 127.0.0.1 only, the data folder, AOF on,
// and `requirepass` when the stack gives a password (so the file is written 0600 and the password never sits in argv).
export interface RedisConfigSpec {
  readonly service: string;
  readonly port: number;
  readonly dataDir: string;
  readonly appendfsync: 'always' | 'everysec' | 'no';
  readonly password: string | null;
}

/** Quotes a value for redis.conf: double quotes, with `\`, `"` and anything unprintable escaped. */
export function quoteRedisValue(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\' || char === '"') out += `\\${char}`;
    // Why bytes: redis reads the file as bytes and understands \xHH, so multi-byte characters go byte by byte.
    else if (code < 0x20 || code >= 0x7f) for (const byte of Buffer.from(char, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** The text of the generated config. */
export function renderRedisConfig(spec: RedisConfigSpec): string {
  const lines = [
    `# Written by Berth for service ${spec.service} on every start; change berth.yml (\`args:\`, \`appendfsync:\`) instead.`,
    `port ${String(spec.port)}`,
    'bind 127.0.0.1',
    'protected-mode yes',
    'daemonize no',
    'logfile ""',
    `dir ${quoteRedisValue(spec.dataDir)}`,
    'appendonly yes',
    `appendfsync ${spec.appendfsync}`,
  ];
  if (spec.password !== null) lines.push(`requirepass ${quoteRedisValue(spec.password)}`);
  return `${lines.join('\n')}\n`;
}
