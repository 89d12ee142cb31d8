// Rules and rule enforcements as Squall stores them.
import type { Path } from '../packs/problems.js';

/** A rule as st2 writes it (YAML or JSON), plus Squall's window and cooldown. */
export interface RuleSpec {
  name: string;
  pack: string;
  description: string;
  enabled: boolean;
  trigger: { type: string; parameters: Record<string, unknown> };
  criteria: Record<string, unknown>;
  action: { ref: string; parameters: Record<string, unknown> };
  window?: { period: string | number; group_by?: string; aggregate: string };
  cooldown?: string | number;
  tags?: unknown[];
  context?: Record<string, unknown>;
}

export interface Rule extends RuleSpec {
  id: string;
  /** "pack.name" */
  ref: string;
  /** The trigger (type + parameters) the rule listens to. */
  trigger_ref: string;
  /** The pack file the rule came from (relative to the pack), or null for API-created rules. */
  source_file: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * What the rules engine decided for one rule and one trigger instance:
 * succeeded (execution requested), failed (matched, but the action could not be requested),
 * no_match (criteria failed), suppressed (criteria passed; the window or cooldown held it back).
 */
export type EnforcementStatus = 'succeeded' | 'failed' | 'no_match' | 'suppressed';

export interface RuleEnforcement {
  id: string;
  rule_ref: string;
  rule_id: string;
  trigger_instance_id: string;
  status: EnforcementStatus;
  execution_id: string | null;
  failure_reason: string | null;
  /** Rendered parameters (succeeded), window value, … */
  details: Record<string, unknown>;
  enforced_at: number;
}

/** One thing wrong in a rule, at a path into its definition (mapped to a line for files). */
export interface RuleProblem {
  path: Path;
  message: string;
}
