// Runs every lint rule over a resolved stack. Rules are pure, except the git check, which is injected.
import type { Diagnostic } from '../../errors/diagnostic.js';
import type { ResolvedStack } from '../resolved-stack.js';
import type { SourceMap } from '../source-map.js';
import type { LintOptions, LintRule } from './lint-context.js';
import { lintDependencyConditions, lintDependencyCycles, lintUnknownDependencies } from './lint-dependencies.js';
import { lintBindAllInterfaces, lintPortConflicts, lintRouteConflicts, lintRoutesWithoutUpstream, lintWildcardWithoutDnsHook } from './lint-network.js';
import { lintSecretLiterals, lintTrackedEnvFiles } from './lint-secrets.js';
import { lintJobNames, lintPostgresVersion, lintRecipeData, lintSingletons } from './lint-services.js';

export type { LintOptions } from './lint-context.js';

export const LINT_RULES: readonly LintRule[] = [
  lintUnknownDependencies,
  lintDependencyCycles,
  lintDependencyConditions,
  lintPortConflicts,
  lintRouteConflicts,
  lintRoutesWithoutUpstream,
  lintWildcardWithoutDnsHook,
  lintBindAllInterfaces,
  lintSingletons,
  lintRecipeData,
  lintPostgresVersion,
  lintJobNames,
  lintSecretLiterals,
  lintTrackedEnvFiles,
];

/** Runs all lint rules. */
export function lintStack(stack: ResolvedStack, context: { readonly sourceMap: SourceMap; readonly raw: unknown; readonly envFiles: readonly string[] }, options: LintOptions): Diagnostic[] {
  const full = { ...context, ...options, stack };
  return LINT_RULES.flatMap((rule) => rule(full));
}
