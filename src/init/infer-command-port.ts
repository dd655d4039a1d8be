// The port a server command listens on, when the command says so (`--port 8080`, `-b 0.0.0.0:8000`).

const PATTERNS: readonly RegExp[] = [
  /(?:^|\s)--port[=\s]+(\d{1,5})(?=\s|$)/,
  /(?:^|\s)-p\s+(\d{1,5})(?=\s|$)/,
  /(?:^|\s)(?:--bind|-b|--listen|--host)[=\s]+[^\s:]*:(\d{1,5})(?=\s|$)/,
];

/** The port named in `command`, or undefined. */
export function inferCommandPort(command: string | readonly string[]): number | undefined {
  const text = typeof command === 'string' ? command : command.join(' ');
  for (const pattern of PATTERNS) {
    const port = Number(pattern.exec(text)?.[1]);
    if (Number.isInteger(port) && port >= 1 && port <= 65535) return port;
  }
  return undefined;
}
