{{- define "buyonline-cdc.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "buyonline-cdc.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include with (dict "root" $ "component" "producer") */}}
{{- define "buyonline-cdc.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "buyonline-cdc.secretName" -}}
{{- default (include "buyonline-cdc.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "buyonline-cdc.stageClaim" -}}
{{- default (printf "%s-stage" (include "buyonline-cdc.fullname" .)) .Values.stage.existingClaim -}}
{{- end -}}

{{/* The probes of an app on its health port (named "health"). */}}
{{- define "buyonline-cdc.probes" -}}
startupProbe:
  httpGet: { path: /livez, port: health }
  {{- toYaml .Values.probes.startup | nindent 2 }}
livenessProbe:
  httpGet: { path: /livez, port: health }
  {{- toYaml .Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet: { path: /readyz, port: health }
  {{- toYaml .Values.probes.readiness | nindent 2 }}
{{- end -}}

{{/* Snowflake secrets, each optional (only the keys the Secret has are set). */}}
{{- define "buyonline-cdc.snowflakeSecretEnv" -}}
{{- range $name := list "SNOWFLAKE_PASSWORD" "SNOWFLAKE_PRIVATE_KEY" "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE" }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef: { name: {{ include "buyonline-cdc.secretName" $ }}, key: {{ $name }}, optional: true }
{{- end }}
{{- end -}}

{{/* The stage volume (STAGE_DIR=/stage) of the consumers and the verify job. */}}
{{- define "buyonline-cdc.stageVolume" -}}
- name: stage
{{- if .Values.stage.emptyDir }}
  emptyDir: {}
{{- else }}
  persistentVolumeClaim:
    claimName: {{ include "buyonline-cdc.stageClaim" . }}
{{- end }}
{{- end -}}

{{/* A variable's value as a string: numbers in full (1200000, not 1.2e+06), strings as they are. */}}
{{- define "buyonline-cdc.envValue" -}}
{{- if kindIs "string" . -}}
{{- . | quote -}}
{{- else -}}
{{- toJson . | quote -}}
{{- end -}}
{{- end -}}
