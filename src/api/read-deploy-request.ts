// The body of POST /v1/deploy: what to deploy, and the stack as the CLI loaded it (the same envelope `berth up -d`
// hands a new daemon), checked to be this daemon's stack.
import type { DeployRequest } from '../daemon/deploy-controller.js';
import { decodeStack } from '../daemon/stack-handoff.js';

export type ReadDeployRequest = { readonly ok: true; readonly request: DeployRequest } | { readonly ok: false; readonly reason: string };

const optionalString = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function readDeployRequest(text: string, expectedFile: string): ReadDeployRequest {
  let body: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'the deploy request is not a JSON object' };
    body = value as Record<string, unknown>;
  } catch (error) {
    return { ok: false, reason: `the deploy request is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const kind = body.kind === 'rollback' ? 'rollback' : body.kind === 'deploy' ? 'deploy' : null;
  if (kind === null) return { ok: false, reason: '`kind` must be "deploy" or "rollback"' };
  if (typeof body.stack !== 'string') return { ok: false, reason: '`stack` is missing' };
  const decoded = decodeStack(body.stack, expectedFile);
  if (!decoded.ok) return { ok: false, reason: decoded.reason };
  const configFiles = Array.isArray(body.configFiles) ? body.configFiles.filter((f): f is string => typeof f === 'string') : [];
  return { ok: true, request: { kind, stack: decoded.stack, configFiles, ref: optionalString(body.ref), target: optionalString(body.target), holder: optionalString(body.holder) ?? 'unknown' } };
}
