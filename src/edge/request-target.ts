// The host a request is routed by, read off its Host header.

/** The Host header's name part, lower case: `App.Example.com:8443` → `app.example.com`, `[::1]:80` → `::1`. */
export function readRequestHost(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  let end = value.length;
  if (value.charCodeAt(0) === 91 /* [ */) {
    const close = value.indexOf(']');
    return (close === -1 ? value : value.slice(1, close)).toLowerCase();
  }
  const colon = value.lastIndexOf(':');
  if (colon !== -1) end = colon;
  const host = end === value.length ? value : value.slice(0, end);
  return host.toLowerCase();
}
