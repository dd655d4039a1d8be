// Compose `build:`: the build folder becomes the service's cwd, and its Dockerfile supplies ENTRYPOINT/CMD and
// the RUN steps a native build may need.
import { posix } from 'node:path';
import { describeUnmapped } from './describe-unmapped.js';
import { parseDockerfileCommand, type DockerfileCommand } from './parse-dockerfile-command.js';
import type { ProjectFiles } from './project-files.js';

export interface BuildInfo {
  /** The local build folder; undefined for a remote or outside context. */
  readonly context?: string | undefined;
  readonly dockerfile?: DockerfileCommand | undefined;
  readonly notes: string[];
}

/** Reads compose `build: ./dir` or `build: { context, dockerfile, dockerfile_inline, args, target, ... }`: the folder, and the command from its Dockerfile. */
export function readComposeBuild(raw: unknown, files: ProjectFiles): BuildInfo | undefined {
  if (raw === undefined) return undefined;
  const spec = typeof raw === 'string' ? { context: raw } : raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const context = posix.normalize(typeof spec.context === 'string' ? spec.context : '.').replace(/\/+$/, '') || '.';
  const notes: string[] = [];
  if (/^[a-z]+:\/\/|^git@|\.git(#|$)/.test(context) || posix.isAbsolute(context) || context.startsWith('..')) return { notes: [describeUnmapped('build', raw)] };
  for (const [key, value] of Object.entries(spec)) if (!['context', 'dockerfile', 'dockerfile_inline'].includes(key)) notes.push(describeUnmapped(`build.${key}`, value));
  const inline = typeof spec.dockerfile_inline === 'string' ? spec.dockerfile_inline : undefined;
  const path = posix.join(context, typeof spec.dockerfile === 'string' ? spec.dockerfile : 'Dockerfile');
  const text = inline ?? files.read(path);
  if (text === undefined) notes.push(`compose builds from ${path}, which is not here: the command could not be read from it`);
  const dockerfile = text === undefined ? undefined : parseDockerfileCommand(text);
  if (dockerfile !== undefined) notes.push(describeRunSteps(inline === undefined ? path : 'an inline Dockerfile', dockerfile.run));
  return { context, dockerfile, notes };
}

function describeRunSteps(dockerfile: string, steps: readonly string[]): string {
  const shown = steps.slice(0, 3).map((s) => (s.length > 80 ? `${s.slice(0, 77)}...` : s));
  const more = steps.length > 3 ? ` and ${String(steps.length - 3)} more` : '';
  const what = steps.length === 0 ? 'it has no RUN steps' : `its RUN steps: ${shown.join(' && ')}${more}`;
  return `compose built the image from ${dockerfile}; ${what}. Put what the app needs on this server in \`build: { command, inputs }\``;
}
