{{/* The chart name, overridable. */}}
{{- define "edgeplane.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: also the lease group, so releases in one namespace never share leases. */}}
{{- define "edgeplane.fullname" -}}
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

{{- define "edgeplane.selectorLabels" -}}
app.kubernetes.io/name: {{ include "edgeplane.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .Values.mode }}
{{- end }}

{{- define "edgeplane.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "edgeplane.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "edgeplane.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "edgeplane.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "edgeplane.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Refuses values that would deploy something broken or unsafe. */}}
{{- define "edgeplane.validate" -}}
{{- if not (has .Values.mode (list "service" "agent")) }}
{{- fail (printf "mode must be service or agent, not %q" .Values.mode) }}
{{- end }}
{{- if eq .Values.mode "service" }}
{{- if not .Values.spec.repo }}
{{- fail "spec.repo is required: the http(s) URL of the spec repo" }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.sharding.enabled) }}
{{- fail "replicaCount > 1 needs sharding.enabled=true: without it every replica would reconcile the whole fleet" }}
{{- end }}
{{- if and .Values.sharding.enabled (gt (int .Values.replicaCount) (int .Values.sharding.shards)) }}
{{- fail "replicaCount must not exceed sharding.shards: a replica without a shard has nothing to do" }}
{{- end }}
{{- else }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" .Values.agent.location) }}
{{- fail "agent.location is required in agent mode: the location's name (a DNS-1123 label)" }}
{{- end }}
{{- if not .Values.agent.output }}
{{- fail "agent.output is required in agent mode: the output repo holding the location's branch" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Volumes for the credential Secrets, mounted read-only as files. */}}
{{- define "edgeplane.secretVolumes" -}}
{{- if .Values.git.existingSecret }}
- name: git-token
  secret:
    secretName: {{ .Values.git.existingSecret }}
    items: [{key: {{ .Values.git.secretKey }}, path: token}]
{{- end }}
{{- if and (eq .Values.mode "service") .Values.webhook.existingSecret }}
- name: webhook-secret
  secret:
    secretName: {{ .Values.webhook.existingSecret }}
    items: [{key: {{ .Values.webhook.secretKey }}, path: secret}]
{{- end }}
{{- if and (eq .Values.mode "service") .Values.trigger.existingSecret }}
- name: trigger-token
  secret:
    secretName: {{ .Values.trigger.existingSecret }}
    items: [{key: {{ .Values.trigger.secretKey }}, path: token}]
{{- end }}
{{- end }}

{{- define "edgeplane.secretMounts" -}}
{{- if .Values.git.existingSecret }}
- {name: git-token, mountPath: /etc/edgeplane/git, readOnly: true}
{{- end }}
{{- if and (eq .Values.mode "service") .Values.webhook.existingSecret }}
- {name: webhook-secret, mountPath: /etc/edgeplane/webhook, readOnly: true}
{{- end }}
{{- if and (eq .Values.mode "service") .Values.trigger.existingSecret }}
- {name: trigger-token, mountPath: /etc/edgeplane/trigger, readOnly: true}
{{- end }}
{{- end }}
