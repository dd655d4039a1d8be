// Compose substitutes `$NAME` as well as `${NAME}`; Berth substitutes only the braced form (a bare `$NAME` is
// left for the shell). Bracing the bare form keeps compose's meaning: the value comes from .env or the environment.

const BARE = /(\$\$)|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Rewrites bare `$NAME` into `${NAME}`; `$$` and `${...}` are kept as they are (they mean the same in Berth). */
export function convertComposeVariables(text: string): string {
  return text.replace(BARE, (whole, escaped: string | undefined, name: string | undefined) => (escaped !== undefined || name === undefined ? whole : `\${${name}}`));
}

/** Applies {@link convertComposeVariables} to a string or to each string of a list. */
export function convertCommandVariables(command: string | readonly string[]): string | string[] {
  return typeof command === 'string' ? convertComposeVariables(command) : command.map(convertComposeVariables);
}
