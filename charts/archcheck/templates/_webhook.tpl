{{/*
Shared parts of the Mutating and Validating webhook configurations.
*/}}

{{/* metadata.annotations of both configurations. */}}
{{- define "archcheck.webhookAnnotations" -}}
{{- $a := deepCopy (.Values.admission.annotations | default dict) }}
{{- if .Values.aks.disableAdmissionsEnforcer }}
{{- /* AKS admissions enforcer: otherwise it rewrites namespaceSelector and `helm upgrade` hits apply conflicts. */}}
{{- $_ := set $a "admissions.enforcer/disabled" "true" }}
{{- end }}
{{- if and (eq .Values.certs.mode "certManager") (not .Values.dev.externalURL) }}
{{- /* cert-manager's CA injector writes caBundle from the Certificate's CA. */}}
{{- $_ := set $a "cert-manager.io/inject-ca-from" (printf "%s/%s" .Release.Namespace (include "archcheck.fullname" .)) }}
{{- end }}
{{- with $a }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
clientConfig. caBundle is templated ONLY when its value is given by the user (existingSecret mode, dev URL):
in self and certManager modes something else writes it, and a templated (empty) caBundle would make every
`helm upgrade` erase it and break admission until it is written again.
Argument: (dict "root" $ "path" "/mutate")
*/}}
{{- define "archcheck.clientConfig" -}}
{{- $root := .root }}
{{- if $root.Values.dev.externalURL }}
url: {{ printf "%s%s" (trimSuffix "/" $root.Values.dev.externalURL) .path | quote }}
caBundle: {{ $root.Values.dev.caBundle | quote }}
{{- else }}
service:
  name: {{ include "archcheck.fullname" $root }}
  namespace: {{ $root.Release.Namespace }}
  path: {{ .path | quote }}
  port: {{ $root.Values.service.port }}
{{- if eq $root.Values.certs.mode "existingSecret" }}
caBundle: {{ $root.Values.certs.existingSecret.caBundle | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
namespaceSelector: the built-in exclusions ANDed with the user's terms. kubernetes.io/metadata.name is set on every
namespace by the API server (1.21+), so exclusions by name need no labelling.
*/}}
{{- define "archcheck.namespaceSelector" -}}
{{- $exprs := list
  (dict "key" "kubernetes.io/metadata.name" "operator" "NotIn" "values" (include "archcheck.excludedNamespaces" . | fromJsonArray))
  (dict "key" "archcheck.dev/ignore" "operator" "NotIn" "values" (list "true")) }}
{{- $exprs = concat $exprs (.Values.admission.namespaceSelector.matchExpressions | default list) }}
{{- with .Values.admission.namespaceSelector.matchLabels }}
matchLabels:
  {{- toYaml . | nindent 2 }}
{{- end }}
matchExpressions:
  {{- toYaml $exprs | nindent 2 }}
{{- end }}

{{/*
matchConditions for the mutating webhook. Skipped calls are free: the webhook would answer "allowed, no patch".
- Pods already bound to a node (mirror and static pods, `nodeName` set by the creator) bypass the scheduler.
- DaemonSet pods: the controller places one per node from the template, which is mutated instead; mutating the
  pod would strand it Pending on a node it cannot run on.
Ephemeral containers (`kubectl debug`) are always sent: that check is about the pod's node.
*/}}
{{- define "archcheck.mutatingMatchConditions" -}}
- name: skip-bound-pods
  expression: >-
    request.resource.resource != 'pods' || request.subResource != '' ||
    !has(object.spec.nodeName) || object.spec.nodeName == ''
- name: skip-daemonset-pods
  expression: >-
    request.resource.resource != 'pods' || request.subResource != '' ||
    !has(object.metadata.ownerReferences) ||
    !object.metadata.ownerReferences.exists(o, o.kind == 'DaemonSet' && has(o.controller) && o.controller)
{{- with .Values.admission.matchConditions.extra }}
{{ toYaml . }}
{{- end }}
{{- end }}
