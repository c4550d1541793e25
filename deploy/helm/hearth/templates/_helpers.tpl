{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "hearth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; component names are appended, so keep room for "-engine-headless". */}}
{{- define "hearth.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 46 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 46 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 46 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hearth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "hearth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component: call with (dict "root" $ "component" "router"). */}}
{{- define "hearth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hearth.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "hearth.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "hearth.secretName" -}}
{{- default (printf "%s-keys" (include "hearth.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "hearth.redisUrl" -}}
{{- if .Values.redis.url }}
{{- .Values.redis.url }}
{{- else if .Values.redis.enabled }}
{{- printf "redis://%s-redis:%d" (include "hearth.fullname" .) (int .Values.redis.port) }}
{{- end }}
{{- end }}

{{/*
router.yaml: the engine pods (stable DNS names through the headless Service), the packaged
model image, then the user's backends; routing, Redis and extraConfig on top.
*/}}
{{- define "hearth.routerConfig" -}}
{{- $full := include "hearth.fullname" . -}}
{{- $backends := list -}}
{{- if .Values.engine.enabled }}
{{- range $i := until (int .Values.engine.replicas) }}
{{- $b := dict "name" (printf "engine-%d" $i) "url" (printf "http://%s-engine-%d.%s-engine-headless.%s.svc:%d" $full $i $full $.Release.Namespace (int $.Values.engine.port)) "type" "openai" "tier" "local" -}}
{{- if $.Values.engine.models }}{{- $_ := set $b "models" $.Values.engine.models }}{{- end }}
{{- $backends = append $backends $b -}}
{{- end }}
{{- end }}
{{- if and .Values.modelImage.enabled .Values.modelImage.routerBackend }}
{{- $backends = append $backends (dict "name" "model-image" "url" (printf "http://%s-model:%d" $full (int .Values.modelImage.service.port)) "type" "openai" "tier" "local") -}}
{{- end }}
{{- range .Values.router.backends }}
{{- $backends = append $backends . -}}
{{- end }}
{{- $config := dict "backends" $backends "routing" (dict "strategy" .Values.router.strategy) "require_keys" .Values.router.requireKeys "database" "/var/lib/hearth/router.db" -}}
{{- with .Values.router.discovery }}
{{- if .enabled }}
{{- $_ := set $config "kubernetes_discovery" (dict "label_selector" .labelSelector "namespace" $.Release.Namespace "port" (int .port) "type" .type "tier" .tier) }}
{{- end }}
{{- end }}
{{- with include "hearth.redisUrl" . }}{{- $_ := set $config "redis" . }}{{- end }}
{{- toYaml (mustMergeOverwrite $config (deepCopy .Values.router.extraConfig)) }}
{{- end }}
