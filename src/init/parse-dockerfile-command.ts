// Reads ENTRYPOINT and CMD of a Dockerfile's final stage, so a compose service built locally keeps its command.

export interface DockerfileCommand {
  /** Exec form is a list; shell form a string (Docker runs it with `/bin/sh -c`). */
  readonly entrypoint?: string | readonly string[];
  readonly cmd?: string | readonly string[];
  /** RUN steps of every stage (a build stage's `npm run build` counts): the setup a native `build:` may need. */
  readonly run: readonly string[];
}

/** ENTRYPOINT and CMD of the last stage of `text`, and the RUN steps of all stages (line continuations joined; comments skipped). */
export function parseDockerfileCommand(text: string): DockerfileCommand {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  let entrypoint: string | string[] | undefined;
  let cmd: string | string[] | undefined;
  const run: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    const match = /^(FROM|ENTRYPOINT|CMD|RUN)\s+(.*)$/i.exec(line);
    if (match === null) continue;
    const instruction = (match[1] ?? '').toUpperCase();
    const argument = (match[2] ?? '').trim();
    if (instruction === 'FROM') {
      entrypoint = undefined;
      cmd = undefined;
    } else if (instruction === 'RUN') {
      run.push(argument.replace(/\s+/g, ' '));
    } else if (instruction === 'ENTRYPOINT') {
      // Like BuildKit: ENTRYPOINT clears only a CMD inherited from the base image, not one set in this stage.
      entrypoint = parseForm(argument);
    } else {
      cmd = parseForm(argument);
    }
  }
  return { ...(entrypoint === undefined ? {} : { entrypoint }), ...(cmd === undefined ? {} : { cmd }), run };
}

function parseForm(argument: string): string | string[] {
  if (argument.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(argument);
      if (Array.isArray(parsed) && parsed.every((item): item is string => typeof item === 'string')) return parsed;
    } catch {
      // Docker treats invalid JSON as shell form.
    }
  }
  return argument;
}
