/**
 * An API server URL fit to show (status, plan output, logs): without the user:password a kubeconfig
 * may carry in it. Text that is not a URL is returned unchanged (it carries no credentials).
 */
export function displayServer(server: string): string {
  try {
    const url = new URL(server);
    if (url.username === '' && url.password === '') return server;
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, server.endsWith('/') ? '/' : '');
  } catch {
    return server;
  }
}
