{{/* OpenTelemetry Collector sidecar: its config (built from values) and its container. */}}

{{- define "cruddur-backend.collector.config" -}}
{{- $c := .Values.collector }}
{{- $exporters := dict }}
{{- $traces := list }}
{{- $metrics := list }}
{{- if $c.honeycomb.enabled }}
{{- /* OTLP/HTTP (protobuf, gzip): Honeycomb takes it at the same hosts as gRPC; the exporter appends /v1/traces etc.
       An explicit endpoint (a Refinery, a proxy, the e2e tests' receiver) wins over the region's. */}}
{{- $endpoint := $c.honeycomb.endpoint | default (ternary "https://api.eu1.honeycomb.io" "https://api.honeycomb.io" (eq $c.honeycomb.region "eu")) }}
{{- $_ := set $exporters "otlp_http/honeycomb" (dict "endpoint" $endpoint "headers" (dict "x-honeycomb-team" "${env:HONEYCOMB_API_KEY}")) }}
{{- /* Honeycomb names trace datasets after service.name but needs an explicit dataset for metrics. */}}
{{- $_ := set $exporters "otlp_http/honeycomb-metrics" (dict "endpoint" $endpoint "headers" (dict "x-honeycomb-team" "${env:HONEYCOMB_API_KEY}" "x-honeycomb-dataset" $c.honeycomb.metricsDataset)) }}
{{- $traces = append $traces "otlp_http/honeycomb" }}
{{- $metrics = append $metrics "otlp_http/honeycomb-metrics" }}
{{- end }}
{{- if or $c.debug.enabled (not $c.honeycomb.enabled) }}
{{- $_ := set $exporters "debug" (dict "verbosity" $c.debug.verbosity) }}
{{- $traces = append $traces "debug" }}
{{- $metrics = append $metrics "debug" }}
{{- end }}
{{- $config := dict
  "receivers" (dict "otlp" (dict "protocols" (dict
    "grpc" (dict "endpoint" "localhost:4317")
    "http" (dict "endpoint" "localhost:4318"))))
  "processors" (dict
    "memory_limiter" (dict "check_interval" "5s" "limit_percentage" 80 "spike_limit_percentage" 25)
    "batch" (dict))
  "exporters" $exporters
  "extensions" (dict "health_check" (dict "endpoint" "0.0.0.0:13133"))
  "service" (dict
    "extensions" (list "health_check")
    "telemetry" (dict "logs" (dict "level" $c.logLevel "encoding" "json"))
    "pipelines" (dict
      "traces" (dict "receivers" (list "otlp") "processors" (list "memory_limiter" "batch") "exporters" $traces)
      "metrics" (dict "receivers" (list "otlp") "processors" (list "memory_limiter" "batch") "exporters" $metrics)
      "logs" (dict "receivers" (list "otlp") "processors" (list "memory_limiter" "batch") "exporters" $traces))) }}
{{- toYaml (mustMergeOverwrite $config (deepCopy $c.config)) }}
{{- end }}

{{/* The collector container; pass (dict "ctx" $ "native" true|false). */}}
{{- define "cruddur-backend.collector.container" -}}
{{- $ := .ctx }}
{{- $c := $.Values.collector -}}
- name: otel-collector
  image: {{ include "cruddur-backend.imageRef" (dict "image" $c.image "defaultTag" $c.image.tag) | quote }}
  imagePullPolicy: {{ $c.image.pullPolicy }}
  {{- if .native }}
  # Native sidecar: started before the app, stopped after it, so the app's last spans still get out.
  restartPolicy: Always
  {{- end }}
  args: ["--config=/conf/config.yaml"]
  env:
    {{- with include "cruddur-backend.collector.gomemlimit" $ }}
    - name: GOMEMLIMIT
      value: {{ . | quote }}
    {{- end }}
    {{- if $c.honeycomb.enabled }}
    # Required, unlike the app's keys: without it every export fails with 401; a missing key stops the pod instead
    # (CreateContainerConfigError names the Secret and the key).
    - name: HONEYCOMB_API_KEY
      valueFrom:
        secretKeyRef:
          name: {{ include "cruddur-backend.secretName" $ }}
          key: HONEYCOMB_API_KEY
          optional: false
    {{- end }}
  ports:
    - name: otel-health
      containerPort: 13133
      protocol: TCP
  startupProbe:
    httpGet:
      path: /
      port: otel-health
    periodSeconds: 1
    failureThreshold: 30
  # No readiness probe: a sidecar's readiness counts toward the pod's Ready, so a collector restart (an OOM kill) would
  # take a serving API pod out of its Service. Telemetry never takes serving down: the startup probe alone orders the
  # start (the app starts once health_check answers), and liveness only checks that the process still listens, so a
  # collector draining at shutdown (health_check answering 503) is not restarted.
  livenessProbe:
    tcpSocket:
      port: otel-health
    periodSeconds: 10
  {{- if and (not .native) (include "cruddur-backend.preStopNative" $) }}
  # Plain sidecar: it gets SIGTERM together with the app, so it waits out the app's preStop and shutdown first.
  # (The image has no shell or sleep binary: before Kubernetes 1.30 this delay is impossible and the last spans may be lost.)
  lifecycle:
    preStop:
      sleep:
        seconds: {{ sub (include "cruddur-backend.minGracePeriod" $ | int) $.Values.shutdown.marginSeconds }}
  {{- end }}
  resources:
    {{- toYaml $c.resources | nindent 4 }}
  securityContext:
    {{- toYaml $c.securityContext | nindent 4 }}
  volumeMounts:
    - name: otel-collector-config
      mountPath: /conf
      readOnly: true
{{- end }}
