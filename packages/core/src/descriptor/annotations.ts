/** The apiVersion every cluster descriptor declares. */
export const DESCRIPTOR_API_VERSION = 'clusterregistry.k8s.io/v1alpha1';
/** The kind every cluster descriptor declares. */
export const DESCRIPTOR_KIND = 'Cluster';

/** Prefix of the annotations Istio reads from a cluster descriptor. */
export const ISTIO_ANNOTATION_PREFIX = 'config.istio.io/';

/** The annotation names meshd knows (Istio 0.8 guide and 0.8.0 release). */
export const ANNOTATIONS = {
  /** host:port of Pilot; must be the same string in every descriptor. */
  pilotEndpoint: 'config.istio.io/pilotEndpoint',
  /** Kubernetes (or empty): meshd manages Kubernetes clusters only. */
  platform: 'config.istio.io/platform',
  /** true on exactly one cluster: the control plane (Go ParseBool syntax). */
  pilotCfgStore: 'config.istio.io/pilotCfgStore',
  /** File name, in the same directory, of the cluster's kubeconfig. */
  accessConfigFile: 'config.istio.io/accessConfigFile',
  /** 0.8.0: Secret holding the kubeconfig. */
  accessConfigSecret: 'config.istio.io/accessConfigSecret',
  /** 0.8.0: namespace of that Secret (default istio-system). */
  accessConfigSecretNamespace: 'config.istio.io/accessConfigSecretNamespace',
} as const;

/** meshd's own descriptor annotation: the backend that installs istio-remote on this cluster. */
export const BACKEND_ANNOTATION = 'meshd.io/backend';

/** Every known config.istio.io/* annotation name. */
export const KNOWN_ISTIO_ANNOTATIONS: readonly string[] = Object.values(ANNOTATIONS);

/** Platforms Istio 0.8 knew that meshd does not manage. */
export const OTHER_PLATFORMS: readonly string[] = ['Consul', 'Eureka', 'CloudFoundry'];

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Reads `config.istio.io/pilotCfgStore` as Go's strconv.ParseBool would (1 t T TRUE true True and
 * their false forms), also accepting YAML booleans and the numbers 0/1. Undefined when not a boolean.
 */
export function parseGoBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value !== 'string') return undefined;
  if (GO_TRUE.has(value)) return true;
  if (GO_FALSE.has(value)) return false;
  return undefined;
}

const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** True when `name` can be a ConfigMap or Secret data key (the registry publishes files under their names). */
export function isConfigMapKey(name: string): boolean {
  return name.length <= 253 && CONFIGMAP_KEY.test(name) && name !== '.' && name !== '..';
}

/**
 * Why `value` is not a plain file name in the cluster directory, or undefined when it is one.
 * Paths (`../x`, `/etc/x`, `sub/x`) are refused: the registry publishes the directory's files only.
 */
export function fileNameProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value))
    return `must be a file name in the cluster directory, not an absolute path: got ${JSON.stringify(value)}`;
  if (value.includes('/') || value.includes('\\') || value === '..' || value === '.')
    return `must be a file name in the cluster directory, not a path: got ${JSON.stringify(value)}`;
  if (!isConfigMapKey(value)) return `must be a file name made of letters, digits, '-', '_' and '.' (it becomes a ConfigMap key), got ${JSON.stringify(value)}`;
  return undefined;
}
