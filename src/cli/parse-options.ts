// Parses a command's arguments with node:util parseArgs and reports usage errors as catalogued diagnostics.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createDiagnostic, type Diagnostic } from '../errors/diagnostic.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export type ParsedOptions = { readonly ok: true; readonly values: Record<string, string | boolean | undefined>; readonly positionals: string[] } | { readonly ok: false; readonly diagnostic: Diagnostic };

/** Parses `args` for `command`; unknown options and missing values become BERTH_E_USAGE. */
export function parseOptions(command: string, args: readonly string[], options: Options): ParsedOptions {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { ok: true, values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
    return { ok: false, diagnostic: createDiagnostic('BERTH_E_USAGE', { params: { reason, command }, expected: `options of \`berth ${command}\``, found: args.join(' ') }) };
  }
}

/**
 * The positionals of a command that lists (`berth CMD`) or acts on one thing (`berth CMD VERB ARG`): the argument
 * when the verb is given, undefined when nothing is; anything else is BERTH_E_USAGE.
 */
export function parseVerbArgument(command: string, positionals: readonly string[], verb: string, argument: string): { readonly ok: true; readonly argument: string | undefined } | { readonly ok: false; readonly diagnostic: Diagnostic } {
  const [given, value, ...rest] = positionals;
  if (given === undefined) return { ok: true, argument: undefined };
  if (given === verb && value !== undefined && rest.length === 0) return { ok: true, argument: value };
  return { ok: false, diagnostic: createDiagnostic('BERTH_E_USAGE', { params: { command, reason: `expected \`berth ${command}\` or \`berth ${command} ${verb} ${argument}\`, found \`${positionals.join(' ')}\`` } }) };
}
