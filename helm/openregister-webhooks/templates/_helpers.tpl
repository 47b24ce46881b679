{{/*
Expand the name of the chart.
*/}}
{{- define "openregister-webhooks.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "openregister-webhooks.fullname" -}}
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

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "openregister-webhooks.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "openregister-webhooks.labels" -}}
helm.sh/chart: {{ include "openregister-webhooks.chart" . }}
{{ include "openregister-webhooks.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: openregister-webhooks
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels: the Deployment, Service, PodDisruptionBudget and NetworkPolicy select pods by these.
*/}}
{{- define "openregister-webhooks.selectorLabels" -}}
app.kubernetes.io/name: {{ include "openregister-webhooks.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "openregister-webhooks.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "openregister-webhooks.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference: repository@digest when a digest is given, else repository:tag (tag defaults
to the chart's appVersion).
*/}}
{{- define "openregister-webhooks.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Name of the Secret the pods read: the existing one, or the one this chart makes.
*/}}
{{- define "openregister-webhooks.secretName" -}}
{{- default (include "openregister-webhooks.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/*
Name of the data PersistentVolumeClaim.
*/}}
{{- define "openregister-webhooks.claimName" -}}
{{- default (printf "%s-data" (include "openregister-webhooks.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/*
True ("true") when more than one pod can run at once: replicaCount > 1 or autoscaling on.
*/}}
{{- define "openregister-webhooks.multiReplica" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}true{{- end }}
{{- end }}

{{/*
TRUST_PROXY: the configured value, or 1 (the ingress hop) behind the chart's Ingress, else false.
*/}}
{{- define "openregister-webhooks.trustProxy" -}}
{{- $v := .Values.config.trustProxy }}
{{- if kindIs "string" $v }}
{{- if eq $v "" }}{{ ternary "1" "false" .Values.ingress.enabled }}{{ else }}{{ $v }}{{ end }}
{{- else if kindIs "bool" $v }}
{{- $v | toString }}
{{- else }}
{{- int64 $v | toString }}
{{- end }}
{{- end }}

{{/*
Whether the chart generates the webhook secret: nothing else authenticates deliveries.
*/}}
{{- define "openregister-webhooks.generateWebhookSecret" -}}
{{- $s := .Values.secrets }}
{{- if and (not $s.existingSecret) (not $s.webhookSecrets) (not $s.webhookTokens) (not .Values.config.webhook.allowUnauthenticated) }}true{{- end }}
{{- end }}

{{/*
The V8 old-space ceiling in MiB the chart sets with NODE_OPTIONS=--max-old-space-size=<n>, or
nothing. Why: V8 sizes its heap ceiling from the memory it sees and defers full garbage collections
until the heap nears it. The image's Node 24 (Dockerfile's NODE_VERSION) sees the container's cgroup
limit, but sizes the ceiling at about the whole of it (256Mi gives about 262 MiB: nodejs/node#64646),
leaving nothing for memory outside the heap; without a limit it sizes it from the host's memory
(about 4 GB on a large host). Either way RSS climbs for minutes under load and looks like a leak,
and can reach the pod's memory limit before a full collection runs. With an explicit ceiling RSS
plateaus.
- maxHeapMiB set: that value.
- else half of resources.limits.memory when it is a whole number of Mi, Gi, M or G (M and G are
  powers of ten: converted to MiB, halved, floored). Half, because the rest of the limit is needed
  outside the old space: native memory, SQLite's page cache, Buffers, the young generation, code.
- else (no memory limit, or one in another form) nothing: Node's own default applies.
- nothing either when extraEnv already has NODE_OPTIONS: the user's wins, and env names stay unique.
*/}}
{{- define "openregister-webhooks.maxHeapMiB" -}}
{{- $userSetsNodeOptions := false }}
{{- range .Values.extraEnv }}
{{- if eq .name "NODE_OPTIONS" }}{{ $userSetsNodeOptions = true }}{{ end }}
{{- end }}
{{- if not $userSetsNodeOptions }}
{{- if not (kindIs "invalid" .Values.maxHeapMiB) }}
{{- int64 .Values.maxHeapMiB }}
{{- else }}
{{- $limit := "" }}
{{- with .Values.resources }}{{ with .limits }}{{ with .memory }}{{ $limit = . }}{{ end }}{{ end }}{{ end }}
{{- if and (kindIs "string" $limit) (regexMatch "^[1-9][0-9]*(Mi|Gi|M|G)$" $limit) }}
{{- $bytesPerUnit := dict "Mi" 1048576 "Gi" 1073741824 "M" 1000000 "G" 1000000000 }}
{{- $n := regexFind "^[0-9]+" $limit | int64 }}
{{- div (mul $n (get $bytesPerUnit (regexFind "[A-Za-z]+$" $limit))) 2097152 }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The preStop pause in seconds, or 0 for none: preStopSleepSeconds when set, else 10 with postgres
(several pods behind the Service: endpoints, kube-proxy and Ingress controllers need a few seconds to
stop sending to a terminating pod, and a request sent to a closed server is a lost delivery), else 0.
A preStop hook in `lifecycle` replaces the pause.
*/}}
{{- define "openregister-webhooks.preStopSleepSeconds" -}}
{{- if and .Values.lifecycle .Values.lifecycle.preStop }}0
{{- else if not (kindIs "invalid" .Values.preStopSleepSeconds) }}{{ int64 .Values.preStopSleepSeconds }}
{{- else if eq .Values.store.driver "postgres" }}10
{{- else }}0
{{- end }}
{{- end }}

{{/*
Checks that values the schema cannot express are consistent; fails the render with the reason.
Included from the Deployment, so `helm template`, `helm lint` and `helm install` all stop on them.
*/}}
{{- define "openregister-webhooks.validate" -}}
{{- $multi := include "openregister-webhooks.multiReplica" . }}
{{- $driver := .Values.store.driver }}
{{- if and $multi (ne $driver "postgres") }}
{{- fail (printf "\n\nreplicaCount > 1 or autoscaling.enabled needs the shared store: set store.driver=postgres with a DATABASE_URL (store.postgres.url, or the key secrets.existingSecretKeys.databaseUrl of secrets.existingSecret).\nWith store.driver=%s every pod keeps a private inbox and idempotency set, so the same change reaching two pods would run its handlers twice, and a pod's queued deliveries are invisible to the others.\nKeep replicaCount=1 with autoscaling.enabled=false, or use PostgreSQL." $driver) }}
{{- end }}
{{- if eq $driver "postgres" }}
{{- if and (not .Values.store.postgres.url) (not .Values.secrets.existingSecret) }}
{{- fail "\n\nstore.driver=postgres needs a DATABASE_URL: set store.postgres.url, or put DATABASE_URL in secrets.existingSecret (key secrets.existingSecretKeys.databaseUrl)." }}
{{- end }}
{{- if and .Values.secrets.existingSecret .Values.store.postgres.url }}
{{- fail "\n\nstore.postgres.url is written into the chart's Secret, which is not made when secrets.existingSecret is set: put DATABASE_URL in the existing Secret (key secrets.existingSecretKeys.databaseUrl) and leave store.postgres.url empty." }}
{{- end }}
{{- if .Values.persistence.enabled }}
{{- fail "\n\npersistence.enabled=true with store.driver=postgres: the PostgreSQL store keeps nothing in the data directory, and a ReadWriteOnce volume would pin every replica to one node. Set persistence.enabled=false." }}
{{- end }}
{{- end }}
{{- $graceMs := int64 .Values.config.shutdownGraceMs }}
{{- $pauseS := include "openregister-webhooks.preStopSleepSeconds" . | int64 }}
{{- $terminationMs := mul (int64 .Values.terminationGracePeriodSeconds) 1000 }}
{{- /* The service exits at most SHUTDOWN_MARGIN_IN_MS (src/health/shutdown-deadline.ts) after its drain. */}}
{{- $marginMs := 5000 }}
{{- if lt $terminationMs (add $graceMs (mul $pauseS 1000) $marginMs) }}
{{- fail (printf "\n\nterminationGracePeriodSeconds (%d s) must be at least the preStop pause (preStopSleepSeconds, %d s) plus the service's drain, config.shutdownGraceMs (%d ms), plus the %d s the service may take after the drain to close its store and write its last log lines: Kubernetes would kill the pod with SIGKILL before in-flight deliveries finish." (int64 .Values.terminationGracePeriodSeconds) $pauseS $graceMs (div $marginMs 1000)) }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "\n\nautoscaling.minReplicas must not be above autoscaling.maxReplicas." }}
{{- end }}
{{- $catchup := .Values.catchup }}
{{- if $catchup.enabled }}
{{- $missing := list }}
{{- if not $catchup.url }}{{ $missing = append $missing "catchup.url" }}{{ end }}
{{- if not $catchup.username }}{{ $missing = append $missing "catchup.username" }}{{ end }}
{{- if and (not $catchup.password) (not .Values.secrets.existingSecret) }}{{ $missing = append $missing "catchup.password (or secrets.existingSecret)" }}{{ end }}
{{- if $missing }}
{{- fail (printf "\n\ncatchup.enabled=true needs %s. Catch-up reads OpenRegister with Basic auth: set catchup.url (the http(s) URL of Nextcloud, OPENREGISTER_URL), catchup.username (the Nextcloud user it reads as, OPENREGISTER_USERNAME) and an app password of that user (OPENREGISTER_PASSWORD): catchup.password, or the key secrets.existingSecretKeys.openregisterPassword of secrets.existingSecret." (join ", " $missing)) }}
{{- end }}
{{- if and .Values.secrets.existingSecret $catchup.password }}
{{- fail "\n\ncatchup.password is written into the chart's Secret, which is not made when secrets.existingSecret is set: put OPENREGISTER_PASSWORD in the existing Secret (key secrets.existingSecretKeys.openregisterPassword) and leave catchup.password empty." }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A list of register or schema slugs and numeric ids as one comma list (CATCHUP_REGISTERS,
CATCHUP_SCHEMAS). Numbers from a values file reach templates as float64: printed whole, not 1e+06.
*/}}
{{- define "openregister-webhooks.idList" -}}
{{- $items := list }}
{{- range . }}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) }}
{{- $items = append $items (int64 . | toString) }}
{{- else }}
{{- $items = append $items (toString .) }}
{{- end }}
{{- end }}
{{- join "," $items }}
{{- end }}

{{/*
CATCHUP_FROM: now, oldest, or a feed cursor given as a number or a string of digits.
*/}}
{{- define "openregister-webhooks.catchupFrom" -}}
{{- $from := .Values.catchup.from }}
{{- if kindIs "string" $from }}{{ $from }}{{ else }}{{ int64 $from }}{{ end }}
{{- end }}

{{/*
The TCP ports catch-up connects to OpenRegister on, as a JSON list: 443 (HTTPS), and the port of
catchup.url when that is another (its explicit port, else 80 for http://).
*/}}
{{- define "openregister-webhooks.catchupPorts" -}}
{{- $url := urlParse .Values.catchup.url }}
{{- $port := regexFind ":[0-9]+$" $url.host | trimPrefix ":" }}
{{- if not $port }}{{ $port = ternary "80" "443" (eq $url.scheme "http") }}{{ end }}
{{- $ports := list 443 }}
{{- if ne (int64 $port) 443 }}{{ $ports = append $ports (int64 $port) }}{{ end }}
{{- toJson $ports }}
{{- end }}

{{/*
The catch-up lag, in seconds, above which OpenRegisterWebhooksCatchupLagging fires:
metrics.prometheusRule.catchupLagThresholdSeconds, or 10 catch-up intervals.
*/}}
{{- define "openregister-webhooks.catchupLagThresholdSeconds" -}}
{{- $threshold := .Values.metrics.prometheusRule.catchupLagThresholdSeconds }}
{{- if kindIs "invalid" $threshold }}{{ mul 10 (int64 .Values.catchup.intervalSeconds) }}{{ else }}{{ int64 $threshold }}{{ end }}
{{- end }}

{{/*
Environment variables read from the Secret. From the chart's own Secret: exactly the keys it holds.
From an existing Secret: every key, optional, so it may hold only the ones you use; but DATABASE_URL
with postgres is required, so a missing key stops the pod (CreateContainerConfigError) instead of
starting a service that cannot reach its store, and so is OPENREGISTER_PASSWORD with catch-up (the
service refuses to start without it anyway).
*/}}
{{- define "openregister-webhooks.secretEnv" -}}
{{- $secretName := include "openregister-webhooks.secretName" . }}
{{- $s := .Values.secrets }}
{{- $vars := list }}
{{- if $s.existingSecret }}
{{- $k := $s.existingSecretKeys }}
{{- $vars = list (list "WEBHOOK_SECRETS" $k.webhookSecrets) (list "WEBHOOK_TOKENS" $k.webhookTokens) (list "ADMIN_TOKEN" $k.adminToken) (list "FORWARD_SECRET" $k.forwardSecret) }}
{{- if eq .Values.store.driver "postgres" }}
{{- $vars = append $vars (list "DATABASE_URL" $k.databaseUrl "required") }}
{{- end }}
{{- if .Values.catchup.enabled }}
{{- $vars = append $vars (list "OPENREGISTER_PASSWORD" $k.openregisterPassword "required") }}
{{- end }}
{{- else }}
{{- if or $s.webhookSecrets (include "openregister-webhooks.generateWebhookSecret" .) }}
{{- $vars = append $vars (list "WEBHOOK_SECRETS" "WEBHOOK_SECRETS") }}
{{- end }}
{{- if $s.webhookTokens }}
{{- $vars = append $vars (list "WEBHOOK_TOKENS" "WEBHOOK_TOKENS") }}
{{- end }}
{{- if $s.adminToken }}
{{- $vars = append $vars (list "ADMIN_TOKEN" "ADMIN_TOKEN") }}
{{- end }}
{{- if $s.forwardSecret }}
{{- $vars = append $vars (list "FORWARD_SECRET" "FORWARD_SECRET") }}
{{- end }}
{{- if and (eq .Values.store.driver "postgres") .Values.store.postgres.url }}
{{- $vars = append $vars (list "DATABASE_URL" "DATABASE_URL") }}
{{- end }}
{{- if and .Values.catchup.enabled .Values.catchup.password }}
{{- $vars = append $vars (list "OPENREGISTER_PASSWORD" "OPENREGISTER_PASSWORD") }}
{{- end }}
{{- end }}
{{- range $vars }}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ index . 1 | quote }}
      {{- if and $s.existingSecret (ne (len .) 3) }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}

{{/*
An HTTP probe on the named port `http`: probe settings without `enabled`, plus httpGet.
Usage: include "openregister-webhooks.probe" (dict "probe" .Values.livenessProbe "path" "/health/live")
*/}}
{{- define "openregister-webhooks.probe" -}}
httpGet:
  path: {{ .path }}
  port: http
{{ omit .probe "enabled" | toYaml }}
{{- end }}

{{/*
Labels of every alert: its severity plus metrics.prometheusRule.additionalLabels.
Usage: include "openregister-webhooks.alertLabels" (dict "severity" "warning" "root" .)
*/}}
{{- define "openregister-webhooks.alertLabels" -}}
severity: {{ .severity }}
{{- with .root.Values.metrics.prometheusRule.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
An alert's runbook_url annotation when metrics.prometheusRule.runbookBaseUrl is set, else nothing.
*/}}
{{- define "openregister-webhooks.runbookUrl" -}}
{{- with .root.Values.metrics.prometheusRule.runbookBaseUrl -}}
runbook_url: {{ printf "%s#%s" (trimSuffix "/" .) (lower $.alert) | quote }}
{{- end }}
{{- end }}

{{/*
OTEL_RESOURCE_ATTRIBUTES from a map: key=value pairs in key order, with , = and % percent-encoded
as the OpenTelemetry specification asks.
*/}}
{{- define "openregister-webhooks.resourceAttributes" -}}
{{- $pairs := list }}
{{- range $key, $value := . }}
{{- $pairs = append $pairs (printf "%s=%s" (include "openregister-webhooks.otelEncode" $key) (include "openregister-webhooks.otelEncode" (toString $value))) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{- define "openregister-webhooks.otelEncode" -}}
{{- . | replace "%" "%25" | replace "," "%2C" | replace "=" "%3D" -}}
{{- end }}
