// Trigger types, triggers and trigger instances, as StackStorm names them.

/** A kind of event: its payload schema, and the parameters a trigger of this type takes. */
export interface TriggerType {
  /** "pack.name" */
  ref: string;
  pack: string;
  name: string;
  description: string;
  payload_schema: Record<string, unknown>;
  parameters_schema: Record<string, unknown>;
  metadata: Record<string, unknown>;
  updated_at: number;
}

/** A trigger type with parameters (a webhook url, a timer's interval). */
export interface Trigger {
  ref: string;
  pack: string;
  name: string;
  type: string;
  parameters: Record<string, unknown>;
  created_at: number;
}

/** st2's trigger instance statuses. */
export type TriggerInstanceStatus = 'pending' | 'processing' | 'processed' | 'processing_failed';

/** One event, stored before anyone is told it was received. */
export interface TriggerInstance {
  id: string;
  /** The trigger's ref. */
  trigger: string;
  trigger_type: string;
  payload: Record<string, unknown>;
  occurrence_time: number;
  status: TriggerInstanceStatus;
  delivery_id: string | null;
  trace_tag: string | null;
}
