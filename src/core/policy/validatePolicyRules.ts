import { LEVELS, SECOND_FACTORS } from '../assurance/types';
import { SIGNAL_NAMES, type Condition, type PolicyRule } from './types';

/** Problems with a rule list, each naming the rule and what is wrong; empty when it is fine. */
export function validatePolicyRules(rules: readonly PolicyRule[], knownActions: readonly string[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  rules.forEach((rule, i) => {
    const where = `policy.rules[${i}]${rule?.name ? ` (${rule.name})` : ''}`;
    if (!rule || typeof rule.name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(rule.name)) {
      problems.push(`${where}: name must be lower-case letters, digits and dashes`);
      return;
    }
    if (names.has(rule.name)) problems.push(`${where}: the name is used twice`);
    names.add(rule.name);
    if (typeof rule.reason !== 'string' || rule.reason.length < 5) problems.push(`${where}: reason must say in words why the rule applies`);
    if (typeof rule.when !== 'function') checkCondition(rule.when, `${where}.when`, problems);
    if (!Array.isArray(rule.then) || rule.then.length === 0) problems.push(`${where}: then must list at least one effect`);
    for (const effect of rule.then ?? []) {
      if (effect.type === 'remove_factors') {
        for (const f of effect.factors) if (!(SECOND_FACTORS as readonly string[]).includes(f)) problems.push(`${where}: unknown factor "${f}" (known: ${SECOND_FACTORS.join(', ')})`);
      } else if (effect.type === 'require_level') {
        if (!LEVELS.includes(effect.level)) problems.push(`${where}: unknown level "${effect.level}"`);
      } else if (effect.type === 'max_age') {
        if (!Number.isInteger(effect.seconds) || effect.seconds <= 0) problems.push(`${where}: max_age seconds must be a positive whole number`);
      } else if (!['deny', 'require_step_up', 'require_strongest_available'].includes(effect.type)) {
        problems.push(`${where}: unknown effect "${(effect as { type: string }).type}"`);
      }
    }
    for (const action of rule.actions ?? []) if (!knownActions.includes(action)) problems.push(`${where}: unknown action "${action}"`);
  });
  return problems;
}

function checkCondition(condition: Condition, where: string, problems: string[]): void {
  if (!condition || typeof condition !== 'object') {
    problems.push(`${where}: must be a condition or a function`);
    return;
  }
  if ('all' in condition || 'any' in condition) {
    const list = 'all' in condition ? condition.all : condition.any;
    if (!Array.isArray(list) || list.length === 0) problems.push(`${where}: all/any needs a non-empty list`);
    else list.forEach((c, i) => checkCondition(c, `${where}.${'all' in condition ? 'all' : 'any'}[${i}]`, problems));
    return;
  }
  if (!(SIGNAL_NAMES as readonly string[]).includes((condition as { signal: string }).signal)) {
    problems.push(`${where}: unknown signal "${(condition as { signal: string }).signal}" (known: ${SIGNAL_NAMES.join(', ')})`);
  }
}
