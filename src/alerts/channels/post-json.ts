// POSTs a JSON body with a deadline. Errors name only the host, never the URL: a webhook's path or query is
// often the credential (Slack, Telegram's /bot<token>/).
export interface PostResult {
  readonly status: number;
  readonly body: string;
}

const MAX_BODY = 16 * 1024;

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the receiver';
  }
}

/** Sends `body` and resolves with the answer; throws when no answer came in `timeoutMs`, or on a status outside 2xx. */
export async function postJson(url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<PostResult> {
  const host = hostOf(url);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'berth-alerts', ...headers }, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw new Error(timedOut ? `no answer from ${host} within ${String(timeoutMs)} ms` : `could not reach ${host}: ${cause}`);
  }
  const text = (await response.text().catch(() => '')).slice(0, MAX_BODY);
  if (response.status < 200 || response.status > 299) throw new Error(`${host} answered HTTP ${String(response.status)}${text === '' ? '' : `: ${text.slice(0, 200)}`}`);
  return { status: response.status, body: text };
}
