// DNS-01 through the user's `dns_hook`: a command run as `HOOK set NAME VALUE` and later `HOOK clear NAME VALUE`
// (also given as BERTH_DNS_ACTION, BERTH_DNS_NAME, BERTH_DNS_VALUE), then a wait until the TXT record is visible.
import { Resolver } from 'node:dns/promises';
import { runCommand } from '../exec/run-command.js';

export interface DnsHookOptions {
  readonly hook: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolvers to check propagation with (`host:port`); the system's when empty. */
  readonly resolvers: readonly string[];
  /** Longest wait for the record to show; the CA is asked anyway after it. */
  readonly propagationTimeoutMs: number;
  readonly pollMs?: number;
}

/** Runs the hook; throws with its output when it fails. */
export async function runDnsHook(options: DnsHookOptions, action: 'set' | 'clear', name: string, value: string): Promise<void> {
  const result = await runCommand({
    argv: ['/bin/sh', '-c', `${options.hook} "$@"`, 'dns_hook', action, name, value],
    cwd: options.cwd,
    env: { ...options.env, BERTH_DNS_ACTION: action, BERTH_DNS_NAME: name, BERTH_DNS_VALUE: value },
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`dns_hook ${action} ${name} ${result.timedOut ? "timed out" : `exited ${String(result.code)}`}: ${result.error ?? result.output.trim().slice(-500)}`);
}

/** Resolves true once a TXT lookup of `name` returns `value`, false at the timeout. */
export async function waitForTxt(options: DnsHookOptions, name: string, value: string): Promise<boolean> {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  if (options.resolvers.length > 0) resolver.setServers([...options.resolvers]);
  const deadline = Date.now() + options.propagationTimeoutMs;
  for (;;) {
    try {
      const records = await resolver.resolveTxt(name);
      if (records.some((chunks) => chunks.join('') === value)) return true;
    } catch {
      // Not there yet (NXDOMAIN, timeout): ask again.
    }
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}
