/**
 * The one catalogue of meshd error codes. Every error meshd reports to a user (CLI, /status, logs)
 * carries one of these codes, so operators can search for it and tests can assert on it.
 * Add new codes here; never build ad-hoc error classes elsewhere.
 */
export const ERROR_CODES = {
  MESHD_ERR_INVALID_DESCRIPTOR: 'cluster descriptor is invalid',
  MESHD_ERR_INVALID_DIRECTORY: 'the cluster directory is invalid as a whole',
  MESHD_ERR_INVALID_CONFIG: 'the meshd configuration is invalid',
  MESHD_ERR_INVALID_KUBECONFIG: 'a kubeconfig is invalid',
  MESHD_ERR_UNREACHABLE: 'a cluster cannot be reached',
  MESHD_ERR_PREREQUISITE: 'a cluster fails a prerequisite',
  MESHD_ERR_NOT_OWNED: 'an object exists that meshd does not own',
  MESHD_ERR_HELM: 'the helm binary failed',
  MESHD_ERR_TILLER: 'Tiller failed',
  MESHD_ERR_DISCOVERY: 'control-plane endpoints could not be discovered',
  MESHD_ERR_APPLY: 'a write to a cluster failed',
  MESHD_ERR_PLUGIN: 'a plugin is invalid',
  MESHD_ERR_STATE: "meshd's state directory on the bastion is damaged or unusable",
  MESHD_ERR_INVENTORY_TAMPERED: "a release inventory in a cluster fails authentication (edited, replaced or written without this bastion's key): it is ignored and rebuilt from the journal",
  MESHD_ERR_REMOVAL_HELD: 'a cluster removal is held by the deletion budget (removals.maxPerPass)',
  MESHD_ERR_INTERNAL: 'meshd broke (a bug)',
} as const;

/** A code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An error with a catalogue code. `terminal` errors come from invalid input: the reconcile loop
 * reports them and does not retry until the input changes; other errors are retried with backoff.
 */
export class MeshdError extends Error {
  readonly code: ErrorCode;
  readonly terminal: boolean;

  constructor(code: ErrorCode, message: string, options: { terminal?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshdError';
    this.code = code;
    this.terminal = options.terminal ?? false;
  }
}

/** True when `err` is a MeshdError with the given code. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof MeshdError && err.code === code;
}
