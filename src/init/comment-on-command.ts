// End-of-line advice for a command, shared by the detectors.

/** A comment for a command that binds every interface, else undefined. */
export function commentOnCommand(command: string | readonly string[]): string | undefined {
  const text = typeof command === 'string' ? command : command.join(' ');
  if (/(^|[\s=:'"])0\.0\.0\.0([\s:'"]|$)/.test(text)) return 'binds 0.0.0.0: once the edge routes to it, 127.0.0.1 is enough';
  return undefined;
}

/** Joins comment parts that are present with `; `, or undefined when there are none. */
export function joinComments(...parts: readonly (string | undefined)[]): string | undefined {
  const present = parts.filter((p): p is string => p !== undefined && p !== '');
  return present.length === 0 ? undefined : present.join('; ');
}
