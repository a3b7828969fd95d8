import type { KubeconfigView } from './kubeconfig-view.js';

/** The header name of an `as-user-extra` key: Impersonate-Extra- and the key, percent-encoded where a header name cannot hold it. */
function extraHeader(key: string): string {
  return `impersonate-extra-${key.replace(/[^A-Za-z0-9!#$&'*+.^_`|~-]/g, (c) => encodeURIComponent(c))}`;
}

/**
 * The Impersonate-* headers of a kubeconfig user's `as`, `as-uid`, `as-groups` and `as-user-extra`
 * (kube-apiserver's impersonation: the authenticated user must be allowed to impersonate them, and
 * the request is then authorised as the impersonated identity). Empty without `as`.
 */
export function impersonationHeaders(view: KubeconfigView): Record<string, string | string[]> {
  const as = view.user.impersonate;
  if (!as) return {};
  const headers: Record<string, string | string[]> = { 'impersonate-user': as.user };
  if (as.uid !== undefined) headers['impersonate-uid'] = as.uid;
  if (as.groups.length > 0) headers['impersonate-group'] = as.groups;
  for (const [key, values] of Object.entries(as.extra)) headers[extraHeader(key)] = values;
  return headers;
}
