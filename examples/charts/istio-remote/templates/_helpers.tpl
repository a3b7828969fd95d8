{{/*
Helpers of the istio-remote chart. Written to render with Helm 2.17 and Helm 3: only Go template
built-ins, Helm's include/required and sprig functions both versions ship.
*/}}

{{/* Labels every object of the chart carries. */}}
{{- define "istio-remote.labels" -}}
app: {{ .Chart.Name }}
chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
release: {{ .Release.Name }}
heritage: {{ .Release.Service }}
{{- end -}}

{{/*
The value of an endpoint setting, checked to be a literal IP address that an Endpoints object
accepts. Called with (list "global.someEndpoint" value); fails rendering with a message naming the
setting otherwise (hostnames, IP:port, loopback, link-local and unspecified addresses).
*/}}
{{- define "istio-remote.endpointAddress" -}}
{{- $setting := index . 0 -}}
{{- $value := required (printf "%s is required: set it to the control plane's pod IP" $setting) (index . 1) | toString -}}
{{- $octet := `(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])` -}}
{{- $ipv4 := printf `^(%s\.){3}%s$` $octet $octet -}}
{{- $h := `[0-9a-fA-F]{1,4}` -}}
{{- $ipv6 := printf `^((%s:){7}%s|(%s:){1,7}:|(%s:){1,6}:%s|(%s:){1,5}(:%s){1,2}|(%s:){1,4}(:%s){1,3}|(%s:){1,3}(:%s){1,4}|(%s:){1,2}(:%s){1,5}|%s:(:%s){1,6}|:((:%s){1,7}|:))$` $h $h $h $h $h $h $h $h $h $h $h $h $h $h $h $h -}}
{{- if not (or (regexMatch $ipv4 $value) (regexMatch $ipv6 $value)) -}}
{{- fail (printf "%s must be a literal IPv4 or IPv6 address (an Endpoints address cannot be a hostname or carry a port), got %q" $setting $value) -}}
{{- end -}}
{{- if regexMatch `^(127\.|0\.0\.0\.0$|169\.254\.|224\.0\.0\.)|^(::1?|[fF][eE][89aAbB][0-9a-fA-F]:.*|[fF][fF][0-9a-fA-F]2:.*)$` $value -}}
{{- fail (printf "%s must not be a loopback, link-local or unspecified address (Kubernetes refuses it in an Endpoints), got %q" $setting $value) -}}
{{- end -}}
{{- $value -}}
{{- end -}}

{{/*
A selector-less headless Service and its Endpoints pointing at one control-plane pod. Called with
(dict "root" $ "name" SERVICE "address" IP "ports" PORTS-TEMPLATE); both objects list the same ports.
*/}}
{{- define "istio-remote.remoteService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
{{ include "istio-remote.labels" .root | indent 4 }}
spec:
  clusterIP: None
  ports:
{{ include .ports .root | indent 4 }}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
{{ include "istio-remote.labels" .root | indent 4 }}
subsets:
  - addresses:
      - ip: {{ .address | quote }}
    ports:
{{ include .ports .root | indent 6 }}
{{- end -}}
