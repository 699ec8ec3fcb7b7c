{{/* Names, labels and derived values, defined once. */}}

{{- define "cruddur-backend.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* release-chart, or the release name alone when it already contains the chart name. */}}
{{- define "cruddur-backend.fullname" -}}
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

{{/* Name of the X-Ray daemon's resources (DaemonSet, Service, ConfigMap). */}}
{{- define "cruddur-backend.xray.fullname" -}}
{{- printf "%s-xray" (include "cruddur-backend.fullname" . | trunc 58 | trimSuffix "-") }}
{{- end }}

{{/* Name of the observability-as-code hook Job (and its NetworkPolicy). */}}
{{- define "cruddur-backend.observability.fullname" -}}
{{- printf "%s-observability" (include "cruddur-backend.fullname" . | trunc 49 | trimSuffix "-") }}
{{- end }}

{{/* Name of the deploy marker hook Job. */}}
{{- define "cruddur-backend.deployMarker.fullname" -}}
{{- printf "%s-deploy-marker" (include "cruddur-backend.fullname" . | trunc 49 | trimSuffix "-") }}
{{- end }}

{{/* HONEYCOMB_API_URL of the hooks: the explicit value, else the API of collector.honeycomb.region (not its endpoint: that may be a Refinery). */}}
{{- define "cruddur-backend.observability.honeycombApiUrl" -}}
{{- .Values.observabilityAsCode.honeycombApiUrl | default (ternary "https://api.eu1.honeycomb.io" "https://api.honeycomb.io" (eq .Values.collector.honeycomb.region "eu")) }}
{{- end }}

{{- define "cruddur-backend.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Kubernetes recommended labels; pass (dict "ctx" $ "component" "api"). */}}
{{- define "cruddur-backend.labels" -}}
helm.sh/chart: {{ include "cruddur-backend.chart" .ctx }}
{{ include "cruddur-backend.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Values.image.tag | default .ctx.Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: cruddur
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Immutable selector labels (never add a version here: Deployment selectors cannot change). */}}
{{- define "cruddur-backend.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cruddur-backend.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "cruddur-backend.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cruddur-backend.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cruddur-backend.xray.serviceAccountName" -}}
{{- if .Values.xray.serviceAccount.create }}
{{- default (include "cruddur-backend.xray.fullname" .) .Values.xray.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.xray.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The observability-as-code hook's own ServiceAccount: its IRSA role may change X-Ray and Logs settings, the app's may not. */}}
{{- define "cruddur-backend.observability.serviceAccountName" -}}
{{- if .Values.observabilityAsCode.serviceAccount.create }}
{{- default (include "cruddur-backend.observability.fullname" .) .Values.observabilityAsCode.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.observabilityAsCode.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* OTEL_RESOURCE_ATTRIBUTES from values (key=value,...; the schema keeps the values to characters that need no encoding). */}}
{{- define "cruddur-backend.resourceAttributes" -}}
{{- $t := .Values.telemetry }}
{{- $attributes := list }}
{{- with $t.cloudPlatform }}
{{- $attributes = concat $attributes (list "cloud.provider=aws" (printf "cloud.platform=%s" .) (printf "cloud.region=%s" $.Values.aws.region)) }}
{{- end }}
{{- with $t.clusterName }}
{{- $attributes = append $attributes (printf "k8s.cluster.name=%s" .) }}
{{- end }}
{{- join "," $attributes }}
{{- end }}

{{/* repository@digest, else repository:tag (the tag defaulting to defaultTag). */}}
{{- define "cruddur-backend.imageRef" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (.image.tag | default .defaultTag) }}
{{- end }}
{{- end }}

{{- define "cruddur-backend.image" -}}
{{- include "cruddur-backend.imageRef" (dict "image" .Values.image "defaultTag" .Chart.AppVersion) }}
{{- end }}

{{/* The Secret every secretKeyRef points at: the existing one, or the chart's (which may not exist: refs are optional). */}}
{{- define "cruddur-backend.secretName" -}}
{{- default (include "cruddur-backend.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* The chart creates its Secret only without existingSecret and with at least one value. */}}
{{- define "cruddur-backend.createSecret" -}}
{{- if and (not .Values.secrets.existingSecret) (gt (len (compact (values .Values.secrets.values))) 0) }}true{{ end }}
{{- end }}

{{/* Optional env var from the Secret: pass (dict "ctx" $ "key" "ROLLBAR_ACCESS_TOKEN"). */}}
{{- define "cruddur-backend.secretEnv" -}}
- name: {{ .key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "cruddur-backend.secretName" .ctx }}
      key: {{ .key }}
      optional: true
{{- end }}

{{/* The Honeycomb ingest key, required when the collector exports to Honeycomb: without it every export fails with 401,
     seen only in the collector's log. The chart's own Secret is checked at render; an existing one by lookup where
     the API answers (install and upgrade, not `helm template`), and in any case by the pod, which cannot start
     without the key (its secretKeyRef is not optional). */}}
{{- define "cruddur-backend.checkHoneycombKey" -}}
{{- if and .Values.collector.enabled .Values.collector.honeycomb.enabled }}
{{- $name := include "cruddur-backend.secretName" . }}
{{- if not .Values.secrets.existingSecret }}
{{- if not .Values.secrets.values.HONEYCOMB_API_KEY }}
{{- fail (printf "collector.honeycomb.enabled needs key HONEYCOMB_API_KEY in Secret %s, which the chart creates from values: set secrets.values.HONEYCOMB_API_KEY (or secrets.existingSecret), or set collector.honeycomb.enabled=false. Without it every export to Honeycomb fails with 401." $name) }}
{{- end }}
{{- else }}
{{- $secret := lookup "v1" "Secret" .Release.Namespace $name }}
{{- if and $secret (not (dig "data" "HONEYCOMB_API_KEY" "" $secret)) }}
{{- fail (printf "collector.honeycomb.enabled needs key HONEYCOMB_API_KEY in Secret %s (namespace %s), which has no such key: add it, or set collector.honeycomb.enabled=false. Without it the pods cannot start." $name .Release.Namespace) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* A warning for NOTES.txt when an ALB routes to pod IPs but the namespace lacks the AWS Load Balancer Controller's
     readiness gate label. Only when lookup finds the namespace without it: `helm template` and client dry runs find
     nothing (no warning then), nor does an install that creates the namespace (the skaffold eks profile checks it). */}}
{{- define "cruddur-backend.readinessGateWarning" -}}
{{- $label := "elbv2.k8s.aws/pod-readiness-gate-inject" }}
{{- if and .Values.ingress.enabled (eq (get .Values.ingress.annotations "alb.ingress.kubernetes.io/target-type" | default "") "ip") }}
{{- $namespace := lookup "v1" "Namespace" "" .Release.Namespace }}
{{- if and $namespace (ne (dig "metadata" "labels" $label "" $namespace) "enabled") }}
{{- printf "WARNING: namespace %s has no label %s=enabled, and the ALB sends traffic straight to pod IPs (target-type ip): without the AWS Load Balancer Controller's readiness gate a rollout can stop old pods before the ALB has health-checked the new ones. Label the namespace, then restart the rollout so new pods get the gate:\n  kubectl label namespace %s %s=enabled\n  kubectl -n %s rollout restart deployment/%s" .Release.Namespace $label .Release.Namespace $label .Release.Namespace (include "cruddur-backend.fullname" .) }}
{{- end }}
{{- end }}
{{- end }}

{{/* preStop sleep + shutdown deadline + margin, rounded up to whole seconds. */}}
{{- define "cruddur-backend.minGracePeriod" -}}
{{- $s := .Values.shutdown }}
{{- add $s.preStopSleepSeconds (div (add $s.shutdownTimeoutMs 999) 1000) $s.marginSeconds }}
{{- end }}

{{- define "cruddur-backend.terminationGracePeriodSeconds" -}}
{{- $min := include "cruddur-backend.minGracePeriod" . | int }}
{{- $set := .Values.shutdown.terminationGracePeriodSeconds }}
{{- if kindIs "invalid" $set }}
{{- $min }}
{{- else if lt (int $set) $min }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%d) is shorter than preStopSleepSeconds + shutdownTimeoutMs + marginSeconds (%d s): the kubelet would kill the pod before it flushes its telemetry. Raise it or leave it null to derive it." (int $set) $min) }}
{{- else }}
{{- $set }}
{{- end }}
{{- end }}

{{/* Native `sleep` lifecycle action when the cluster has it on by default (1.30+), else exec `sleep` from the image. */}}
{{- define "cruddur-backend.preStopNative" -}}
{{- $mode := .Values.shutdown.preStopMode }}
{{- if or (eq $mode "native") (and (eq $mode "auto") (semverCompare ">=1.30-0" .Capabilities.KubeVersion.Version)) }}true{{ end }}
{{- end }}

{{- define "cruddur-backend.preStop" -}}
{{- if include "cruddur-backend.preStopNative" . -}}
sleep:
  seconds: {{ .Values.shutdown.preStopSleepSeconds }}
{{- else -}}
exec:
  command: ["sleep", "{{ .Values.shutdown.preStopSleepSeconds }}"]
{{- end }}
{{- end }}

{{- define "cruddur-backend.nativeSidecar" -}}
{{- $mode := toString .Values.collector.nativeSidecar }}
{{- if or (eq $mode "true") (and (eq $mode "auto") (semverCompare ">=1.29-0" .Capabilities.KubeVersion.Version)) }}true{{ end }}
{{- end }}

{{/* The daemon's PriorityClass: the one named in values, else the chart's own when it renders one. */}}
{{- define "cruddur-backend.xray.priorityClassName" -}}
{{- if .Values.xray.priorityClassName }}
{{- .Values.xray.priorityClassName }}
{{- else if .Values.xray.priorityClass.create }}
{{- /* Cluster-scoped: the namespace keeps releases of one name in two namespaces apart. */}}
{{- printf "%s-%s" .Release.Namespace (include "cruddur-backend.xray.fullname" .) }}
{{- end }}
{{- end }}

{{/* The daemon's update strategy: the values', else a surge where the node-local Service allows one (hostPort cannot). */}}
{{- define "cruddur-backend.xray.updateStrategy" -}}
{{- if .Values.xray.updateStrategy }}
{{- toYaml .Values.xray.updateStrategy }}
{{- else }}
{{- $hostPort := eq .Values.xray.addressMode "hostPort" }}
type: RollingUpdate
rollingUpdate:
  maxSurge: {{ ternary 0 1 $hostPort }}
  maxUnavailable: {{ ternary 1 0 $hostPort }}
{{- end }}
{{- end }}

{{/* host:port for AWS_XRAY_DAEMON_ADDRESS (HOST_IP is defined earlier in the env list in hostPort mode). */}}
{{- define "cruddur-backend.xray.address" -}}
{{- if not .Values.xray.daemon.enabled }}
{{- .Values.xray.externalAddress }}
{{- else if eq .Values.xray.addressMode "hostPort" }}
{{- printf "$(HOST_IP):%d" (int .Values.xray.port) }}
{{- else }}
{{- printf "%s.%s.svc:%d" (include "cruddur-backend.xray.fullname" .) .Release.Namespace (int .Values.xray.port) }}
{{- end }}
{{- end }}

{{/* GOMEMLIMIT: 80% of a memory limit given in Ki/Mi/Gi or K/M/G, in MiB (the suffix Go expects). */}}
{{- define "cruddur-backend.collector.gomemlimit" -}}
{{- $limit := toString (dig "limits" "memory" "" .Values.collector.resources) }}
{{- if $limit }}
{{- $units := dict "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "K" 1000 "M" 1000000 "G" 1000000000 }}
{{- $num := regexFind "^[0-9]+" $limit }}
{{- $unit := trimPrefix $num $limit }}
{{- if not (hasKey $units $unit) }}
{{- fail (printf "collector.resources.limits.memory %q: use a whole number with Ki, Mi, Gi, K, M or G so GOMEMLIMIT can be derived." $limit) }}
{{- end }}
{{- printf "%dMiB" (div (mul (int64 $num) (get $units $unit) 8) 10485760) }}
{{- end }}
{{- end }}

{{/* The values checks that a JSON schema cannot express, run by every template that needs them. */}}
{{- define "cruddur-backend.validate" -}}
{{- include "cruddur-backend.checkHoneycombKey" . }}
{{- if ge (int .Values.shutdown.drainTimeoutMs) (int .Values.shutdown.shutdownTimeoutMs) }}
{{- fail (printf "shutdown.drainTimeoutMs (%d) must be less than shutdown.shutdownTimeoutMs (%d): the rest of the deadline is the time left to flush telemetry." (int .Values.shutdown.drainTimeoutMs) (int .Values.shutdown.shutdownTimeoutMs)) }}
{{- end }}
{{- if and (not .Values.xray.daemon.enabled) .Values.telemetry.xrayEnabled (not .Values.xray.externalAddress) }}
{{- fail "xray.daemon.enabled is false but xray.externalAddress is empty: set the host:port of the cluster-wide X-Ray daemon, or set telemetry.xrayEnabled=false." }}
{{- end }}
{{- if and (not .Values.collector.enabled) (not .Values.telemetry.otlpEndpoint) }}
{{- fail "collector.enabled is false but telemetry.otlpEndpoint is empty: the service would export to a collector that is not there. Set telemetry.otlpEndpoint (e.g. http://otel-collector.observability:4318)." }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "httpRoute.enabled is true but httpRoute.parentRefs is empty: name the Gateway the route attaches to." }}
{{- end }}
{{- if and .Values.xray.daemon.enabled (eq .Values.xray.addressMode "hostPort") (ne (toString (dig "rollingUpdate" "maxSurge" 0 .Values.xray.updateStrategy)) "0") }}
{{- fail "xray.updateStrategy has a maxSurge with xray.addressMode=hostPort: two daemon pods cannot bind one node's hostPort, so the surge pod would never start. Use maxUnavailable (or leave xray.updateStrategy empty), or xray.addressMode=service." }}
{{- end }}
{{- if and .Values.networkPolicy.enabled .Values.xray.daemon.enabled (eq .Values.xray.addressMode "hostPort") (not .Values.networkPolicy.extraEgress) }}
{{- fail "networkPolicy.enabled with xray.addressMode=hostPort needs networkPolicy.extraEgress allowing the node IPs on port 2000, or the policy blocks the daemon; prefer xray.addressMode=service." }}
{{- end }}
{{- if and .Values.telemetry.xrayCentralizedSampling .Values.xray.daemon.enabled .Values.xray.localMode (not .Values.aws.credentialsFromSecret) }}
{{- fail "telemetry.xrayCentralizedSampling needs AWS credentials in the daemon: on kind (xray.localMode) set aws.credentialsFromSecret=true, or turn centralized sampling off." }}
{{- end }}
{{- if and .Values.observabilityAsCode.enabled (has "cloudwatch" .Values.observabilityAsCode.systems) (not .Values.telemetry.cloudwatchLogGroup) }}
{{- fail "observabilityAsCode.systems has cloudwatch but telemetry.cloudwatchLogGroup is empty: the hook would create the CLI's default group, which the service does not write to. Set the group or drop cloudwatch from the systems." }}
{{- end }}
{{- if and .Values.aws.credentialsFromSecret (or .Values.serviceAccount.roleArn .Values.xray.serviceAccount.roleArn .Values.observabilityAsCode.serviceAccount.roleArn) }}
{{- fail "aws.credentialsFromSecret and an IRSA roleArn are both set: use static keys on kind only, IRSA on EKS." }}
{{- end }}
{{- end }}
