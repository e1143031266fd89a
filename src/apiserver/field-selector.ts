// Field selectors (`metadata.name=x,status.phase!=Running`): only equality terms, as upstream.
import { ApiError } from '../api/status.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceType } from '../api/resource-type.js';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  matches(obj: KubeObject): boolean;
}

export function parseFieldSelector(text: string | null | undefined, rt: ResourceType): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text ?? '')) {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw new ApiError(400, 'BadRequest', `invalid selector: '${text}'; can't understand '${term}'`);
    const field = m[1].trim();
    if (!fieldValue(rt, field)) throw new ApiError(400, 'BadRequest', `field label not supported: ${field}`);
    requirements.push({ field, op: m[2] === '!=' ? '!=' : '=', value: unescapeValue(m[3].trim()) });
  }
  return {
    requirements,
    matches(obj) {
      return requirements.every((r) => (fieldValue(rt, r.field)!(obj) === r.value) === (r.op === '='));
    },
  };
}

function fieldValue(rt: ResourceType, field: string): ((o: KubeObject) => string) | undefined {
  if (field === 'metadata.name') return (o) => o.metadata?.name ?? '';
  if (field === 'metadata.namespace') return (o) => o.metadata?.namespace ?? '';
  const f = rt.fieldSelectors?.[field];
  return f ? (o) => f(o) ?? '' : undefined;
}

// Terms are comma-separated; a backslash escapes a comma or equals sign inside a value.
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
    } else if (c === ',') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function unescapeValue(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}
