/** Where one remote's Tiller is: a direct address, or found by helm's port-forward in a namespace. */
export interface TillerLocation {
  /** HOST:PORT (`clusters.NAME.tillerHost`); undefined means port-forward through the API server. */
  host?: string;
  namespace: string;
}

/** Where Tiller is, for messages: `Tiller at HOST:PORT` or `Tiller in namespace NS (port-forward)`. */
export function describeTiller(location: TillerLocation): string {
  return location.host !== undefined ? `Tiller at ${location.host}` : `Tiller in namespace ${location.namespace} (port-forward)`;
}
