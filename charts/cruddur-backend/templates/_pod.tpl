{{/* The app's pod spec: the service container, the collector sidecar and their volumes. */}}
{{- define "cruddur-backend.pod" -}}
{{- $native := include "cruddur-backend.nativeSidecar" . -}}
serviceAccountName: {{ include "cruddur-backend.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
terminationGracePeriodSeconds: {{ include "cruddur-backend.terminationGracePeriodSeconds" . }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- if and .Values.collector.enabled $native }}
initContainers:
  {{- include "cruddur-backend.collector.container" (dict "ctx" . "native" true) | nindent 2 }}
{{- end }}
containers:
  - name: app
    image: {{ include "cruddur-backend.image" . | quote }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    ports:
      - name: http
        containerPort: {{ .Values.config.port }}
        protocol: TCP
    envFrom:
      # Non-secret settings; the checksum/config annotation rolls the pods when they change.
      - configMapRef:
          name: {{ include "cruddur-backend.fullname" . }}
    env:
      # Downward API: the service turns these into k8s.* resource attributes and the CloudWatch stream name.
      - name: K8S_POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: K8S_NAMESPACE_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.namespace
      - name: K8S_NODE_NAME
        valueFrom:
          fieldRef:
            fieldPath: spec.nodeName
      {{- if and .Values.xray.daemon.enabled (eq .Values.xray.addressMode "hostPort") }}
      - name: HOST_IP
        valueFrom:
          fieldRef:
            fieldPath: status.hostIP
      {{- end }}
      {{- if .Values.telemetry.xrayEnabled }}
      # host:port (a bare host makes the SDK throw); listed after HOST_IP so $(HOST_IP) expands.
      - name: AWS_XRAY_DAEMON_ADDRESS
        value: {{ include "cruddur-backend.xray.address" . | quote }}
      {{- end }}
      {{- include "cruddur-backend.secretEnv" (dict "ctx" . "key" "ROLLBAR_ACCESS_TOKEN") | nindent 6 }}
      {{- if .Values.aws.credentialsFromSecret }}
      {{- include "cruddur-backend.secretEnv" (dict "ctx" . "key" "AWS_ACCESS_KEY_ID") | nindent 6 }}
      {{- include "cruddur-backend.secretEnv" (dict "ctx" . "key" "AWS_SECRET_ACCESS_KEY") | nindent 6 }}
      {{- end }}
      {{- with .Values.config.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    {{- with .Values.probes.startup }}
    startupProbe:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.probes.liveness }}
    livenessProbe:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.probes.readiness }}
    readinessProbe:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    lifecycle:
      # Keep serving while endpoints and load balancers forget the pod; SIGTERM (and the drain) comes after.
      preStop:
        {{- include "cruddur-backend.preStop" . | nindent 8 }}
    resources:
      {{- toYaml .Values.resources | nindent 6 }}
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
  {{- if and .Values.collector.enabled (not $native) }}
  {{- include "cruddur-backend.collector.container" (dict "ctx" . "native" false) | nindent 2 }}
  {{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
  {{- if .Values.collector.enabled }}
  - name: otel-collector-config
    configMap:
      name: {{ include "cruddur-backend.fullname" . }}-otel-collector
  {{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .Values.topologySpreadConstraints }}
{{- $selector := dict "labelSelector" (dict "matchLabels" (fromYaml (include "cruddur-backend.selectorLabels" (dict "ctx" . "component" "api")))) }}
{{- $constraints := list }}
{{- range .Values.topologySpreadConstraints }}
{{- $constraints = append $constraints (merge (dict) . $selector) }}
{{- end }}
topologySpreadConstraints:
  {{- toYaml $constraints | nindent 2 }}
{{- end }}
{{- end }}
