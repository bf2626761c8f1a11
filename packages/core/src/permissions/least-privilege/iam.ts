import type { IamPolicyDocument, IamStatement } from '../aws/iam-policy.js';
import type { Grant } from '../grant.js';
import { deniedBy, globMatch, grantsCovering } from '../match.js';
import type { ObservedUse } from '../observed/use.js';

/** Options for {@link leastPrivilegeIam}. */
export interface IamGenerationOptions {
  /** Most distinct resources listed for one action before they become a wildcard or placeholder. Default 10. */
  readonly maxResources?: number;
}

function commonPrefix(values: readonly string[]): string {
  if (values.length === 0) return '';
  let p = values[0]!;
  for (const v of values) while (!v.startsWith(p)) p = p.slice(0, -1);
  // Cut back to a delimiter so a placeholder replaces whole path segments.
  const cut = Math.max(p.lastIndexOf('/'), p.lastIndexOf(':'));
  return cut >= 0 ? p.slice(0, cut + 1) : '';
}

/** Whether a grant's resource pattern list already allows `prefix*` (so a wildcard stays inside it). */
function coversPrefix(g: Grant, prefix: string): boolean {
  if (g.target.domain !== 'cloud-api' || g.target.notResource) return false;
  return g.target.resources.some(
    (p) =>
      p === '*' || (p.endsWith('*') && !p.slice(0, -1).includes('*') && prefix.startsWith(p.slice(0, -1))),
  );
}

/**
 * An IAM policy that allows exactly the observed, granted calls of one AWS
 * identity. Actions are listed by name; resources are the ARNs CloudTrail
 * recorded. Where an action touched more resources than `maxResources`, they
 * become `prefix*` when the declared policy already allowed that, else a
 * `${…}` placeholder to fill in. Calls recorded without resources keep the
 * declared grant's resources (and `NotResource`). Conditions on the declared
 * grant are carried over. The result never grants more than the declared
 * policy (placeholders match nothing until filled).
 *
 * @example
 * ```ts
 * const { document, notes } = leastPrivilegeIam(
 *   observed.uses.filter((u) => u.subject === 'aws:arn:aws:iam::123456789012:role/agent'),
 *   declared.grants.filter((g) => g.domain === 'cloud-api'),
 * );
 * ```
 */
export function leastPrivilegeIam(
  uses: readonly ObservedUse[],
  declared: readonly Grant[],
  options: IamGenerationOptions = {},
): { document: IamPolicyDocument; notes: string[] } {
  const max = options.maxResources ?? 10;
  const allow = declared.filter((g) => g.domain === 'cloud-api' && g.effect === 'allow');
  const deny = declared.filter((g) => g.domain === 'cloud-api' && g.effect === 'deny');
  const notes: string[] = [];
  interface Entry {
    action: string;
    resources: Set<string>;
    fallback: Grant | undefined;
    covering: Grant[];
  }
  const byAction = new Map<string, Entry>();
  for (const u of uses) {
    if (u.target.domain !== 'cloud-api' || u.count === 0) continue;
    const covering = grantsCovering(allow, u);
    if (covering === undefined) continue;
    if (deniedBy(deny, u)) continue;
    const e = byAction.get(u.action) ?? {
      action: u.action,
      resources: new Set(),
      fallback: undefined,
      covering: [],
    };
    for (const g of covering) if (!e.covering.includes(g)) e.covering.push(g);
    if (u.target.resources.length === 0) e.fallback ??= covering[0];
    for (const r of u.target.resources) e.resources.add(r);
    byAction.set(u.action, e);
  }
  // Statements keyed by (resource list, notResource, conditions) so actions sharing them merge.
  const statements = new Map<string, { actions: Set<string>; stmt: Omit<IamStatement, 'Action'> }>();
  const add = (action: string, stmt: Omit<IamStatement, 'Action'>) => {
    const k = JSON.stringify([stmt.Resource, stmt.NotResource, stmt.Condition]);
    const s = statements.get(k) ?? { actions: new Set(), stmt };
    s.actions.add(action);
    statements.set(k, s);
  };
  for (const e of [...byAction.values()].sort((a, b) => a.action.localeCompare(b.action))) {
    const conditionGrant = e.covering.find((g) => Object.keys(g.conditions).length > 0);
    const condition = conditionGrant
      ? { Condition: conditionGrant.conditions as Record<string, Record<string, unknown>> }
      : {};
    if (conditionGrant)
      notes.push(`${e.action}: kept the declared Condition of ${conditionGrant.source.file}`);
    if (e.fallback && e.fallback.target.domain === 'cloud-api') {
      const t = e.fallback.target;
      add(e.action, {
        Effect: 'Allow',
        ...(t.notResource ? { NotResource: [...t.resources] } : { Resource: [...t.resources] }),
        ...condition,
      });
      notes.push(`${e.action}: CloudTrail recorded no resources; kept the declared resources`);
    }
    let resources = [...e.resources].sort();
    if (resources.length > max) {
      const prefix = commonPrefix(resources);
      if (e.covering.some((g) => coversPrefix(g, prefix))) {
        notes.push(`${e.action}: ${resources.length} resources observed; generalised to ${prefix}*`);
        resources = [`${prefix}*`];
      } else {
        const placeholder = `${prefix}\${${e.action.split(':')[1] ?? 'Resource'}Resource}`;
        notes.push(
          `${e.action}: ${resources.length} resources observed under ${prefix || '(no common prefix)'}; replace the placeholder in ${placeholder}`,
        );
        resources = [placeholder];
      }
    }
    if (resources.length > 0) add(e.action, { Effect: 'Allow', Resource: resources, ...condition });
  }
  const Statement: IamStatement[] = [...statements.values()].map(({ actions, stmt }, i) => ({
    Sid: `VigilObserved${i + 1}`,
    ...stmt,
    Action: [...actions].sort(),
  }));
  // Declared denies that touch a generated action are kept: a wildcard or declared resource list must
  // not reopen what the declared policy closed.
  const generatedActions = [...byAction.keys()];
  let denies = 0;
  for (const g of deny) {
    if (g.target.domain !== 'cloud-api') continue;
    const t = g.target;
    const touches = generatedActions.some((a) =>
      t.notActions ? !t.notActions.some((p) => globMatch(p, a, true)) : globMatch(g.action, a, true),
    );
    if (!touches) continue;
    Statement.push({
      Sid: `VigilDeclaredDeny${++denies}`,
      Effect: 'Deny',
      ...(t.notActions ? { NotAction: [...t.notActions] } : { Action: [g.action] }),
      ...(t.notResource ? { NotResource: [...t.resources] } : { Resource: [...t.resources] }),
      ...(Object.keys(g.conditions).length > 0
        ? { Condition: g.conditions as Record<string, Record<string, unknown>> }
        : {}),
    });
  }
  if (denies > 0) notes.push(`kept ${denies} declared Deny statement(s) that apply to the allowed actions`);
  return { document: { Version: '2012-10-17', Statement }, notes };
}
