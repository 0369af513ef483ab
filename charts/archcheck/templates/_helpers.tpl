{{/*
Names. Everything derives from "archcheck.fullname" so two releases never collide, and the webhook is told the
names of its own objects (Secret, Service, webhook configurations) through its config file, never by guessing.
*/}}
{{- define "archcheck.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "archcheck.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "archcheck.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable for the life of a release (a Deployment's selector is immutable). */}}
{{- define "archcheck.selectorLabels" -}}
app.kubernetes.io/name: {{ include "archcheck.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "archcheck.labels" -}}
helm.sh/chart: {{ include "archcheck.chart" . }}
{{ include "archcheck.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: archcheck
{{- end }}

{{- define "archcheck.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "archcheck.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the serving certificate: written by the webhook (self), cert-manager, or the user. */}}
{{- define "archcheck.tlsSecretName" -}}
{{- if eq .Values.certs.mode "existingSecret" }}
{{- .Values.certs.existingSecret.name }}
{{- else }}
{{- printf "%s-tls" (include "archcheck.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Cluster-scoped objects (ClusterRoles, webhook configurations) are named like the release's namespaced ones. Two
releases of the same name in two namespaces would collide there; Helm then refuses the second install (the objects
belong to another release) instead of letting them fight.
*/}}
{{- define "archcheck.mutatingWebhookName" -}}
{{- include "archcheck.fullname" . }}
{{- end }}

{{- define "archcheck.validatingWebhookName" -}}
{{- include "archcheck.fullname" . }}
{{- end }}

{{- define "archcheck.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
matchConditions (CEL) are beta and on by default from Kubernetes 1.28, GA in 1.30. On older API servers the field
would be dropped (or rejected by strict field validation), so it is rendered only when the target cluster has it.
`helm template` without --kube-version assumes an old cluster and leaves them out.
*/}}
{{- define "archcheck.matchConditionsSupported" -}}
{{- if semverCompare ">=1.28.0-0" .Capabilities.KubeVersion.Version }}true{{ end }}
{{- end }}

{{/* Namespaces the API server never sends to the webhook: a dead webhook must not block its own recovery, system pods, or node leases. */}}
{{- define "archcheck.excludedNamespaces" -}}
{{- $always := list "kube-system" "kube-public" "kube-node-lease" .Release.Namespace }}
{{- $all := concat $always (.Values.config.excludedNamespaces | default list) | uniq }}
{{- toJson $all }}
{{- end }}

{{/* A duration as the webhook parses it (core/duration.ts: "500ms", "3s", "1m30s", bare seconds) → milliseconds; -1 when malformed. */}}
{{- define "archcheck.durationMs" -}}
{{- $d := toString . | trim }}
{{- if regexMatch "^[0-9]+(\\.[0-9]+)?$" $d }}{{ mulf ($d | float64) 1000 | int }}
{{- else if regexMatch "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$" $d }}
{{- $total := 0.0 }}
{{- $units := dict "ms" 1.0 "s" 1000.0 "m" 60000.0 "h" 3600000.0 }}
{{- range regexFindAll "[0-9]+(\\.[0-9]+)?(ms|s|m|h)" $d -1 }}
{{- $unit := regexFind "(ms|s|m|h)$" . }}
{{- $total = addf $total (mulf (trimSuffix $unit . | float64) (get $units $unit)) }}
{{- end }}
{{- $total | int }}
{{- else }}-1{{ end }}
{{- end }}

{{/* Where registryTLS files are mounted in the webhook pod. */}}
{{- define "archcheck.registryTLSDir" -}}
/etc/archcheck/registry-tls
{{- end }}

{{/* A registry host[:port] as a ConfigMap key (keys allow only [-._a-zA-Z0-9]). */}}
{{- define "archcheck.registryTLSKey" -}}
{{ regexReplaceAll "[^-._a-zA-Z0-9]" . "_" }}
{{- end }}

{{/*
Container resources, with memory derived from the registry client's cache sizes when not set: the caches are the
part of the webhook's memory that configuration decides (README "Memory", docs/decisions/0022-bounded-memory.md).
request = caches + 64Mi (the runtime at rest); limit = caches + 208Mi (runtime, sockets and requests in flight, GC headroom; measured: BENCHMARKS.md).
*/}}
{{- define "archcheck.cacheBudgetMiB" -}}
{{- $c := .Values.config -}}
{{- add (int $c.contentCacheMiB) (int $c.answerCacheMiB) (int $c.tagCacheMiB) (int $c.tokenCacheMiB) (int $c.negativeCacheMiB) 1 -}}
{{- end -}}

{{/*
V8's old space cap: the budget + 96 MiB. Without it V8 keeps growing its committed heap under allocation pressure
(a flood of distinct images: 348 MiB committed for 81 MiB live) instead of collecting; manifests (the largest
cache) are Buffers outside it.
*/}}
{{- define "archcheck.maxOldSpaceMiB" -}}
{{- add (include "archcheck.cacheBudgetMiB" . | int) 96 -}}
{{- end -}}

{{/*
The webhook's NODE_OPTIONS: the old space cap above, and young-generation semi-spaces of 4 MiB instead of V8's 16:
an admission's garbage dies young, and 16 MiB semi-spaces kept 40–70 MiB more committed heap (191–219 vs 150–152 MiB
RSS after 10,000 distinct images), for no measurable CPU (docs/decisions/0041-webhook-young-generation.md).
*/}}
{{- define "archcheck.nodeOptions" -}}
--max-old-space-size={{ include "archcheck.maxOldSpaceMiB" . }} --max-semi-space-size=4
{{- end -}}

{{- define "archcheck.resources" -}}
{{- $caches := include "archcheck.cacheBudgetMiB" . | int -}}
{{- $r := deepCopy (.Values.resources | default dict) -}}
{{- $requests := get $r "requests" | default dict -}}
{{- $limits := get $r "limits" | default dict -}}
{{- if not (hasKey $requests "memory") }}{{ $_ := set $requests "memory" (printf "%dMi" (add $caches 64)) }}{{ end -}}
{{- if not (hasKey $limits "memory") }}{{ $_ := set $limits "memory" (printf "%dMi" (add $caches 208)) }}{{ end -}}
{{- $_ := set $r "requests" $requests -}}
{{- $_ := set $r "limits" $limits -}}
{{- toYaml $r -}}
{{- end -}}
