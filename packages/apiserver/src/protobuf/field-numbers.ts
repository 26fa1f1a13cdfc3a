import type { FieldNumberTable } from './decode.js';
import table from './field-numbers.json' with { type: 'json' };

/**
 * Protobuf field numbers of the built-in API types (Kubernetes 1.32), per
 * definition: `{ jsonName: number }`, negative for Go value fields with
 * omitempty (their zero value is dropped, as JSON would), and
 * `"$inline:<definition>"` for a field that JSON flattens into its parent but
 * protobuf nests (a Volume's VolumeSource). These numbers are facts of the
 * wire format, transcribed from the `protobuf` struct tags of upstream's API
 * types; kubectl's typed clients send these bodies (client-go ≥ 1.31 speaks
 * protobuf to core clients by default).
 */
export const PROTOBUF_FIELD_NUMBERS: FieldNumberTable = table;
