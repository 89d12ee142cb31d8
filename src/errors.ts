// The one catalogue of Squall's error codes. The README's error table lists the same
// codes; test/errors-doc.test.ts keeps the two in step. Add a code here, then a row there.

export const codes = {
  BAD_REQUEST: { status: 400, hint: 'Check the request body against /api/v1/openapi.json.' },
  UNAUTHORIZED: { status: 401, hint: 'Send an API key in St2-Api-Key (or Authorization: Bearer) or a token in X-Auth-Token.' },
  FORBIDDEN: { status: 403, hint: 'Ask an administrator for a role that grants this permission.' },
  NOT_FOUND: { status: 404, hint: 'Check the id or name; list what exists with the matching `squall … list` command.' },
  PACK_NOT_FOUND: { status: 404, hint: 'List the registered packs with `squall pack list`.' },
  ACTION_NOT_FOUND: { status: 404, hint: 'List the registered actions with `squall action list`.' },
  EXECUTION_NOT_FOUND: { status: 404, hint: 'List recent executions with `squall execution list`.' },
  RUNNER_NOT_FOUND: { status: 422, hint: 'Use one of the runner types listed by `squall runner list`.' },
  TRIGGER_NOT_FOUND: { status: 404, hint: 'List the trigger types with `squall trigger list`.' },
  TRIGGER_INSTANCE_NOT_FOUND: { status: 404, hint: 'List recent trigger instances with `squall trigger-instance list`.' },
  RULE_NOT_FOUND: { status: 404, hint: 'List the rules with `squall rule list`.' },
  RULE_ENFORCEMENT_NOT_FOUND: { status: 404, hint: 'List recent rule enforcements with `squall rule-enforcement list`.' },
  WEBHOOK_NOT_FOUND: { status: 404, hint: 'Create a rule on core.st2.webhook with this url; `squall trigger list --type core.st2.webhook` shows the webhooks.' },
  SIGNATURE_INVALID: { status: 401, hint: 'Sign the raw body with the webhook secret (HMAC-SHA256, header X-Hub-Signature-256: sha256=<hex>) or send an API key.' },
  RULE_INVALID: { status: 422, hint: 'Fix the rule field named above; `squall rule test FILE --payload JSON` checks a rule without running it.' },
  TRIGGER_PAYLOAD_INVALID: { status: 422, hint: 'Send a payload matching the trigger type payload_schema (`squall trigger get TYPE`).' },
  SENSOR_NOT_FOUND: { status: 404, hint: 'List the sensors with `squall sensor list`.' },
  INQUIRY_NOT_FOUND: { status: 404, hint: 'List the pending inquiries with `squall inquiry list`.' },
  INQUIRY_RESPONSE_INVALID: { status: 400, hint: 'Answer with a JSON object matching the schema shown by `squall inquiry get ID`.' },
  INQUIRY_CLOSED: { status: 409, hint: 'The inquiry was already answered, timed out or was canceled; `squall execution get ID` shows how it ended.' },
  CONFLICT: { status: 409, hint: 'Fetch the resource again: it changed or already exists.' },
  ILLEGAL_TRANSITION: { status: 409, hint: 'Fetch the execution again: its status has moved on.' },
  PAYLOAD_TOO_LARGE: { status: 413, hint: 'Send a smaller body, or raise the limit with --body-limit-mb.' },
  PACK_INVALID: { status: 422, hint: 'Fix the field named above, then run `squall pack register` again.' },
  PACK_REQUIREMENTS_UNAVAILABLE: { status: 424, hint: 'Let the server reach a Python package index (or set PIP_INDEX_URL to a mirror), then run `squall pack install PACK` again.' },
  PARAMETERS_INVALID: { status: 422, hint: 'Fix the parameters named above; `squall action get ACTION` lists them.' },
  EXPR_SYNTAX: { status: 422, hint: 'Fix the expression at the position named above.' },
  EXPR_EVAL: { status: 422, hint: 'The expression parsed but could not be evaluated against this context.' },
  RERUN_INVALID: { status: 422, hint: '`squall execution get ID` shows the workflow tasks and their statuses; re-run from tasks that failed, of a workflow that ended.' },
  WORKFLOW_INVALID: { status: 422, hint: 'Run `squall workflow inspect FILE` for every problem with its line and column.' },
  USAGE_INVALID: { status: 400, hint: 'Run the command with --help for its arguments and options.' },
  CONFIG_INVALID: { status: 400, hint: 'Fix the configuration value named above (file, environment or flag).' },
  SCHEMA_TOO_NEW: { status: 500, hint: 'The database was migrated by a newer Squall; run that version or restore a backup.' },
  STORE_UNAVAILABLE: { status: 503, hint: 'Check that the database is running and the --db URL is right.' },
  SERVER_UNREACHABLE: { status: 503, hint: 'Start the server with `squall server`, or point SQUALL_URL at it.' },
  KEY_NOT_FOUND: { status: 404, hint: 'List the keys with `squall key list` (add --scope user for your own keys).' },
  KEY_NAME_INVALID: { status: 422, hint: 'Key names are 1-255 characters of letters, digits and . _ - : / (no spaces), not starting with a dot.' },
  KEY_VALUE_TOO_LARGE: { status: 413, hint: 'Datastore values are limited to 64 KiB; keep large data in a file or an artifact store and put its location in the key.' },
  DATASTORE_KEY_INVALID: { status: 500, hint: 'Restore $SQUALL_HOME/keys/datastore.key from backup (every node needs the same key file).' },
  USER_NOT_FOUND: { status: 404, hint: 'List the users with `squall user list`.' },
  ROLE_NOT_FOUND: { status: 404, hint: 'List the roles with `squall role list`.' },
  RBAC_FILE_INVALID: { status: 422, hint: 'Fix the RBAC file named above; nothing from the directory was applied.' },
  TOO_MANY_ATTEMPTS: { status: 429, hint: 'Wait a minute before trying to log in again.' },
  AUDIT_UNAVAILABLE: { status: 500, hint: 'The change was made (do not repeat it) but its audit entry was not written; the server log has the entry. Check the database.' },
  INTERNAL: { status: 500, hint: 'This is a bug in Squall; the server log has the request id.' },
} as const;

export type ErrorCode = keyof typeof codes;

export interface ErrorPlace {
  file?: string;
  line?: number;
  column?: number;
  field?: string;
}

/** Squall's own failure: a catalogue code, a message naming what and where, and the place. */
export class SquallError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly where: ErrorPlace = {},
    options?: ErrorOptions & { retryable?: boolean; details?: unknown },
  ) {
    super(message, options);
    this.name = 'SquallError';
    this.retryable = options?.retryable ?? false;
    this.details = options?.details;
  }
  readonly retryable: boolean;
  readonly details: unknown;

  get status(): number {
    return codes[this.code].status;
  }

  get hint(): string {
    return codes[this.code].hint;
  }
}

/** True when `err` is a SquallError with the given code. Branch on codes, never on message text. */
export function hasCode(err: unknown, code: ErrorCode): err is SquallError {
  return err instanceof SquallError && err.code === code;
}

/** "file:line:column field: " prefix for messages, from whatever parts of the place are known. */
export function formatPlace(where: ErrorPlace): string {
  const loc = [where.file, where.line, where.column].filter((p) => p !== undefined).join(':');
  return [loc, where.field].filter(Boolean).join(' ');
}
