import protobuf from 'protobufjs';

/**
 * The subset of opentelemetry-proto (collector/trace/v1, trace/v1, common/v1,
 * resource/v1) an OTLP traces receiver needs. Field numbers and wire types are
 * the upstream ones (the SpanKind and StatusCode enums read as int32, which is
 * wire-compatible); fields left out (links, flags, dropped counts, schema URLs)
 * are skipped by the decoder as unknown fields.
 */
const OTLP_TRACES_PROTO = `
syntax = "proto3";
package opentelemetry.proto;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Resource { repeated KeyValue attributes = 1; }

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse {}
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message Span {
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated KeyValue attributes = 3;
  }
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  repeated Event events = 11;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
`;

const root = protobuf.parse(OTLP_TRACES_PROTO).root;
const requestType = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
const responseType = root.lookupType('opentelemetry.proto.ExportTraceServiceResponse');

/**
 * Decodes a protobuf ExportTraceServiceRequest into the same plain shape
 * OTLP/JSON uses (lowerCamelCase keys, 64-bit integers as decimal strings),
 * except that ids stay bytes where OTLP/JSON has hex strings.
 */
export function decodeTraceRequest(body: Uint8Array): Record<string, unknown> {
  return requestType.toObject(requestType.decode(body), { longs: String, enums: Number });
}

/** An empty ExportTraceServiceResponse: full success, no partial_success. */
export const EMPTY_TRACE_RESPONSE: Uint8Array = responseType.encode(responseType.create({})).finish();
