{{/* Ports of the control-plane services, as Istio 0.8.0 exposes them (Service and Endpoints share them). */}}

{{- define "istio-remote.ports.pilot" -}}
- name: http-old-discovery
  port: 15003
  protocol: TCP
- name: https-discovery
  port: 15005
  protocol: TCP
- name: http-discovery
  port: 15007
  protocol: TCP
- name: grpc-xds
  port: 15010
  protocol: TCP
- name: https-xds
  port: 15011
  protocol: TCP
- name: http-legacy-discovery
  port: 8080
  protocol: TCP
- name: http-monitoring
  port: 9093
  protocol: TCP
{{- end -}}

{{- define "istio-remote.ports.policy" -}}
- name: grpc-mixer
  port: 9091
  protocol: TCP
- name: grpc-mixer-mtls
  port: 15004
  protocol: TCP
- name: http-monitoring
  port: 9093
  protocol: TCP
- name: configapi
  port: 9094
  protocol: TCP
- name: statsd-prom
  port: 9102
  protocol: TCP
- name: statsd-udp
  port: 9125
  protocol: UDP
- name: prometheus
  port: 42422
  protocol: TCP
{{- end -}}

{{- define "istio-remote.ports.statsd" -}}
- name: statsd-prom
  port: 9102
  protocol: TCP
- name: statsd-udp
  port: 9125
  protocol: UDP
{{- end -}}
