import { describe, expect, it } from 'vitest';
import { sumOpenRequests, sumWriteRequests } from './metrics.js';

const exposition = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="APPLY",version="v1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="PUT",version="v1"} 1
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="status",verb="PATCH",version="v1"} 4
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="secrets",scope="resource",subresource="",verb="DELETE",version="v1"} 5
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="secrets",scope="namespace",subresource="",verb="DELETECOLLECTION",version="v1"} 6
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"} 100
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="GET",version="v1"} 50
apiserver_request_total{code="0",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="WATCH",version="v1"} 7
apiserver_request_duration_seconds_count{verb="POST"} 99
`;

describe('sumWriteRequests', () => {
  it('adds every write verb and ignores reads, watches and other metrics', () => {
    expect(sumWriteRequests(exposition)).toBe(3 + 2 + 1 + 4 + 5 + 6);
  });

  it('counts only the resources asked for', () => {
    expect(sumWriteRequests(exposition, { resources: ['configmaps'] })).toBe(5);
    expect(sumWriteRequests(exposition, { resources: ['secrets', 'pods'] })).toBe(15);
  });

  it('counts only the subresources asked for ("" is the resource itself)', () => {
    expect(sumWriteRequests(exposition, { resources: ['pods'], subresources: ['status'] })).toBe(4);
    expect(sumWriteRequests(exposition, { resources: ['pods'], subresources: [''] })).toBe(0);
    expect(sumWriteRequests(exposition, { verbs: ['POST', 'DELETE'], subresources: [''] })).toBe(3 + 5);
  });

  it('is zero for an exposition without requests', () => {
    expect(sumWriteRequests('# nothing here\n')).toBe(0);
  });
});

describe('sumOpenRequests', () => {
  const open = `# HELP apiserver_longrunning_requests [ALPHA] Gauge of all active long-running apiserver requests
apiserver_longrunning_requests{component="apiserver",group="",resource="services",scope="namespace",subresource="",verb="WATCH",version="v1"} 2
apiserver_longrunning_requests{component="apiserver",group="",resource="services",scope="cluster",subresource="",verb="WATCH",version="v1"} 1
apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="resource",subresource="log",verb="CONNECT",version="v1"} 4
apiserver_request_total{code="0",component="apiserver",dry_run="",group="",resource="services",scope="namespace",subresource="",verb="WATCH",version="v1"} 9
`;

  it('adds the watches open now, not the request counter', () => {
    expect(sumOpenRequests(open, { verbs: ['WATCH'], resources: ['services'] })).toBe(3);
    expect(sumOpenRequests(open, { verbs: ['WATCH'] })).toBe(3);
    expect(sumOpenRequests(open)).toBe(7);
    expect(sumOpenRequests(open, { resources: ['endpoints'] })).toBe(0);
  });
});
