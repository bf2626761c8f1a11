/** Documentation every drift rule shares (a rule's own text overrides it). */
export const DRIFT_NOTES = {
  rationale:
    'A baseline is what the workload did while learning; behaviour outside it is the first sign that the workload is being misused with its own permissions, and the one signal that holds for agents no rule was written for.',
  falsePositives:
    'Behaviour the learning runs did not exercise: a task, a code path or a schedule the learning window missed.',
  tuning:
    'Learn over more runs that exercise the behaviour, override the severity (`overrides: [{ rule, severity }]`) or add an exception for the workload.',
} as const;

/** Documentation every critical behaviour shares (a rule's own text overrides it). */
export const CRITICAL_NOTES = {
  rationale:
    'Learning admits what it sees; an attack inside the learning window would become part of the baseline. Critical behaviours are held out for a reviewer, so poisoning the baseline takes a human decision, and the same behaviour later is reported at this severity.',
  falsePositives:
    'A workload that does this as part of its job (an agent with a shell tool, a client that refreshes its token).',
  tuning:
    'Admit the quarantined item after review (`vigil baseline admit` or `vigil learn --admit ID --by WHO --reason WHY`), disable the rule for the learner (`criticalBehaviours(packs, { disable })`) or override its parameters.',
} as const;
